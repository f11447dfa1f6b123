"""Run, set-up and projector pages through AppTest: every control changes the database as it says."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import auth, facilitation, links, participation, results, retention, storage, workshops
from components.rules import RuleError
from components.ui.projector import load_snapshot
from tests.test_access import standalone_page_link  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_snapshot():
    """Each test starts without another test's cached projector snapshot."""
    load_snapshot.clear()


@pytest.fixture
def staff(db):
    """A facilitator (fiona) and an organiser (olga)."""
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)


def open_page(name: str, username: str = "fiona", **query) -> AppTest:
    """Run a staff page logged in."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=20)
    for key, value in query.items():
        at.query_params[key] = value
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    """Click a button by key and check nothing crashed."""
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    """All readable text on the page."""
    kinds = ("markdown", "text", "caption", "info", "error", "success", "warning", "code", "title")
    # Markdown is escaped on screen; compare what a reader sees.
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)).replace("\\", "")


def last_audit(db, action: str) -> dict:
    """The newest audit row of an action, details decoded."""
    row = storage.fetch_one(db, "SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1", (action,))
    assert row is not None, f"no audit row {action}"
    row["details"] = json.loads(row["details"])
    return row


# ---------------------------------------------------------------- run

def test_run_page_shows_join_code_link_and_qr(db, demo, staff):
    workshop, _ = demo
    at = open_page("facilitate")
    assert workshop["code"] in shown(at)
    assert f"/?code={workshop['code']}" in [c.value for c in at.code][0]
    assert len(at.get("image")) == 1


def test_phase_buttons_move_the_question(db, demo, staff):
    _, questions = demo
    qid = questions[0]["id"]
    at = click(open_page("facilitate"), f"phase_{qid}_voting")
    assert workshops.get_question(db, qid)["phase"] == "voting"
    assert "Phase changed to Voting." in shown(at)
    audit = last_audit(db, "question.phase")
    assert (audit["actor"], audit["details"]["old"], audit["details"]["new"]) == ("fiona", "collecting", "voting")
    assert audit["at"]
    click(at, f"phase_{qid}_closed")
    assert workshops.get_question(db, qid)["phase"] == "closed"


def test_moving_back_needs_the_confirmation(db, voting, staff):
    _, question, _ = voting
    qid = question["id"]
    at = open_page("facilitate")
    assert at.button(key=f"phase_{qid}_collecting").disabled
    at.checkbox(key=f"confirm_back_{qid}").check().run()
    click(at, f"phase_{qid}_collecting")
    assert workshops.get_question(db, qid)["phase"] == "collecting"
    assert last_audit(db, "question.phase")["details"]["new"] == "collecting"


def test_visibility_buttons(db, voting, staff):
    _, question, _ = voting
    qid = question["id"]
    at = click(open_page("facilitate"), f"visibility_{qid}_live")
    assert workshops.get_question(db, qid)["results_visibility"] == "live"
    assert at.button(key=f"visibility_{qid}_live").disabled
    click(at, f"visibility_{qid}_revealed")
    assert workshops.get_question(db, qid)["results_visibility"] == "revealed"
    assert last_audit(db, "question.visibility")["details"] == {"new": "revealed", "old": "live", "question_id": qid}


def test_countdown_start_and_clear(db, voting, staff):
    _, question, _ = voting
    qid = question["id"]
    at = open_page("facilitate")
    at.number_input(key=f"deadline_minutes_{qid}").set_value(10).run()
    click(at, f"deadline_start_{qid}")
    deadline = datetime.fromisoformat(workshops.get_question(db, qid)["phase_deadline"])
    left = (deadline - datetime.now(timezone.utc)).total_seconds()
    assert 590 <= left <= 601
    assert "Time left: 9:5" in shown(at) or "Time left: 10:00" in shown(at)
    click(at, f"deadline_clear_{qid}")
    assert workshops.get_question(db, qid)["phase_deadline"] is None
    assert last_audit(db, "question.deadline")["actor"] == "fiona"


def test_live_counters(db, voting, staff):
    workshop, question, ids = voting
    people = [participation.join_workshop(db, workshop["code"], name) for name in ("Ana", "Boris", "Cvetka")]
    for _ in range(5):
        participation.place_dot(db, people[0], ids[_ % 2])
    participation.place_dot(db, people[1], ids[2])
    at = open_page("facilitate")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Participants joined"] == "3"
    assert metrics["Priorities"] == "3"
    assert metrics["Dots placed"] == "6"
    assert metrics["Used all their dots"] == "33%"


def test_stale_click_changes_nothing(db, voting, staff):
    _, question, _ = voting
    qid = question["id"]
    at = open_page("facilitate")
    facilitation.set_phase(db, qid, "closed", "someone-else")  # another facilitator was faster
    click(at, f"phase_{qid}_closed")
    assert workshops.get_question(db, qid)["phase"] == "closed"
    assert "Phase: Closed" in shown(at)
    assert [r[0] for r in db.conn.execute("SELECT actor FROM audit_log WHERE action = 'question.phase'")][-1] == \
        "someone-else"


# ---------------------------------------------------------------- set up

def open_section(at: AppTest, label: str) -> AppTest:
    """Switch the set-up page's section bar, as a click on its tab does."""
    at.session_state["setup_section"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def fill_create_form(at: AppTest, title: str, prompt: str = "What should the network do first?") -> None:
    """Type the two things the create form needs; everything else keeps its default."""
    at.text_input(key="create_title").input(title)
    at.text_area(key="create_prompt").input(prompt)


def test_create_workshop(db, staff):
    at = open_page("setup")
    fill_create_form(at, "Skopje spring school")
    click(at, "create_submit")
    [workshop] = workshops.list_workshops(db)
    assert workshop["title"] == "Skopje spring school" and len(workshop["code"]) == 6
    assert len(workshops.list_themes(db, workshop["id"])) > 3
    assert [pq["key"] for pq in workshops.list_profile_questions(db, workshop["id"])] == ["country", "org_type"]
    assert [(q["prompt"], q["phase"], q["dots_per_participant"], q["max_dots_per_item"])
            for q in workshops.list_questions(db, workshop["id"])] == [("What should the network do first?", "draft", 5, 3)]
    assert f"Workshop created with join code {workshop['code']}." in shown(at)
    assert last_audit(db, "workshop.create")["actor"] == "fiona"
    assert last_audit(db, "question.create")["details"]["prompt"] == "What should the network do first?"


def test_create_form_sets_everything_on_one_screen(db, staff):
    at = open_page("setup")
    fill_create_form(at, "Sarajevo assembly", "Which reform first?")
    at.selectbox(key="create_language").select("bs")
    at.number_input(key="create_dots").set_value(8)
    at.number_input(key="create_cap").set_value(4)
    at.multiselect(key="create_themes").set_value(["Participatory budgeting", "Capacity building"])
    at.text_area(key="create_extra_themes").input("Housing\n\nTransport\n")
    at.run()
    # Profile questions are rows with a visible Required toggle: tick one, remove one, add one.
    at.toggle(key="create_profile_required_0").set_value(True).run()
    click(at, "create_profile_remove_1")
    click(at, "create_profile_add")
    at.text_input(key="create_profile_label_2").input("Sector")
    at.text_input(key="create_profile_options_2").input("NGO, City, Region")
    at.toggle(key="create_profile_required_2").set_value(True).run()
    assert [t.label for t in at.toggle if t.key.startswith("create_profile_required")] == ["Required", "Required"]
    click(at, "create_submit")
    [workshop] = workshops.list_workshops(db)
    wid = workshop["id"]
    assert (workshop["title"], workshop["language"]) == ("Sarajevo assembly", "bs")
    assert [(q["prompt"], q["dots_per_participant"], q["max_dots_per_item"]) for q in workshops.list_questions(db, wid)] \
        == [("Which reform first?", 8, 4)]
    assert [t["name"] for t in workshops.list_themes(db, wid)] == ["Participatory budgeting", "Capacity building",
                                                                   "Housing", "Transport"]
    assert [(pq["key"], pq["label"], pq["required"], len(pq["options"])) for pq in workshops.list_profile_questions(db, wid)] \
        == [("country", "Country", 1, 23), ("sector", "Sector", 1, 3)]
    # The form is empty again for the next workshop.
    assert at.text_input(key="create_title").value == ""


def test_create_form_refuses_a_missing_question_and_keeps_what_was_typed(db, staff):
    at = open_page("setup")
    at.text_input(key="create_title").input("No question yet")
    click(at, "create_submit")
    assert "Please write the question." in shown(at)
    assert workshops.list_workshops(db) == []
    assert at.text_input(key="create_title").value == "No question yet"


def test_create_workshop_selects_it_on_every_page(db, demo, staff):
    demo_workshop, _ = demo
    at = open_page("setup")
    assert at.selectbox(key="pick_workshop_setup").value == demo_workshop["id"]
    fill_create_form(at, "Tirana youth budget")
    click(at, "create_submit")
    [new_id] = [w["id"] for w in workshops.list_workshops(db) if w["title"] == "Tirana youth budget"]
    # The picker of the page that created it and the settings below it show the new workshop.
    assert at.selectbox(key="pick_workshop_setup").value == new_id
    assert at.text_input(key=f"set_title_{new_id}").value == "Tirana youth budget"
    for page in ("facilitate", "moderate"):
        other = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=20)
        other.session_state["authentication_status"] = True
        other.session_state["username"] = "fiona"
        other.session_state["staff_workshop_id"] = at.session_state["staff_workshop_id"]
        other.session_state[f"pick_workshop_{page}"] = demo_workshop["id"]  # the page's own old pick
        other.run()
        assert other.selectbox(key=f"pick_workshop_{page}").value == new_id


