"""The moderate page: hide, edit (original kept), merge (dots moved or returned), add for the room, paper ballots."""

from __future__ import annotations

import pytest

from components import auth, facilitation, participation, storage, workshops
from tests.test_access import standalone_page_link  # noqa: F401  (autouse fixture)
from tests.test_staff_pages import click, last_audit, open_page, shown

EVIL = "**Bold** [click](http://evil.example) <b>x</b> $x$"


@pytest.fixture
def fiona(db):
    """A facilitator."""
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)


def moderate(question_id: int):
    """The moderate page on one question."""
    at = open_page("moderate")
    at.selectbox(key="pick_question_moderate").select(question_id).run()
    return at


def count(db, sql: str, *params) -> int:
    """One number from the database."""
    return storage.fetch_value(db, sql, params)


def test_hide_and_show_again(db, demo, fiona):
    _, questions = demo
    qid = questions[0]["id"]
    target = workshops.list_visible_priorities(db, qid)[1]["id"]
    at = moderate(qid)
    at.selectbox(key=f"moderate_pick_{qid}").select(target).run()
    click(at, f"hide_{target}")
    assert workshops.get_priority(db, target)["state"] == "hidden"
    assert target not in [p["id"] for p in workshops.list_visible_priorities(db, qid)]
    assert last_audit(db, "priority.hide")["actor"] == "fiona"
    at.selectbox(key=f"moderate_pick_{qid}").select(target).run()
    click(at, f"hide_{target}")
    assert workshops.get_priority(db, target)["state"] == "visible"
    assert last_audit(db, "priority.unhide")["details"] == {"priority_id": target}


def test_edit_keeps_the_original_in_the_audit_log(db, demo, fiona):
    workshop, questions = demo
    qid = questions[0]["id"]
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    pid = participation.submit_priority(db, ana, qid, "Trainnig for city staf", "typos")
    at = moderate(qid)
    at.selectbox(key=f"moderate_pick_{qid}").select(pid).run()
    at.text_input(key=f"edit_title_{pid}").input("Training for city staff")
    at.text_area(key=f"edit_details_{pid}").input("fixed")
    click(at, f"FormSubmitter:edit_{pid}-Save changes")
    row = workshops.get_priority(db, pid)
    assert (row["title"], row["details"]) == ("Training for city staff", "fixed")
    audit = last_audit(db, "priority.edit")
    assert audit["actor"] == "fiona"
    assert (audit["details"]["old_title"], audit["details"]["old_details"]) == ("Trainnig for city staf", "typos")


def test_merge_moves_dots_up_to_the_cap_and_returns_the_rest(db, voting, fiona):
    workshop, question, ids = voting
    qid, survivor, duplicate = question["id"], ids[0], ids[1]
    assert question["max_dots_per_item"] == 3
    ana, boris = (participation.join_workshop(db, workshop["code"], n) for n in ("Ana", "Boris"))
    for _ in range(2):
        participation.place_dot(db, ana, survivor)
        participation.place_dot(db, ana, duplicate)
    participation.place_dot(db, boris, duplicate)
    at = moderate(qid)
    at.selectbox(key=f"merge_source_{qid}").select(duplicate)
    at.selectbox(key=f"merge_target_{qid}").select(survivor)
    click(at, f"merge_{qid}")
    # Ana: 2 + 2 -> cap 3, one returns to her budget; Boris: his 1 moves.
    assert f"Merged #{duplicate} into #{survivor}: 2 dots moved, 1 dots returned to participants." in shown(at)
    assert participation.count_dots_on(db, survivor, ana["id"]) == 3
    assert participation.count_dots_on(db, survivor, boris["id"]) == 1
    assert participation.count_dots_used(db, qid, ana["id"]) == 3
    assert count(db, "SELECT count(*) FROM dot WHERE priority_id = ?", duplicate) == 0
    merged = workshops.get_priority(db, duplicate)
    assert (merged["state"], merged["merged_into_id"]) == ("merged", survivor)
    assert last_audit(db, "priority.merge")["details"]["moved"] == 2


