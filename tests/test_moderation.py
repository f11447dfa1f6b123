"""The moderate page: cards to hide, edit (original kept) and merge (confirmed, undoable), suggestions, paper ballots."""

from __future__ import annotations

import pytest

from components import auth, facilitation, participation, storage, workshops
from components.rules import RuleError
from tests.test_access import standalone_page_link  # noqa: F401  (autouse fixture)
from tests.test_staff_pages import click, last_audit, open_page, shown

EVIL = "**Bold** [click](http://evil.example) <b>x</b> $x$"


@pytest.fixture
def fiona(db):
    """A facilitator."""
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)


def moderate(question_id: int, tab: str | None = None):
    """The moderate page on one question (and one of its tabs)."""
    at = open_page("moderate")
    at.selectbox(key="pick_question_moderate").select(question_id).run()
    if tab:
        at.session_state["moderate_section"] = tab
        at.run()
    return at


def count(db, sql: str, *params) -> int:
    """One number from the database."""
    return storage.fetch_value(db, sql, params)


def test_hide_and_show_again(db, demo, fiona):
    _, questions = demo
    qid = questions[0]["id"]
    target = workshops.list_visible_priorities(db, qid)[1]["id"]
    at = moderate(qid)
    click(at, f"hide_{target}")
    assert workshops.get_priority(db, target)["state"] == "hidden"
    assert target not in [p["id"] for p in workshops.list_visible_priorities(db, qid)]
    assert last_audit(db, "priority.hide")["actor"] == "fiona"
    click(at, f"hide_{target}")
    assert workshops.get_priority(db, target)["state"] == "visible"
    assert last_audit(db, "priority.unhide")["details"] == {"priority_id": target}


def test_the_filter_shows_hidden_cards_or_one_theme(db, demo, fiona):
    workshop, questions = demo
    qid = questions[0]["id"]
    items = workshops.list_visible_priorities(db, qid)
    facilitation.set_priority_hidden(db, items[0]["id"], True, "fiona")
    theme = workshops.list_themes(db, workshop["id"])[0]
    facilitation.edit_priority(db, items[1]["id"], items[1]["title"], "", theme["id"], "fiona")
    at = moderate(qid)
    assert {items[0]["title"], items[1]["title"], items[2]["title"]} <= {t.value for t in at.text}
    at.selectbox(key=f"moderate_filter_{qid}").select("hidden").run()
    assert [b.key for b in at.button if b.key.startswith("hide_")] == [f"hide_{items[0]['id']}"]
    at.selectbox(key=f"moderate_filter_{qid}").select(theme["id"]).run()
    in_theme = [f"hide_{p['id']}" for p in facilitation.list_priorities_for_moderation(db, qid)
                if p["theme_id"] == theme["id"]]
    assert f"hide_{items[1]['id']}" in in_theme and len(in_theme) < len(items)
    assert [b.key for b in at.button if b.key.startswith("hide_")] == in_theme


def test_edit_keeps_the_original_in_the_audit_log(db, demo, fiona):
    workshop, questions = demo
    qid = questions[0]["id"]
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    pid = participation.submit_priority(db, ana, qid, "Trainnig for city staf", "typos")
    at = moderate(qid)
    at.toggle(key=f"edit_open_{pid}").set_value(True).run()
    at.text_input(key=f"edit_title_{pid}").input("Training for city staff")
    at.text_area(key=f"edit_details_{pid}").input("fixed")
    click(at, f"FormSubmitter:edit_{pid}-Save changes")
    row = workshops.get_priority(db, pid)
    assert (row["title"], row["details"]) == ("Training for city staff", "fixed")
    audit = last_audit(db, "priority.edit")
    assert audit["actor"] == "fiona"
    assert (audit["details"]["old_title"], audit["details"]["old_details"]) == ("Trainnig for city staf", "typos")


def dots_table(db) -> list[tuple]:
    """Every dot row."""
    return db.conn.execute("SELECT * FROM dot ORDER BY id").fetchall()


