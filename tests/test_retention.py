"""Anonymising and deleting a workshop: data gone, results kept (anonymise), audit written, confirmation needed."""

from __future__ import annotations

import pytest

from components import analysis, audit, facilitation, participation, retention, workshops
from components.rules import RuleError
from tests.test_analysis import seed_small


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
