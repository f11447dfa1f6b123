"""Backup with the CLI, restore by copying one file: the same results, row for row."""

from __future__ import annotations

import os
import shutil
import stat

import pandas as pd
import pytest

from components import cli, facilitation, participation, results, storage, workshops

TABLES = ["workshop", "theme", "profile_question", "question", "participant", "priority", "dot", "user", "audit_log"]


def run_a_workshop(db, demo) -> dict:
    """Collect, vote, moderate, record paper: every kind of row the results depend on."""
    workshop, (q1, q2) = demo
    people = [participation.join_workshop(db, workshop["code"], f"P{n}", {"country": "Serbia"}) for n in range(6)]
    for n, person in enumerate(people[:4]):
        participation.submit_priority(db, person, q1["id"], f"Idea from participant {n}")
    facilitation.set_phase(db, q1["id"], "voting", "facilitator")
    ids = [p["id"] for p in workshops.list_visible_priorities(db, q1["id"])]
    for n, person in enumerate(people):
        for k in range(1 + n % 4):
            participation.place_dot(db, person, ids[(n + k) % len(ids)])
    facilitation.merge_priorities(db, ids[-1], ids[0], "facilitator")
    facilitation.set_priority_hidden(db, ids[1], True, "facilitator")
    facilitation.record_paper_ballot(db, q1["id"], {ids[2]: 2, ids[3]: 1}, "facilitator", "paper 1", sheet=1)
    facilitation.set_phase(db, q1["id"], "closed", "facilitator")
    facilitation.set_phase(db, q2["id"], "voting", "facilitator")
    facilitation.add_priority_for_room(db, q2["id"], "Mentoring for new members", "facilitator")
    q2_ids = [p["id"] for p in workshops.list_visible_priorities(db, q2["id"])]
    for person in people[:3]:
        participation.place_dot(db, person, q2_ids[0])
    return {"people": people, "questions": [q1["id"], q2["id"]], "q2_ids": q2_ids}


def snapshot(db) -> dict:
    """Every table's rows and every question's tally."""
    tables = {name: db.conn.execute(f"SELECT * FROM [{name}] ORDER BY rowid").fetchall() for name in TABLES}
    tallies = {q[0]: results.tally_question(db, q[0])
               for q in db.conn.execute("SELECT id FROM question ORDER BY id").fetchall()}
    return {"tables": tables, "tallies": tallies}


def test_cli_backup_then_restore_by_copying_gives_identical_results(db_path, db, demo, tmp_path, capsys):
    state = run_a_workshop(db, demo)
    # a second connection holds committed WAL frames not yet checkpointed into hub.db
    assert (db_path.parent / "hub.db-wal").exists()
    before = snapshot(db)
    assert sum(len(t) for t in before["tallies"].values()) > 0 and len(before["tables"]["dot"]) > 10

    out = tmp_path / "backups" / "hub-backup.db"
    assert cli.main(["--db", str(db_path), "backup", "--out", str(out)]) == 0
    assert "integrity ok" in capsys.readouterr().out
    assert not (out.parent / "hub-backup.db-wal").exists() or (out.parent / "hub-backup.db-wal").stat().st_size == 0

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copy2(out, restored_dir / "hub.db")  # only the one file, as an operator would
    restored = storage.open_db(restored_dir / "hub.db")
    storage.migrate(restored)  # what the app does on start: must be a no-op
    assert storage.integrity_ok(restored)
    after = snapshot(restored)
    assert after["tables"] == before["tables"]
    assert after["tallies"].keys() == before["tallies"].keys()
    for question_id, tally in before["tallies"].items():
        pd.testing.assert_frame_equal(after["tallies"][question_id], tally)

    # the restored workshop carries on: a participant's link still works and votes count
    person = participation.get_participant(restored, state["people"][3]["token"])
    assert person["id"] == state["people"][3]["id"]
    assert participation.place_dot(restored, person, state["q2_ids"][0]) == 1
    assert participation.count_dots_used(restored, state["questions"][1], person["id"]) == 1
    restored.close()


def test_backup_creates_missing_folders_and_reports_integrity(db_path, db, demo, tmp_path, capsys):
    out = tmp_path / "nested" / "deeper" / "b.db"
    assert cli.main(["--db", str(db_path), "backup", "--out", str(out)]) == 0
    assert f"Backed up to {out} (integrity ok)" in capsys.readouterr().out
    copy = storage.open_db(out)
    assert copy.conn.execute("SELECT title FROM workshop").fetchall() == [(demo[0]["title"],)]
    copy.close()


def test_backup_requires_an_output_path(db_path, db):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--db", str(db_path), "backup"])
    assert exc.value.code == 2


def test_backup_is_created_0600_whatever_the_umask(db_path, db, demo, tmp_path, capsys):
    old = os.umask(0o022)
    try:
        out = tmp_path / "backups" / "hub-backup.db"
        assert cli.main(["--db", str(db_path), "backup", "--out", str(out)]) == 0
        wider = tmp_path / "backups" / "over-an-old-one.db"
        wider.write_bytes(b"")
        wider.chmod(0o644)
        assert cli.main(["--db", str(db_path), "backup", "--out", str(wider)]) == 0
    finally:
        os.umask(old)
    assert capsys.readouterr().out.count("(integrity ok)") == 2
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in sorted(out.parent.iterdir())}
    assert modes == {"hub-backup.db": 0o600, "over-an-old-one.db": 0o600}