def test_merge_into_itself_is_refused_with_a_message(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    at = moderate(qid)
    at.selectbox(key=f"merge_source_{qid}").select(ids[0])
    at.selectbox(key=f"merge_target_{qid}").select(ids[0])
    click(at, f"merge_{qid}")
    assert "A priority cannot be merged into itself." in shown(at)
    assert workshops.get_priority(db, ids[0])["state"] == "visible"


def test_add_for_the_room(db, demo, fiona):
    workshop, questions = demo
    qid = questions[0]["id"]
    theme = workshops.list_themes(db, workshop["id"])[2]
    at = moderate(qid)
    at.text_input(key=f"room_title_{qid}").input("Mentoring between hubs")
    at.selectbox(key=f"room_theme_{qid}").select(theme["id"])
    click(at, f"FormSubmitter:room_{qid}-Add for the room")
    row = storage.fetch_one(db, "SELECT * FROM priority WHERE title = 'Mentoring between hubs'")
    assert (row["participant_id"], row["theme_id"], row["state"]) == (None, theme["id"], "visible")
    assert last_audit(db, "priority.add_for_room")["actor"] == "fiona"


def test_paper_ballot_rows(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    at = moderate(qid)
    at.number_input(key=f"paper_sheet_{qid}").set_value(1)
    at.number_input(key=f"paper_{qid}_{ids[0]}").set_value(3)
    at.number_input(key=f"paper_{qid}_{ids[2]}").set_value(2)
    at.text_input(key=f"paper_label_{qid}").input("Table 4")
    click(at, f"FormSubmitter:paper_{qid}-Record paper ballot")
    assert "Paper ballot recorded: 5 dots." in shown(at)
    paper = storage.fetch_one(db, "SELECT * FROM participant WHERE kind = 'paper'")
    assert paper["display_name"] == "Table 4" and paper["token"] is None
    per_item = dict(db.conn.execute("SELECT priority_id, count(*) FROM dot WHERE participant_id = ? GROUP BY priority_id",
                                    (paper["id"],)).fetchall())
    assert per_item == {ids[0]: 3, ids[2]: 2}
    assert at.number_input(key=f"paper_{qid}_{ids[0]}").value == 0  # the form is ready for the next ballot
    assert at.number_input(key=f"paper_sheet_{qid}").value is None
    assert last_audit(db, "dot.paper_ballot")["actor"] == "fiona"


def test_paper_ballot_over_budget_is_refused(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    at = moderate(qid)
    at.number_input(key=f"paper_sheet_{qid}").set_value(1)
    for pid in ids:
        at.number_input(key=f"paper_{qid}_{pid}").set_value(2)
    click(at, f"FormSubmitter:paper_{qid}-Record paper ballot")
    assert "A ballot can hold at most 5 dots." in shown(at)
    assert count(db, "SELECT count(*) FROM participant WHERE kind = 'paper'") == 0
    assert count(db, "SELECT count(*) FROM dot") == 0


def test_paper_ballot_waits_for_voting(db, demo, fiona):
    _, questions = demo
    at = moderate(questions[0]["id"])
    assert "Paper ballots can be recorded once voting has opened." in shown(at)


def test_participant_text_is_never_markdown(db, voting, fiona):
    workshop, question, _ = voting
    qid = question["id"]
    pid = facilitation.add_priority_for_room(db, qid, EVIL, "fiona")
    at = moderate(qid)
    at.selectbox(key=f"moderate_pick_{qid}").select(pid).run()
    raw_markdown = [m.value for m in at.markdown if "evil.example" in m.value and "\\[" not in m.value]
    assert raw_markdown == []
    assert EVIL in [t.value for t in at.text]
    labels = [n.label for n in at.number_input if "evil" in n.label]
    assert labels and all("\\*\\*Bold\\*\\*" in label for label in labels)
    options = [str(o) for s in at.selectbox for o in s.options]
    assert not any("evil" in o for o in options)
