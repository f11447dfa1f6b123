"""Anonymising and deleting a workshop: data gone, results kept (anonymise), audit written, confirmation needed."""

from __future__ import annotations

import json

import pytest

from components import across, analysis, audit, facilitation, participation, retention, workshops
from components.rules import RuleError
from tests.test_analysis import BALLOTS, X, seed_small


def test_anonymise_drops_names_and_tokens_keeps_results(db):
    small = seed_small(db)
    wid = small["workshop_id"]
    code = workshops.get_workshop(db, wid)["code"]
    before = analysis.tally_question(db, small["question_id"])
    with pytest.raises(RuleError):
        retention.anonymise_workshop(db, wid, "olga", "WRONG1")
    assert db.conn.execute("SELECT count(*) FROM participant WHERE token IS NOT NULL").fetchone()[0] == 6
    result = retention.anonymise_workshop(db, wid, "olga", code.lower())
    assert result == {"names_removed": 6, "tokens_removed": 6}
    assert db.conn.execute("SELECT count(*) FROM participant WHERE workshop_id = ? AND"
                           " (display_name IS NOT NULL OR token IS NOT NULL)", (wid,)).fetchone()[0] == 0
    assert workshops.get_workshop(db, wid)["status"] == "anonymised"
    assert analysis.tally_question(db, small["question_id"]).equals(before)
    assert participation.get_participant(db, small["people"]["p1"]["token"]) is None
    assert audit.list_audit(db, wid)[-1]["action"] == "workshop.anonymise"
    with pytest.raises(RuleError):
        participation.join_workshop(db, code, "Late")


def test_delete_removes_everything_and_audits(db):
    small = seed_small(db)
    other = seed_small(db, "Other")
    wid = small["workshop_id"]
    facilitation.merge_priorities(db, small["pids"]["C"], small["pids"]["A"], "test")
    code = workshops.get_workshop(db, wid)["code"]
    with pytest.raises(RuleError):
        retention.delete_workshop(db, wid, "olga", "")
    counts = retention.delete_workshop(db, wid, "olga", code)
    assert counts == {"participants": 6, "dots": 15}  # 15 placed; the merge moved, not dropped, dots
    assert workshops.get_workshop(db, wid) is None
    for table in ("participant", "question", "theme", "profile_question"):
        assert db.conn.execute(f"SELECT count(*) FROM {table} WHERE workshop_id = ?", (wid,)).fetchone()[0] == 0
    assert db.conn.execute("SELECT count(*) FROM dot").fetchone()[0] == 15  # the other workshop's dots remain
    assert db.conn.execute("SELECT action FROM audit_log WHERE workshop_id = ? ORDER BY id DESC LIMIT 1",
                           (wid,)).fetchone()[0] == "workshop.delete"
    assert analysis.tally_question(db, other["question_id"])["dots"].sum() == 15


def test_finish_then_anonymise(db):
    small = seed_small(db)
    wid = small["workshop_id"]
    retention.finish_workshop(db, wid, "olga")
    assert workshops.get_workshop(db, wid)["status"] == "finished"
    with pytest.raises(RuleError):
        retention.finish_workshop(db, wid, "olga")
    retention.anonymise_workshop(db, wid, "olga", workshops.get_workshop(db, wid)["code"])
    with pytest.raises(RuleError):
        retention.anonymise_workshop(db, wid, "olga", workshops.get_workshop(db, wid)["code"])


