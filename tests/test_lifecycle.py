"""Workshop lifecycle in the core: a finished or anonymised workshop is a record nobody can change."""

from __future__ import annotations

import pytest

from components import analysis, auth, facilitation, retention, workshops
from components.rules import RuleError
from tests.test_analysis import seed_small


def snapshot(db, workshop_id: int) -> dict:
    """Every row a facilitator could change, for a before/after comparison."""
    query = {"workshop": "SELECT * FROM workshop WHERE id = ?",
             "question": "SELECT * FROM question WHERE workshop_id = ? ORDER BY id",
             "priority": "SELECT p.* FROM priority p JOIN question q ON q.id = p.question_id"
                         " WHERE q.workshop_id = ? ORDER BY p.id",
             "dot": "SELECT d.* FROM dot d JOIN question q ON q.id = d.question_id WHERE q.workshop_id = ? ORDER BY d.id",
             "theme": "SELECT * FROM theme WHERE workshop_id = ? ORDER BY id",
             "profile_question": "SELECT * FROM profile_question WHERE workshop_id = ? ORDER BY id"}
    return {table: db.conn.execute(sql, (workshop_id,)).fetchall() for table, sql in query.items()}


def facilitator_changes(small: dict) -> dict:
    """One call per kind of change a facilitator can make, each on the given workshop."""
    wid, qid, pids = small["workshop_id"], small["question_id"], small["pids"]
    return {
        "phase": lambda db: facilitation.set_phase(db, qid, "closed", "fiona"),
        "visibility": lambda db: facilitation.set_results_visibility(db, qid, "revealed", "fiona"),
        "deadline": lambda db: facilitation.set_phase_deadline(db, qid, "2030-01-01T10:00:00+00:00", "fiona"),
        "hide": lambda db: facilitation.set_priority_hidden(db, pids["A"], True, "fiona"),
        "edit": lambda db: facilitation.edit_priority(db, pids["A"], "Changed title", "", None, "fiona"),
        "merge": lambda db: facilitation.merge_priorities(db, pids["B"], pids["A"], "fiona"),
        "add for the room": lambda db: facilitation.add_priority_for_room(db, qid, "Late idea", "fiona"),
        "paper ballot": lambda db: facilitation.record_paper_ballot(db, qid, {pids["D"]: 2}, "fiona", sheet=1),
        "question": lambda db: workshops.add_question(db, wid, "Another question?", "fiona"),
        "reword": lambda db: workshops.edit_question_prompt(db, qid, "Reworded?", "fiona"),
        "themes": lambda db: workshops.save_themes(db, wid, [{"name": "Only theme"}], "fiona"),
        "profile": lambda db: workshops.save_profile_questions(db, wid, [{"label": "Age"}], "fiona"),
        "settings": lambda db: workshops.update_workshop(db, wid, "fiona", title="Renamed"),
    }


CHANGES = list(facilitator_changes({"workshop_id": 0, "question_id": 0, "pids": {"A": 0, "B": 0, "D": 0}}))


@pytest.fixture
def staff(db):
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="a long enough password")
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="a long enough password")


@pytest.mark.parametrize("change", CHANGES)
def test_a_finished_workshop_refuses_every_facilitator_change(db, staff, change):
    small = seed_small(db)
    retention.finish_workshop(db, small["workshop_id"], "olga")
    before = snapshot(db, small["workshop_id"])
    with pytest.raises(RuleError, match="^This workshop has ended.$"):
        facilitator_changes(small)[change](db)
    assert snapshot(db, small["workshop_id"]) == before


@pytest.mark.parametrize("change", CHANGES)
def test_the_same_changes_work_while_the_workshop_is_open(db, staff, change):
    small = seed_small(db)
    before = snapshot(db, small["workshop_id"])
    facilitator_changes(small)[change](db)
    assert snapshot(db, small["workshop_id"]) != before


def test_an_anonymised_workshop_can_never_be_reopened_or_changed(db, staff):
    small = seed_small(db)
    wid = small["workshop_id"]
    tally = analysis.tally_question(db, small["question_id"])
    retention.anonymise_workshop(db, wid, "olga", workshops.get_workshop(db, wid)["code"])
    before = snapshot(db, wid)
    for changes in ({"status": "open"}, {"title": "Renamed"}, {"status": "open", "title": "Anonymised workshop"}):
        with pytest.raises(RuleError, match="^This workshop is already anonymised.$"):
            workshops.update_workshop(db, wid, "olga", **changes)
    for change in facilitator_changes(small).values():
        with pytest.raises(RuleError):
            change(db)
    assert snapshot(db, wid) == before
    assert analysis.tally_question(db, small["question_id"]).equals(tally)


def test_only_an_organiser_finishes_or_reopens_a_workshop(db, staff):
    small = seed_small(db)
    wid = small["workshop_id"]
    with pytest.raises(RuleError, match="^Only organisers can finish or reopen a workshop.$"):
        workshops.update_workshop(db, wid, "fiona", status="finished")
    workshops.update_workshop(db, wid, "fiona", title="Renamed", status="open")  # status unchanged: allowed
    workshops.update_workshop(db, wid, "olga", status="finished")
    with pytest.raises(RuleError, match="^Only organisers can finish or reopen a workshop.$"):
        workshops.update_workshop(db, wid, "fiona", status="open")
    with pytest.raises(RuleError, match="^This workshop has ended.$"):
        workshops.update_workshop(db, wid, "olga", status="open", title="Reopened and renamed")
    workshops.update_workshop(db, wid, "olga", status="open")
    assert (workshops.get_workshop(db, wid)["status"], workshops.get_workshop(db, wid)["title"]) == ("open", "Renamed")


def test_a_finished_workshop_can_still_be_copied_as_a_template(db, staff):
    small = seed_small(db)
    retention.finish_workshop(db, small["workshop_id"], "olga")
    copy = workshops.duplicate_workshop(db, small["workshop_id"], "fiona")
    assert workshops.get_workshop(db, copy)["status"] == "open"