def test_edit_settings(db, demo, staff):
    workshop, _ = demo
    wid = workshop["id"]
    at = open_page("setup")
    at.text_input(key=f"set_title_{wid}").input("Renamed workshop")
    at.checkbox(key=f"set_anonymous_{wid}").uncheck()
    at.number_input(key=f"set_limit_{wid}").set_value(7)
    click(at, f"FormSubmitter:settings_{wid}-Save settings")
    row = workshops.get_workshop(db, wid)
    assert (row["title"], row["allow_anonymous"], row["max_priorities_per_participant"]) == ("Renamed workshop", 0, 7)
    assert last_audit(db, "workshop.update")["details"]["title"] == "Renamed workshop"


def test_status_is_the_organisers_and_an_anonymised_workshop_has_no_settings_form(db, demo, staff):
    workshop, _ = demo
    wid = workshop["id"]
    assert [box.key for box in open_page("setup").selectbox if box.key == f"set_status_{wid}"] == []
    at = open_page("setup", username="olga")
    at.selectbox(key=f"set_status_{wid}").select("finished")
    click(at, f"FormSubmitter:settings_{wid}-Save settings")
    assert workshops.get_workshop(db, wid)["status"] == "finished"
    retention.anonymise_workshop(db, wid, "olga", workshop["code"])
    at = open_page("setup", username="olga")
    assert "This workshop is already anonymised." in shown(at)
    assert [box.key for box in at.selectbox if box.key == f"set_status_{wid}"] == []
    assert workshops.get_workshop(db, wid)["status"] == "anonymised"