def test_merge_says_what_it_will_do_before_it_does_it(db, voting, fiona):
    workshop, question, ids = voting
    qid, survivor, duplicate = question["id"], ids[0], ids[1]
    assert question["max_dots_per_item"] == 3
    ana, boris = (participation.join_workshop(db, workshop["code"], n) for n in ("Ana", "Boris"))
    for _ in range(2):
        participation.place_dot(db, ana, survivor)
        participation.place_dot(db, ana, duplicate)
    participation.place_dot(db, boris, duplicate)
    before = dots_table(db)
    at = moderate(qid)
    at.selectbox(key=f"merge_target_{duplicate}").select(survivor)
    click(at, f"merge_into_{duplicate}")
    # Ana: 2 + 2 -> cap 3, one returns to her budget; Boris: his 1 moves.
    assert f"Merge #{duplicate} into #{survivor}?" in shown(at)
    assert "2 dots move, 1 dots go back to participants, 2 voters affected." in shown(at)
    assert dots_table(db) == before and workshops.get_priority(db, duplicate)["state"] == "visible"
    click(at, f"merge_confirm_{qid}")
    assert f"Merged #{duplicate} into #{survivor}: 2 dots moved, 1 dots returned to participants." in shown(at)
    assert participation.count_dots_on(db, survivor, ana["id"]) == 3
    assert participation.count_dots_on(db, survivor, boris["id"]) == 1
    assert participation.count_dots_used(db, qid, ana["id"]) == 3
    assert count(db, "SELECT count(*) FROM dot WHERE priority_id = ?", duplicate) == 0
    merged = workshops.get_priority(db, duplicate)
    assert (merged["state"], merged["merged_into_id"]) == ("merged", survivor)
    assert last_audit(db, "priority.merge")["details"]["moved"] == 2
    assert f"#{duplicate} merged into #{survivor}" in shown(at)
    click(at, f"undo_merge_{facilitation.list_merges(db, qid)[0]['id']}")
    assert f"Merge of #{duplicate} into #{survivor} undone." in shown(at)
    assert dots_table(db) == before and workshops.get_priority(db, duplicate)["state"] == "visible"


