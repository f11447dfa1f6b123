"""Check every exact pin against PyPI's vulnerability data; exit 1 on a known vulnerability.

python .ci/audit_pins.py requirements.txt requirements-dev.txt

pip-audit asks PyPI's per-release endpoint (/pypi/NAME/VERSION/json). Some registries and
mirrors serve only the per-project endpoint (/pypi/NAME/json), whose vulnerability list is
that of the newest release. So: per-release data when served; otherwise the project's data
when the pin is the newest release. A pin that a newer release has overtaken cannot be checked
here: for GRACE_DAYS after that release it is reported as 'overtaken' (bump it) and does not
fail, because CI must not turn red on the day an upstream project publishes a release; after
that it fails as unchecked. A pin missing from the index fails unless
.ci/audit-allow.txt names it with a reason. Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

INDEX = "https://pypi.org/pypi"
ALLOW_FILE = Path(__file__).with_name("audit-allow.txt")
# An overtaken pin warns for this long after the newer release, then fails: the newer release may
# carry a security fix this index cannot tell us about.
GRACE_DAYS = 7
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def read_pins(paths: list[str]) -> dict[str, str]:
    """name -> version for every `name==version` line (includes via -r are listed explicitly)."""
    pins = {}
    for path in paths:
        for line in Path(path).read_text().splitlines():
            match = PIN.match(line.strip())
            if match:
                pins[match.group(1).lower()] = match.group(2)
    return pins


def read_allowed() -> dict[str, str]:
    """name==version -> reason, from the allow file."""
    if not ALLOW_FILE.exists():
        return {}
    allowed = {}
    for line in ALLOW_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pin, _, reason = line.partition(" ")
            allowed[pin.lower()] = reason.strip()
    return allowed


def fetch_json(url: str) -> dict | None:
    """GET a JSON document; None on 404; retry other failures a few times."""
    for attempt in range(4):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            error = exc
        except (urllib.error.URLError, TimeoutError) as exc:
            error = exc
        time.sleep(2 ** attempt)
    raise SystemExit(f"cannot reach {url}: {error}")


def release_age_days(project: dict, now: datetime | None = None) -> float | None:
    """Days since the project's newest release was uploaded (None when the index does not say)."""
    times = [url.get("upload_time_iso_8601") for url in project.get("urls", []) if url.get("upload_time_iso_8601")]
    if not times:
        return None
    uploaded = min(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times)
    return ((now or datetime.now(timezone.utc)) - uploaded).total_seconds() / 86400


def audit_pin(name: str, version: str, fetch=fetch_json) -> tuple[str, list[str]]:
    """('ok' | 'vulnerable' | 'overtaken' | 'unchecked', advisory ids or a reason)."""
    release = fetch(f"{INDEX}/{name}/{version}/json")
    if release is None:
        project = fetch(f"{INDEX}/{name}/json")
        if project is None:
            return "unchecked", ["not on the index"]
        if project["info"]["version"] != version:
            newest = project["info"]["version"]
            age = release_age_days(project)
            why = f"newest release is {newest}; this index serves vulnerability data only for it"
            if age is None or age > GRACE_DAYS:  # a fix may be in it: bump within a week, or CI fails
                return "unchecked", [f"{why} (out {'?' if age is None else int(age)} days: bump the pin)"]
            return "overtaken", [why]
        release = project
    ids = [v["id"] for v in release.get("vulnerabilities", []) if not v.get("withdrawn")]
    return ("vulnerable" if ids else "ok"), ids


def main(argv: list[str]) -> int:
    """Print one line per pin; return 1 when any pin is vulnerable, or unchecked and not allowed."""
    pins, allowed, failed, verdicts = read_pins(argv or ["requirements.txt"]), read_allowed(), 0, []
    for name, version in sorted(pins.items()):
        verdict, details = audit_pin(name, version, fetch_json)
        reason = allowed.get(f"{name}=={version}")
        if verdict in ("unchecked", "overtaken") and reason:
            verdict, details = "allowed", details + [reason]
        failed += verdict in ("vulnerable", "unchecked")
        verdicts.append(verdict)
        print(f"{verdict:<10} {name}=={version}  {'; '.join(details)}")
    overtaken = sum(audit_verdict == "overtaken" for audit_verdict in verdicts)
    print(f"\n{len(pins)} pins, {failed} failing, {overtaken} overtaken by a newer release (bump them)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
