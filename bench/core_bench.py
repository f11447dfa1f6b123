"""Core dot commit: participation.place_dot against a raw sqlite3 single-row INSERT+COMMIT, same pragmas.

python -m bench.core_bench [seconds]
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from components import facilitation, participation, seed, storage, workshops

PARTICIPANTS = 40000  # 5 dots each: more dots than either loop can place in its time box


def prepare(db_file: Path) -> tuple[int, list[dict], list[int]]:
    """A demo workshop in voting with many participants; returns question, participants, priorities."""
    db = storage.open_db(db_file)
    try:
        storage.migrate(db)
        workshop_id = seed.seed_demo(db)
        question_id = workshops.list_questions(db, workshop_id)[0]["id"]
        facilitation.set_phase(db, question_id, "voting", "bench")
        with storage.immediate(db):
            rows = [(workshop_id, f"bench-token-{i:06d}-xxxxxxxxxxxx") for i in range(PARTICIPANTS)]
            db.conn.executemany("INSERT INTO participant (workshop_id, token) VALUES (?, ?)", rows)
        participants = storage.fetch_all(db, "SELECT * FROM participant WHERE workshop_id = ? ORDER BY id", (workshop_id,))
        priorities = [p["id"] for p in workshops.list_visible_priorities(db, question_id)]
        return question_id, participants, priorities
    finally:
        db.close()


def dot_plan(participants: list[dict], priorities: list[int]):
    """(participant, priority) pairs: 5 dots each, spread so no item exceeds the cap of 3."""
    for participant in participants:
        for k in range(5):
            yield participant, priorities[k % len(priorities)]


class PlaceDotLoop:
    """Commits dots through the core as a click does: with the count the screen showed."""

    def __init__(self, db_file: Path, participants, priorities):
        self.db = storage.open_db(db_file)
        self.plan = dot_plan(participants, priorities)
        self.shown: dict[tuple[int, int], int] = {}

    def step(self) -> None:
        """Place the next planned dot."""
        participant, priority_id = next(self.plan)
        key = (participant["id"], priority_id)
        self.shown[key] = participation.place_dot(self.db, participant, priority_id,
                                              expected_on_item=self.shown.get(key, 0))

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


class RawInsertLoop:
    """Commits dots as one INSERT + COMMIT each on a plain sqlite3 connection with the same pragmas."""

    def __init__(self, db_file: Path, question_id: int, participants, priorities):
        self.conn = sqlite3.connect(str(db_file), timeout=storage.BUSY_TIMEOUT_MS / 1000)
        self.conn.execute(f"PRAGMA busy_timeout = {storage.BUSY_TIMEOUT_MS}")
        self.conn.execute(f"PRAGMA journal_mode = {storage.JOURNAL_MODE}")
        self.conn.execute(f"PRAGMA synchronous = {storage.SYNCHRONOUS}")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.question_id, self.plan = question_id, dot_plan(participants, priorities)

    def step(self) -> None:
        """Insert and commit the next planned dot."""
        participant, priority_id = next(self.plan)
        self.conn.execute("INSERT INTO dot (question_id, priority_id, participant_id) VALUES (?, ?, ?)",
                          (self.question_id, priority_id, participant["id"]))
        self.conn.commit()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def time_round(loop, seconds: float) -> tuple[int, float]:
    """Run a loop for about `seconds`; return dots and elapsed time."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        try:
            loop.step()
        except StopIteration:
            break
        count += 1
        if count % 25 == 0 and time.perf_counter() > deadline:
            break
    return count, time.perf_counter() - start


def run(seconds: float = 3.0, rounds: int = 6) -> dict:
    """Alternate short rounds of both loops on twin databases (so machine noise hits both); median rates."""
    with tempfile.TemporaryDirectory(prefix="hub-core-bench-") as tmp:
        core_file, raw_file = Path(tmp) / "core.db", Path(tmp) / "raw.db"
        question_id, participants, priorities = prepare(core_file)
        prepare(raw_file)
        core, raw = PlaceDotLoop(core_file, participants, priorities), RawInsertLoop(raw_file, question_id, participants, priorities)
        core_rates, raw_rates, core_total = [], [], 0
        try:
            for _ in range(rounds):
                n, s = time_round(core, seconds / rounds)
                core_rates.append(n / s)
                core_total += n
                n, s = time_round(raw, seconds / rounds)
                raw_rates.append(n / s)
        finally:
            core.close()
            raw.close()
        db = storage.open_db(core_file)
        stored = storage.fetch_value(db, "SELECT count(*) FROM dot")
        db.close()
    if stored != core_total:
        raise AssertionError(f"place_dot committed {stored} dots but was called {core_total} times")
    core_rate, raw_rate = statistics.median(core_rates), statistics.median(raw_rates)
    return {"place_dot_per_s": round(core_rate), "raw_insert_per_s": round(raw_rate),
            "place_dot_us": round(1e6 / core_rate, 1), "raw_insert_us": round(1e6 / raw_rate, 1),
            "ratio": round(core_rate / raw_rate, 2), "rounds": rounds}


if __name__ == "__main__":
    result = run(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
    print(f"place_dot  {result['place_dot_per_s']:>7}/s  ({result['place_dot_us']} us per dot)")
    print(f"raw INSERT {result['raw_insert_per_s']:>7}/s  ({result['raw_insert_us']} us per dot)")
    print(f"ratio      {result['ratio']} (target >= 0.8)")