def test_edit_question_prompt_keeps_old_wording(db, demo, staff):
    _, questions = demo
    qid = questions[1]["id"]
    at = open_section(open_page("setup"), "Questions")
    at.text_area(key=f"prompt_{qid}").input("What support helps most?")
    click(at, f"save_prompt_{qid}")
    assert workshops.get_question(db, qid)["prompt"] == "What support helps most?"
    assert last_audit(db, "question.edit")["details"]["old_prompt"] == questions[1]["prompt"]


def test_dot_rules_editable_until_voting(db, demo, staff):
    _, questions = demo
    draft, collecting = questions[1]["id"], questions[0]["id"]
    at = open_section(open_page("setup"), "Questions")
    at.number_input(key=f"budget_{draft}").set_value(8)
    at.number_input(key=f"cap_{draft}").set_value(4)
    click(at, f"save_rules_{draft}")
    row = workshops.get_question(db, draft)
    assert (row["dots_per_participant"], row["max_dots_per_item"]) == (8, 4)
    at.number_input(key=f"cap_{draft}").set_value(9)
    click(at, f"save_rules_{draft}")
    assert "Dots per priority must be between 1 and the dots per participant." in shown(at)
    assert workshops.get_question(db, draft)["max_dots_per_item"] == 4

    facilitation.set_phase(db, collecting, "voting", "test")
    at = open_section(open_page("setup"), "Questions")
    assert at.button(key=f"save_rules_{collecting}").disabled
    assert at.number_input(key=f"budget_{collecting}").disabled
    assert "Dot rules are frozen once voting has started." in shown(at)