def test_cancel_leaves_everything_as_it_was(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    at = moderate(qid)
    at.selectbox(key=f"merge_target_{ids[1]}").select(ids[0])
    click(at, f"merge_into_{ids[1]}")
    click(at, f"merge_cancel_{qid}")
    assert f"Merge #{ids[1]} into #{ids[0]}?" not in shown(at)
    assert workshops.get_priority(db, ids[1])["state"] == "visible"
    assert count(db, "SELECT count(*) FROM merge_record") == 0


def test_a_merge_that_became_impossible_is_refused_at_confirmation(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    at = moderate(qid)
    at.selectbox(key=f"merge_target_{ids[1]}").select(ids[0])
    click(at, f"merge_into_{ids[1]}")
    facilitation.merge_priorities(db, ids[0], ids[2], "other")  # another facilitator merged the survivor away
    at.run()
    assert "One of these priorities has already been merged." in shown(at)
    assert workshops.get_priority(db, ids[1])["state"] == "visible"


def test_a_suggested_duplicate_is_merged_or_dismissed_in_one_click(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    first = facilitation.add_priority_for_room(db, qid, "Více peněz na cyklostezky", "fiona")
    second = facilitation.add_priority_for_room(db, qid, "Vice penez na cyklostezky!", "fiona")
    third = facilitation.add_priority_for_room(db, qid, "Vice penez na cyklostezky!!", "fiona")
    at = moderate(qid)
    assert "Possible duplicates" in [h.value for h in at.subheader]
    click(at, f"dup_dismiss_pair_{second}_{third}")
    assert storage.fetch_all(db, "SELECT first_id, second_id FROM duplicate_dismissal") == [
        {"first_id": second, "second_id": third}]
    assert f"dup_accept_pair_{second}_{third}" not in [b.key for b in at.button]
    click(at, f"dup_accept_pair_{first}_{second}")
    assert f"Merge #{second} into #{first}?" in shown(at)  # no dots on either: the older one survives
    assert workshops.get_priority(db, second)["state"] == "visible"
    click(at, f"merge_confirm_{qid}")
    assert workshops.get_priority(db, second)["merged_into_id"] == first


def test_add_for_the_room(db, demo, fiona):
    workshop, questions = demo
    qid = questions[0]["id"]
    theme = workshops.list_themes(db, workshop["id"])[2]
    at = moderate(qid, "Add for the room")
    at.text_input(key=f"room_title_{qid}").input("Mentoring between hubs")
    at.selectbox(key=f"room_theme_{qid}").select(theme["id"])
    click(at, f"FormSubmitter:room_{qid}-Add for the room")
    row = storage.fetch_one(db, "SELECT * FROM priority WHERE title = 'Mentoring between hubs'")
    assert (row["participant_id"], row["theme_id"], row["state"]) == (None, theme["id"], "visible")
    assert last_audit(db, "priority.add_for_room")["actor"] == "fiona"


def test_paper_ballot_rows(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    at = moderate(qid, "Paper ballot")
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
    at = moderate(qid, "Paper ballot")
    at.number_input(key=f"paper_sheet_{qid}").set_value(1)
    for pid in ids:
        at.number_input(key=f"paper_{qid}_{pid}").set_value(2)
    click(at, f"FormSubmitter:paper_{qid}-Record paper ballot")
    assert "A ballot can hold at most 5 dots." in shown(at)
    assert count(db, "SELECT count(*) FROM participant WHERE kind = 'paper'") == 0
    assert count(db, "SELECT count(*) FROM dot") == 0


@pytest.mark.parametrize("forged", [
    lambda ids: {ids[0]: 3, ids[1]: 3, ids[2]: -2},   # total 4 within the budget, 6 dots placed
    lambda ids: {ids[0]: 2**70},
    lambda ids: {2**70: 1},
    lambda ids: {ids[0]: 4},                          # over the cap of 3
])
def test_a_forged_paper_allocation_is_refused_whole(db, voting, forged):
    _, question, ids = voting
    with pytest.raises(RuleError):
        facilitation.record_paper_ballot(db, question["id"], forged(ids), "fiona", sheet=1)
    assert count(db, "SELECT count(*) FROM participant WHERE kind = 'paper'") == 0
    assert count(db, "SELECT count(*) FROM dot") == 0


def test_paper_ballot_waits_for_voting(db, demo, fiona):
    _, questions = demo
    at = moderate(questions[0]["id"], "Paper ballot")
    assert "Paper ballots can be recorded once voting has opened." in shown(at)


def test_participant_text_is_never_markdown(db, voting, fiona):
    workshop, question, _ = voting
    qid = question["id"]
    pid = facilitation.add_priority_for_room(db, qid, EVIL, "fiona")
    at = moderate(qid)
    raw_markdown = [m.value for m in at.markdown if "evil.example" in m.value and "\\[" not in m.value]
    assert raw_markdown == []
    assert EVIL in [t.value for t in at.text]
    cards = at
    at = moderate(qid, "Paper ballot")
    labels = [n.label for n in at.number_input if "evil" in n.label]
    assert labels and all("\\*\\*Bold\\*\\*" in label for label in labels)
    options = [str(o) for page in (cards, at) for s in page.selectbox for o in s.options]
    assert not any("evil" in o for o in options)


def test_new_since_i_last_looked(db, demo, fiona):
    _, questions = demo
    qid = questions[0]["id"]
    at = moderate(qid)
    items = facilitation.list_priorities_for_moderation(db, qid)
    at.selectbox(key=f"moderate_filter_{qid}").select("new").run()
    # Nothing was marked as seen yet: every card is new.
    assert [b.key for b in at.button if b.key.startswith("hide_")] == [f"hide_{p['id']}" for p in items]
    assert at.selectbox(key=f"moderate_filter_{qid}").format_func("new") == f"New since I last looked ({len(items)})"
    click(at, f"moderate_mark_seen_{qid}")
    assert [b.key for b in at.button if b.key.startswith("hide_")] == []
    assert "Nothing new since you last looked." in shown(at)
    assert at.button(key=f"moderate_mark_seen_{qid}").disabled
    fresh = facilitation.add_priority_for_room(db, qid, "Arrived after I looked", "test")
    at.run()
    assert [b.key for b in at.button if b.key.startswith("hide_")] == [f"hide_{fresh}"]
    assert at.selectbox(key=f"moderate_filter_{qid}").format_func("new") == "New since I last looked (1)"


def test_cards_say_no_theme_survey_origin_and_the_keys(db, demo, fiona):
    from components import survey_import
    _, questions = demo
    qid = questions[1]["id"]  # the draft question: no priorities yet
    [survey_id] = survey_import.import_survey(db, qid, [survey_import.SurveyRow(2, "From the member survey", "", "")],
                                              "fiona")["ids"]
    room_id = facilitation.add_priority_for_room(db, qid, "Typed in the room", "fiona")
    at = moderate(qid)
    captions = [c.value for c in at.caption]
    assert f"#{survey_id} · visible · 0 dots · No theme · from the survey" in captions
    assert f"#{room_id} · visible · 0 dots · No theme" in captions
    assert "Keys: j / k next / previous card · h hide or show · e edit · m merge into" in captions
    assert "None" not in shown(at)


def test_the_tab_stays_put_after_an_action(db, demo, fiona):
    _, questions = demo
    qid = questions[0]["id"]
    at = moderate(qid, "Add for the room")
    at.text_input(key=f"room_title_{qid}").input("Stays in this tab")
    click(at, f"FormSubmitter:room_{qid}-Add for the room")
    assert "Priority added for the room." in shown(at)
    assert at.session_state["moderate_section"] == "Add for the room"
    assert at.text_input(key=f"room_title_{qid}")  # the form is still on screen
