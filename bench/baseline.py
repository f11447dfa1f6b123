"""The app before the HTTP vote path, taken from git, so a run can measure it beside today's app.

BASELINE_REV is the last commit whose ballot voted through a Streamlit trigger value and fragment
rerun, and whose phones got an opened vote only from a pushed whole-page rerun. Each app (today's
or the baseline) seeds and changes its own database with its own code, in a subprocess, so the
baseline never meets a schema it does not know.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from bench import harness

BASELINE_REV = "84a9b76"
BALLOT_SIZE = 24  # as bench.run: the priorities a facilitator takes to the vote

# Runs inside the app's own root (cwd), with that app's components.
_SEED = """
import json, sys
from pathlib import Path
from components import facilitation, participation, seed, storage, workshops
db_file, phones, phase, size = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
db = storage.open_db(db_file)
storage.migrate(db)
workshop_id = seed.seed_demo(db)
question = workshops.list_questions(db, workshop_id)[0]
for i in range(size - len(workshops.list_visible_priorities(db, question["id"]))):
    facilitation.add_priority_for_room(db, question["id"], f"Bench priority number {i + 1}", "bench")
if phase != question["phase"]:
    facilitation.set_phase(db, question["id"], phase, "bench")
code = workshops.get_workshop(db, workshop_id)["code"]
tokens = [participation.join_workshop(db, code, f"Bench {i}")["token"] for i in range(phones)]
print(json.dumps({"workshop_id": workshop_id, "question_id": question["id"], "code": code, "tokens": tokens}))
"""
_SET_PHASE = """
import sys, time
from components import facilitation, storage
db = storage.open_db(sys.argv[1])
facilitation.set_phase(db, int(sys.argv[2]), sys.argv[3], "bench")
print(time.time())
"""


def extract(rev: str, dest: Path) -> Path:
    """A copy of the app at `rev` (git archive of this repository) in dest; returns dest."""
    archive = subprocess.run(["git", "-C", str(harness.ROOT), "archive", "--format=tar", rev],
                             check=True, capture_output=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def seed(root: Path, db_file: Path, phones: int, phase: str) -> dict:
    """The demo workshop with BALLOT_SIZE priorities on question 1 in `phase` and `phones` joined phones."""
    out = subprocess.run([sys.executable, "-c", _SEED, str(db_file), str(phones), phase, str(BALLOT_SIZE)],
                         cwd=root, check=True, capture_output=True, text=True,
                         env={**harness.os.environ, "HUB_WORKSHOP_DB": str(db_file)}).stdout
    return json.loads(out.strip().splitlines()[-1])


def set_phase(root: Path, db_file: Path, question_id: int, phase: str) -> float:
    """Move a question to `phase` with the app's own code, as the facilitator's button does; the commit's time.time()."""
    out = subprocess.run([sys.executable, "-c", _SET_PHASE, str(db_file), str(question_id), phase], cwd=root,
                         check=True, capture_output=True, text=True, env={**harness.os.environ, "HUB_WORKSHOP_DB": str(db_file)})
    return float(out.stdout.strip().splitlines()[-1])
