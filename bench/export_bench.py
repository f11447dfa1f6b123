"""Export timings on a large workshop: 5,000 participants, 2,000 priorities, ~25,000 dots.

Run: .venv/bin/python bench/export_bench.py   (builds a temp database, prints a table of seconds per format)
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components import exports, membership, seed, storage, workshops  # noqa: E402

PARTICIPANTS, PRIORITIES, BUDGET, CAP = 5_000, 2_000, 5, 3


def build_large_workshop(db, rng: random.Random) -> int:
    """Bulk-insert a large voting workshop and return its id."""
    ref = seed.load_reference()
    wid = workshops.create_workshop(db, "Large benchmark workshop", "bench", themes=ref["themes"],
                                    profile_questions=seed.default_profile_questions())
    qid = workshops.add_question(db, wid, "What should the hub prioritise?", "bench",
                                 dots_per_participant=BUDGET, max_dots_per_item=CAP)
    themes = [t["id"] for t in workshops.list_themes(db, wid)]
    conn = db.conn
    with storage.immediate(db):
        conn.executemany(
            "INSERT INTO participant (workshop_id, token, display_name, profile) VALUES (?, ?, ?, ?)",
            [(wid, f"tok{i:022d}", f"Participant {i}", json.dumps(_profile(rng, ref), ensure_ascii=False))
             for i in range(PARTICIPANTS)])
        people = [r[0] for r in conn.execute("SELECT id FROM participant WHERE workshop_id = ?", (wid,))]
        conn.executemany("INSERT INTO priority (question_id, participant_id, title, details, theme_id)"
                         " VALUES (?, ?, ?, ?, ?)",
                         [(qid, rng.choice(people), f"Priority number {i} — Příliš žluťoučký кінь",
                           "Some details " * rng.randint(0, 5), rng.choice(themes + [None]))
                          for i in range(PRIORITIES)])
        items = [r[0] for r in conn.execute("SELECT id FROM priority WHERE question_id = ?", (qid,))]
        weights = [1 / (rank + 1) for rank in range(len(items))]  # a long tail, like a real vote
        dots = []
        for person in people:
            placed: dict[int, int] = {}
            while sum(placed.values()) < BUDGET:
                item = rng.choices(items, weights)[0]
                if placed.get(item, 0) < CAP:
                    placed[item] = placed.get(item, 0) + 1
            dots += [(qid, item, person) for item, n in placed.items() for _ in range(n)]
        conn.executemany("INSERT INTO dot (question_id, priority_id, participant_id) VALUES (?, ?, ?)", dots)
        conn.execute("UPDATE question SET phase = 'closed' WHERE id = ?", (qid,))
    # The network's membership mix, so the exports compute representation by country and organisation type.
    mix = "dimension,group,count\n" + "".join(f"{key},{group},{rng.randint(5, 400)}\n" for key, groups in (
        ("country", ref["countries"]), ("org_type", ref["organisation_types"])) for group in groups)
    membership.import_csv(db, wid, mix.encode(), "bench")
    return wid


def _profile(rng: random.Random, ref: dict) -> dict:
    """A random profile; a few participants skip each question."""
    profile = {}
    if rng.random() > 0.05:
        profile["country"] = rng.choice(ref["countries"])
    if rng.random() > 0.1:
        profile["org_type"] = rng.choice(ref["organisation_types"])
    return profile


def main() -> None:
    """Build the workshop and time every format."""
    with tempfile.TemporaryDirectory() as tmp:
        db = storage.open_db(Path(tmp) / "bench.db")
        storage.migrate(db)
        start = time.perf_counter()
        wid = build_large_workshop(db, random.Random(42))
        build = time.perf_counter() - start
        counts = [db.conn.execute(sql, (wid,)).fetchone()[0] for sql in (
            "SELECT count(*) FROM participant WHERE workshop_id = ?",
            "SELECT count(*) FROM priority p JOIN question q ON q.id = p.question_id WHERE q.workshop_id = ?",
            "SELECT count(*) FROM dot d JOIN question q ON q.id = d.question_id WHERE q.workshop_id = ?")]
        print(f"workshop: {counts[0]:,} participants, {counts[1]:,} priorities, {counts[2]:,} dots "
              f"(built in {build:.1f} s)")
        print(f"{'format':<8} {'seconds':>8} {'size':>12}")
        start = time.perf_counter()
        exports.gather_results(db, wid)
        print(f"{'(tally)':<8} {time.perf_counter() - start:>8.2f} {'':>12}")
        for fmt in exports.FORMATS:
            start = time.perf_counter()
            data = exports.export_bytes(db, wid, fmt)
            print(f"{fmt:<8} {time.perf_counter() - start:>8.2f} {len(data):>12,}")
        db.close()


if __name__ == "__main__":
    main()