def test_add_question(db, demo, staff):
    workshop, questions = demo
    at = open_section(open_page("setup"), "Questions")
    at.text_area(key=f"new_prompt_{workshop['id']}").input("A third question?")
    click(at, f"FormSubmitter:add_question_{workshop['id']}-Add question")
    assert [q["prompt"] for q in workshops.list_questions(db, workshop["id"])][-1] == "A third question?"
    # The page stays in the Questions section, with the new question's editor there.
    assert at.session_state["setup_section"] == "Questions"
    assert "Question added." in shown(at)
    assert [e.label for e in at.expander][-1] == "Question 3: Draft"


def test_duplicate_copies_the_template_only(db, voting, staff):
    workshop, question, ids = voting
    participant = participation.join_workshop(db, workshop["code"], "Ana")
    participation.place_dot(db, participant, ids[0])
    at = open_section(open_page("setup"), "Duplicate")
    at.text_input(key=f"copy_title_{workshop['id']}").input("Next year")
    click(at, f"duplicate_{workshop['id']}")
    copy = next(w for w in workshops.list_workshops(db) if w["title"] == "Next year")
    assert copy["code"] != workshop["code"]
    old_q, new_q = workshops.list_questions(db, workshop["id"]), workshops.list_questions(db, copy["id"])
    assert [(q["prompt"], q["dots_per_participant"], q["max_dots_per_item"]) for q in new_q] == \
        [(q["prompt"], q["dots_per_participant"], q["max_dots_per_item"]) for q in old_q]
    assert {q["phase"] for q in new_q} == {"draft"}
    assert [t["name"] for t in workshops.list_themes(db, copy["id"])] == \
        [t["name"] for t in workshops.list_themes(db, workshop["id"])]
    assert workshops.list_profile_questions(db, copy["id"])[0]["options"] == \
        workshops.list_profile_questions(db, workshop["id"])[0]["options"]
    assert copy["max_priorities_per_participant"] == workshop["max_priorities_per_participant"]
    assert workshops.count_participants(db, copy["id"]) == 0
    assert all(not facilitation.list_priorities_for_moderation(db, q["id"]) for q in new_q)
    assert last_audit(db, "workshop.duplicate")["details"] == {"source_id": workshop["id"]}


def test_save_themes_renames_adds_and_removes(db, demo):
    workshop, questions = demo
    wid = workshop["id"]
    themes = workshops.list_themes(db, wid)
    used = workshops.list_visible_priorities(db, questions[0]["id"])[0]
    rows = [{"id": themes[1]["id"], "name": themes[0]["name"]}, {"id": themes[0]["id"], "name": "Renamed"},
            {"id": None, "name": "Brand new"}]
    workshops.save_themes(db, wid, rows, "fiona")
    assert [t["name"] for t in workshops.list_themes(db, wid)] == [themes[0]["name"], "Renamed", "Brand new"]
    assert workshops.get_priority(db, used["id"])["theme_id"] in {themes[0]["id"], themes[1]["id"], None}
    with pytest.raises(RuleError):
        workshops.save_themes(db, wid, [{"id": None, "name": "A"}, {"id": None, "name": "A"}], "fiona")
    assert last_audit(db, "workshop.themes")["details"]["themes"] == [themes[0]["name"], "Renamed", "Brand new"]


