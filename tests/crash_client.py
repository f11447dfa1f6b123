"""A voter that never stops: places and removes dots through the core, one line per step.

Run by tests/test_crash.py, which SIGKILLs it at random moments. Protocol on stdout,
flushed after every line:

    READY                          connected, about to vote
    TRY <op> <priority_id>         about to call the core (op is place or remove)
    ACK <op> <priority_id> <n>     the core committed; n = my dots on that priority now
    NO <op> <priority_id>          a rule refused it (nothing written)

Usage: python tests/crash_client.py DB_FILE TOKEN SEED PRIORITY_ID [PRIORITY_ID ...]

Zygote mode (fast restarts): python tests/crash_client.py --zygote DB_FILE TOKEN PRIORITY_ID ...
reads "RUN <seed>" lines on stdin; for each it forks a fresh voter process (imports already
done, its own new connection), prints "PID <pid>", lets the voter write the protocol above on
the same stdout, and once the voter has died (the test SIGKILLs it) prints "DEAD <pid> <status>".
Only one voter lives at a time, so lines never interleave.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# sqlite-utils imports pandas/numpy when present (1+ s); a voter needs neither, and a fast
# start means more kills per second of test time.
sys.modules.setdefault("pandas", None)
sys.modules.setdefault("numpy", None)

from components import participation, storage  # noqa: E402
from components.rules import RuleError  # noqa: E402


def say(line: str) -> None:
    """Write one protocol line and flush it, so an ACK is never lost in a buffer."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def vote_forever(db_file: str, token: str, seed: int, priority_ids: list[int]) -> None:
    """Place or remove a random dot, forever, reporting each commit."""
    rng = random.Random(seed)
    db = storage.open_db(db_file)
    participant = participation.get_participant(db, token)
    say("READY")
    while True:
        op = rng.choice(("place", "place", "remove"))
        priority_id = rng.choice(priority_ids)
        say(f"TRY {op} {priority_id}")
        action = participation.place_dot if op == "place" else participation.remove_dot
        try:
            count = action(db, participant, priority_id)
        except RuleError:
            say(f"NO {op} {priority_id}")
            continue
        say(f"ACK {op} {priority_id} {count}")


def serve_forks(db_file: str, token: str, priority_ids: list[int]) -> None:
    """Fork one voter per RUN line and report its death, so a kill costs no interpreter start."""
    say("ZYGOTE")
    for line in sys.stdin:
        seed = int(line.split()[1])
        pid = os.fork()
        if pid == 0:
            try:
                vote_forever(db_file, token, seed, priority_ids)
            finally:
                os._exit(1)
        say(f"PID {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"DEAD {pid} {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    if sys.argv[1] == "--zygote":
        serve_forks(sys.argv[2], sys.argv[3], [int(a) for a in sys.argv[4:]])
    else:
        vote_forever(sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(a) for a in sys.argv[4:]])