def test_retention_ui_needs_the_code(db):
    from streamlit.testing.v1 import AppTest

    from components import auth
    from tests.conftest import ROOT
    small = seed_small(db)
    auth.create_user(db, "olga", "Olga Organiser", "organiser", "test", password="x" * 12)
    at = AppTest.from_file(str(ROOT / "pages/results.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "olga"
    at.run()
    form_inputs = [t for t in at.text_input if "join code" in t.label]
    form_inputs[0].input("WRONG")
    next(b for b in at.button if b.label == "Anonymise this workshop").click().run()
    assert not at.exception
    assert any("to confirm" in e.value for e in at.error)
    assert workshops.get_workshop(db, small["workshop_id"])["status"] == "open"
    code = workshops.get_workshop(db, small["workshop_id"])["code"]
    [t for t in at.text_input if "join code" in t.label][0].input(code)
    next(b for b in at.button if b.label == "Anonymise this workshop").click().run()
    assert not at.exception
    assert workshops.get_workshop(db, small["workshop_id"])["status"] == "anonymised"
    assert any("Names and personal links were removed." in s.value for s in at.success)


# ---------------------------------------------------------------- data that is deleted is gone

def file_bytes(db_path) -> bytes:
    """The raw database file and its -wal file, as someone copying them off the disk would see them."""
    wal = db_path.parent / (db_path.name + "-wal")
    assert wal.exists()  # WAL mode: the file stays, emptied by the checkpoint
    return db_path.read_bytes() + wal.read_bytes()


DELETED_TITLES = {"A": "Zebra crossings near schools", "B": "Quokka garden", "C": "Cargo bikes", "D": "Dog park"}


def seed_to_delete(db) -> dict:
    """A workshop whose every text is unique (so a stray copy shows up), next to one that stays."""
    small = seed_small(db, "Ostrava mobility workshop", titles=DELETED_TITLES)
    other = seed_small(db, "Other workshop stays")
    code = workshops.get_workshop(db, small["workshop_id"])["code"]
    small["people"]["jana"] = participation.join_workshop(db, code, "Jana Horváthová")
    facilitation.edit_priority(db, small["pids"]["B"], "Quokka garden with benches", "Ask the zoo about it", None, "fiona")
    facilitation.merge_priorities(db, small["pids"]["C"], small["pids"]["A"], "fiona")
    across.record_cross_merge(db, "olga", [other["pids"]["A"]], small["pids"]["A"])
    return {"small": small, "other": other, "code": code}


def test_delete_leaves_no_copy_in_the_database_or_wal_file(db, db_path):
    seeded = seed_to_delete(db)
    small, code = seeded["small"], seeded["code"]
    needles = ["Ostrava mobility workshop", "Zebra crossings near schools", "Quokka garden", "Ask the zoo",
               "Cargo bikes", "Jana Horváthová", *[person["token"] for person in small["people"].values()]]
    raw = file_bytes(db_path)
    assert [n for n in needles if n.encode() in raw] == needles  # control: before, every one is there
    retention.delete_workshop(db, small["workshop_id"], "olga", code)
    raw = file_bytes(db_path)
    assert [n for n in needles if n.encode() in raw] == []
    assert (db_path.parent / (db_path.name + "-wal")).stat().st_size == 0
    assert "Other workshop stays".encode() in raw  # the grep does see text that was not deleted


def test_delete_redacts_the_workshops_audit_details(db):
    seeded = seed_to_delete(db)
    small, other, code = seeded["small"], seeded["other"], seeded["code"]
    wid, pids = small["workshop_id"], small["pids"]
    who_what_when = "SELECT id, at, actor, action, workshop_id FROM audit_log WHERE workshop_id = ? ORDER BY id"
    before = db.conn.execute(who_what_when, (wid,)).fetchall()
    theme_x = next(t["id"] for t in workshops.list_themes(db, wid) if t["name"] == X)
    retention.delete_workshop(db, wid, "olga", code)
    rows = audit.list_audit(db, wid)
    assert [tuple(r[k] for k in ("id", "at", "actor", "action", "workshop_id")) for r in rows[:-1]] == before
    details = [json.loads(r["details"]) for r in rows]
    assert details[-1] == {"participants": 7, "dots": 15, "audit_rows_redacted": 10}
    assert rows[-1]["action"] == "workshop.delete" and rows[-1]["actor"] == "olga"
    text = [(r["action"], k, v) for r, d in zip(rows, details) for k, v in d.items()
            if k != "redacted" and isinstance(v, str)]
    assert text == [("question.phase", "new", "collecting"), ("question.phase", "old", "draft"),
                    ("question.phase", "new", "voting"), ("question.phase", "old", "collecting")]
    by_action = {r["action"]: d for r, d in zip(rows, details)}
    assert by_action["workshop.create"] == {"redacted": ["code", "title"]}
    assert by_action["priority.edit"] == {"priority_id": pids["B"], "old_theme_id": theme_x, "theme_id": None,
                                          "redacted": ["details", "old_details", "old_title", "title"]}
    assert by_action["priority.merge"]["redacted"] == ["source_title", "target_title"]
    assert by_action["priority.merge"]["source_id"] == pids["C"] and by_action["priority.merge"]["target_id"] == pids["A"]
    assert by_action["cross.merge"] == {"target_id": pids["A"], "source_ids": [other["pids"]["A"]],
                                        "redacted": ["target_title"]}
    # the other workshop's record of the cross-workshop merge loses the deleted title too, and nothing else
    theirs = [json.loads(r["details"]) for r in audit.list_audit(db, other["workshop_id"])]
    assert [d for d in theirs if "target_title" in d or "redacted" in d] == [
        {"target_id": pids["A"], "source_ids": [other["pids"]["A"]], "redacted": ["target_title"]}]
    assert any(d.get("title") == "Other workshop stays" for d in theirs)


def test_anonymise_leaves_no_names_or_tokens_in_the_files_or_audit(db, db_path):
    small = seed_small(db)
    wid, qid = small["workshop_id"], small["question_id"]
    code = workshops.get_workshop(db, wid)["code"]
    small["people"]["jana"] = participation.join_workshop(db, code, "Jana Horváthová")
    named = facilitation.add_priority_for_room(db, qid, "Jana Horváthová asks for night buses", "fiona")
    facilitation.edit_priority(db, named, "More night buses", "", None, "fiona")
    names = [f"Name {n}" for n in BALLOTS] + ["Jana Horváthová"]
    tokens = [person["token"] for person in small["people"].values()]
    raw = file_bytes(db_path)
    assert [n for n in names + tokens if n.encode() in raw] == names + tokens
    assert retention.anonymise_workshop(db, wid, "olga", code) == {"names_removed": 7, "tokens_removed": 7}
    raw = file_bytes(db_path)
    assert [n for n in names + tokens if n.encode() in raw] == []
    assert b"More night buses" in raw and b"Priority A" in raw  # results and their texts stay
    rows = [(r["action"], json.loads(r["details"])) for r in audit.list_audit(db, wid)]
    assert [d for a, d in rows if "redacted" in d] == [
        {"priority_id": named, "redacted": ["title"]},
        {"priority_id": named, "title": "More night buses", "details": "", "old_details": "", "old_theme_id": None,
         "theme_id": None, "redacted": ["old_title"]}]
    assert rows[-1] == ("workshop.anonymise", {"names_removed": 7, "tokens_removed": 7, "audit_rows_redacted": 2})
    assert ("priority.add_for_room", {"priority_id": small["pids"]["A"], "title": "Priority A"}) in rows