def test_save_profile_questions(db, demo):
    workshop, _ = demo
    workshops.save_profile_questions(db, workshop["id"], [
        {"key": "country", "label": "Country", "options": "Serbia, Croatia", "required": True},
        {"key": "", "label": "Sector / field", "options": "NGO;City;", "required": False}], "fiona")
    saved = workshops.list_profile_questions(db, workshop["id"])
    assert [(q["key"], q["options"], q["required"]) for q in saved] == \
        [("country", ["Serbia", "Croatia"], 1), ("sector_field", ["NGO", "City"], 0)]
    with pytest.raises(RuleError):
        participation.join_workshop(db, workshop["code"], "Ana", {})


def test_profile_table_blank_cells_are_not_required(db, demo):
    workshop, _ = demo
    workshops.save_profile_questions(db, workshop["id"], [
        {"key": float("nan"), "label": "Age group", "options": None, "required": float("nan")}], "fiona")
    [saved] = workshops.list_profile_questions(db, workshop["id"])
    assert (saved["key"], saved["options"], saved["required"]) == ("age_group", [], 0)


def test_workshop_choice_is_shared_between_pages(db, demo, staff):
    workshop, _ = demo
    other = workshops.duplicate_workshop(db, workshop["id"], "fiona", "Second workshop")
    at = open_page("facilitate")
    at.selectbox(key="pick_workshop_facilitate").select(other).run()
    assert at.session_state["staff_workshop_id"] == other
    moderate = AppTest.from_file(str(ROOT / "pages" / "moderate.py"), default_timeout=20)
    moderate.session_state["authentication_status"] = True
    moderate.session_state["username"] = "fiona"
    moderate.session_state["staff_workshop_id"] = other
    moderate.run()
    assert moderate.selectbox(key="pick_workshop_moderate").value == other


def test_join_url_and_qr():
    url = links.join_url("http://10.0.0.5:8501/facilitate?x=1", "abc-234")
    assert url == "http://10.0.0.5:8501/?code=ABC234"
    assert links.short_url(url) == "10.0.0.5:8501/?code=ABC234"
    assert links.qr_png(url).startswith(b"\x89PNG")
    assert links.qr_png(url, dark=True).startswith(b"\x89PNG") and links.qr_png(url, dark=True) != links.qr_png(url)


# ---------------------------------------------------------------- projector

