"""The audit log: who did what, when; written inside the caller's transaction."""

from __future__ import annotations

import json
import re
from typing import Callable, Iterable

from components.storage import fetch_all

# Detail keys whose text is a fixed vocabulary (phase, visibility, export format) or a timestamp:
# nothing anyone wrote, so deleting a workshop keeps them. All other text in details is redacted.
VOCABULARY_KEYS = frozenset({"old", "new", "format", "deadline"})
PERSONAL_KEYS = frozenset({"display_name", "name", "label", "token"})
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{22,}")


def record(db, actor: str, action: str, workshop_id: int | None = None, **details) -> None:
    """Append one row to the audit log (inside the caller's transaction, if any)."""
    db.conn.execute(
        "INSERT INTO audit_log (actor, action, workshop_id, details) VALUES (?, ?, ?, ?)",
        (actor, action, workshop_id, json.dumps(details, ensure_ascii=False, sort_keys=True)),
    )


def list_audit(db, workshop_id: int) -> list[dict]:
    """Return a workshop's audit log, oldest first."""
    return fetch_all(db, "SELECT * FROM audit_log WHERE workshop_id = ? ORDER BY id", (workshop_id,))


def list_workshop_audit(db, workshop_id: int, limit: int = 200) -> list[dict]:
    """Return the newest audit rows of a workshop, newest first."""
    return fetch_all(db, "SELECT at, actor, action, details FROM audit_log WHERE workshop_id = ?"
                         " ORDER BY id DESC LIMIT ?", (workshop_id, limit))


def _texts(value) -> list[str]:
    """Every string inside a details value (not dict keys: those are ids, as in a ballot's allocation)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for item in value for text in _texts(item)] if isinstance(value, list) else []


def _redact(db, rows: Iterable[dict], drop: Callable[[str, object], bool]) -> int:
    """Drop the detail keys ``drop`` picks from these rows, listing them under "redacted"; return rows changed.

    The audit log's trigger allows exactly this: actor, action and time stay, details only lose keys.
    """
    changed = 0
    for row in rows:
        details = json.loads(row["details"])
        gone = [key for key, value in details.items() if key != "redacted" and drop(key, value)]
        if not gone:
            continue
        kept = {key: value for key, value in details.items() if key not in gone}
        kept["redacted"] = sorted(set(kept.get("redacted", [])) | set(gone))
        db.conn.execute("UPDATE audit_log SET details = ? WHERE id = ?",
                        (json.dumps(kept, ensure_ascii=False, sort_keys=True), row["id"]))
        changed += 1
    return changed


def redact_deleted_workshop(db, workshop_id: int, priority_ids: list[int]) -> int:
    """Remove every title, name and text from a deleted workshop's audit details (ids, counts, phases stay).

    Cross-workshop merges audited in other workshops lose the title they copied from this one.
    """
    rows = fetch_all(db, "SELECT id, details FROM audit_log WHERE workshop_id = ? OR (action = 'cross.merge'"
                         " AND json_extract(details, '$.target_id') IN (SELECT value FROM json_each(?)))",
                     (workshop_id, json.dumps(priority_ids)))
    return _redact(db, rows, lambda key, value: key not in VOCABULARY_KEYS and bool(_texts(value)))


def redact_people(db, workshop_id: int, names: Iterable[str], tokens: Iterable[str]) -> int:
    """Remove participants' names and personal-link tokens from a workshop's audit details (for anonymising)."""
    names = {name.strip().casefold() for name in names if name and name.strip()}
    phrases = {words for words in map(_words, names) if words}
    lengths = sorted({len(words) for words in phrases})
    tokens = set(tokens)

    def personal(text: str) -> bool:
        words = _words(text)
        return (text.strip().casefold() in names or any(run in tokens for run in _TOKEN_RUN.findall(text))
                or any(words[i:i + n] in phrases for n in lengths for i in range(len(words) - n + 1)))

    rows = fetch_all(db, "SELECT id, details FROM audit_log WHERE workshop_id = ?", (workshop_id,))
    return _redact(db, rows, lambda key, value: key in PERSONAL_KEYS or any(map(personal, _texts(value))))


def _words(text: str) -> tuple[str, ...]:
    """A text's words, case-folded: a name matches whole words only ("Jo" is not in "Journey")."""
    return tuple(re.findall(r"\w+", text.casefold()))