def projector_bars(at: AppTest) -> list[dict]:
    """The data of the projector's bars element(s), as the browser receives it."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if "hub_projector_bars" in e.proto.component_name]


def projector_text(at: AppTest) -> str:
    """Everything on the projector, including chart data."""
    return shown(at) + "\n".join(json.dumps(bars) for bars in projector_bars(at))


def test_projector_collecting_shows_the_wall_and_code(db, demo, staff):
    workshop, questions = demo
    participant = participation.join_workshop(db, workshop["code"], "Ana")
    participation.submit_priority(db, participant, questions[0]["id"], "Youth councils in every town")
    at = open_page("projector", w=str(workshop["id"]))
    text = projector_text(at)
    assert workshop["code"] in text and "Youth councils in every town" in [t.value for t in at.text]
    assert f"/?code={workshop['code']}" in text
    assert participant["token"] not in text
    assert not projector_bars(at)


def test_projector_hides_ranking_until_results_are_shown(db, voting, staff):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    participation.join_workshop(db, workshop["code"], "Boris")
    participation.place_dot(db, ana, ids[2])
    at = open_page("projector", w=str(workshop["id"]))
    # Results hidden: participation only, in large type; no dot count, no ranking, no titles.
    assert not projector_bars(at)
    assert "Results are hidden until the facilitator reveals them." in shown(at)
    assert "1 of 2 has voted" in shown(at) and not at.metric
    titles = [p["title"] for p in workshops.list_visible_priorities(db, question["id"])]
    assert not any(title in projector_text(at) for title in titles)
    assert at.get("progress")[0].proto.value == 50

    facilitation.set_results_visibility(db, question["id"], "live", "fiona")
    load_snapshot.clear()  # the shared snapshot lives one second; do not wait for it
    at = open_page("projector", w=str(workshop["id"]))
    [bars] = projector_bars(at)
    assert [(row["id"], row["rank"], row["dots"], row["value_label"]) for row in bars["rows"]] == \
        [(ids[2], 1, 1, "1 dot"), (ids[0], 2, 0, "0 dots"), (ids[1], 2, 0, "0 dots")]
    assert [row["title"] for row in bars["rows"]] == [titles[2], titles[0], titles[1]]
    assert bars["total"] == 3 and bars["labels"]["top"] == "Top {n} of {total} priorities."
    assert "Voting is open: place your dots!  ·  1 of 2 has voted" in shown(at)
    assert ana["token"] not in projector_text(at)


def test_projector_bars_show_the_top_ten_with_theme_colours(db, voting, staff):
    workshop, question, ids = voting
    themes = workshops.list_themes(db, workshop["id"])
    extra = [facilitation.add_priority_for_room(db, question["id"], f"Extra priority {n}", "fiona",
                                                theme_id=themes[n % 2]["id"]) for n in range(9)]
    facilitation.set_results_visibility(db, question["id"], "revealed", "fiona")
    [bars] = projector_bars(open_page("projector", w=str(workshop["id"])))
    assert len(bars["rows"]) == 10 and bars["total"] == 12
    colours = {row["id"]: row["colour"] for row in bars["rows"]}
    assert colours[extra[0]] != colours[extra[1]] and all(c.startswith("#") for c in colours.values())
    assert {item["name"] for item in bars["legend"]} >= {themes[0]["name"], themes[1]["name"]}


def test_projector_themes(db, demo, staff):
    workshop, _ = demo
    dark = open_page("projector", w=str(workshop["id"]))
    assert dark.toggle(key="projector_dark").value is True
    light = open_page("projector", w=str(workshop["id"]), theme="light")
    assert light.toggle(key="projector_dark").value is False
    css = [h.proto.body for h in light.get("html")]
    assert any("background: #FFFFFF" in c for c in css) and not any("background: #000000" in c for c in css)
    light.toggle(key="projector_dark").set_value(True).run()
    assert light.query_params["theme"] == ["dark"] or light.query_params["theme"] == "dark"


def test_projector_snapshot_is_one_shared_query(db, voting, monkeypatch):
    workshop, question, _ = voting
    calls = []
    real = results.count_live
    monkeypatch.setattr(results, "count_live", lambda *a: calls.append(a) or real(*a))
    load_snapshot.clear()
    first = load_snapshot(workshop["id"])
    second = load_snapshot(workshop["id"])
    assert first == second and len(calls) == 1
    assert first["question"]["id"] == question["id"] and first["tally"] == []
    assert "token" not in json.dumps(first)


def test_skipping_collection_needs_the_confirmation_and_the_picker_follows(db, demo, staff):
    _, questions = demo
    draft = next(q for q in questions if q["phase"] == "draft")
    at = open_page("facilitate")
    at.selectbox(key="pick_question_facilitate").select(draft["id"]).run()
    assert at.button(key=f"phase_{draft['id']}_collecting").proto.type == "primary"
    assert at.button(key=f"phase_{draft['id']}_voting").disabled
    assert "I want to skip Collecting priorities" in [c.label for c in at.checkbox]
    at.checkbox(key=f"confirm_skip_{draft['id']}").check().run()
    click(at, f"phase_{draft['id']}_voting")
    assert workshops.get_question(db, draft["id"])["phase"] == "voting"
    picker = at.selectbox(key="pick_question_facilitate")
    assert picker.value == draft["id"]
    assert picker.format_func(picker.value).endswith(": Voting")


def test_projector_link_opens_a_new_tab(db, demo, staff):
    workshop, _ = demo
    at = open_page("facilitate")
    (button,) = at.get("link_button")
    assert button.proto.url == f"projector?w={workshop['id']}&theme=dark"
    assert button.proto.label == "Open the projector screen"


def test_room_panel_metrics(db, voting, staff):
    workshop, question, ids = voting
    people = [participation.join_workshop(db, workshop["code"], name) for name in ("Ana", "Boris")]
    participation.place_dot(db, people[0], ids[0])
    metrics = {m.label: m.value for m in open_page("facilitate").metric}
    assert (metrics["Voters"], metrics["Have dots left"], metrics["Not yet voted"]) == ("1", "1", "1")
