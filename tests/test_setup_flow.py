"""The set-up page through AppTest: sections keep their place, profile rows, importing survey priorities."""

from __future__ import annotations

import io

from openpyxl import Workbook

from components import workshops
from components.storage import fetch_all
from tests.test_access import standalone_page_link  # noqa: F401  (autouse fixture)
from tests.test_staff_pages import click, open_page, open_section, shown, staff  # noqa: F401  (fixture)

GOOD_CSV = "title;details;theme\nShared office space;Near the station;Capacity building\nPeer visits;;\n".encode()
BAD_CSV = ("title,details,theme\n"
           "Shared office space,,\n"
           ",only details,\n"
           "Community gardens,,Astronomy\n"
           "shared office SPACE,,\n").encode()


def draft_question(db, workshop_id: int) -> dict:
    """The demo's draft question."""
    return next(q for q in workshops.list_questions(db, workshop_id) if q["phase"] == "draft")


def survey_rows(db, question_id: int) -> list[tuple]:
    """The priorities of a question that came from a survey."""
    return [tuple(r.values()) for r in fetch_all(
        db, "SELECT title, details, source FROM priority WHERE question_id = ? AND source = 'survey' ORDER BY id",
        (question_id,))]


def upload(at, name: str, data: bytes):
    """Put a file into the import section's uploader and rerun."""
    at.file_uploader[0].set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception
    return at


def pick_draft(at, question_id: int, workshop_id: int):
    """Choose the draft question in the import section."""
    at.selectbox(key=f"import_question_{workshop_id}").select(question_id).run()
    return at


def test_a_bad_import_file_imports_nothing_and_names_the_bad_rows(db, demo, staff):
    workshop, _ = demo
    question = draft_question(db, workshop["id"])
    at = pick_draft(open_section(open_page("setup"), "Import priorities"), question["id"], workshop["id"])
    upload(at, "survey.csv", BAD_CSV)
    added, refused = (frame.value for frame in at.dataframe)
    assert added.to_dict("records") == [{"row": 2, "title": "Shared office space", "details": "", "theme": ""}]
    assert refused.to_dict("records") == [
        {"row": 3, "reason": "The title is empty.", "title": ""},
        {"row": 4, "reason": "Unknown theme: Astronomy", "title": "Community gardens"},
        {"row": 5, "reason": "Same title as row 2.", "title": "shared office SPACE"}]
    assert "3 rows are refused" in shown(at)
    button = at.button(key=f"import_go_{question['id']}")
    assert button.label == "Import 1 priority" and button.disabled
    assert survey_rows(db, question["id"]) == []
    # Leaving the refused rows out is an explicit choice; then the good row is imported, marked as survey.
    at.checkbox(key=f"import_leave_out_{question['id']}").check().run()
    click(at, f"import_go_{question['id']}")
    assert survey_rows(db, question["id"]) == [("Shared office space", "", "survey")]
    assert "1 priority imported from the survey." in shown(at)
    assert at.session_state["setup_section"] == "Import priorities"
    assert at.dataframe.len == 0  # a fresh uploader: the file is gone


def test_an_unreadable_file_says_why(db, demo, staff):
    workshop, _ = demo
    question = draft_question(db, workshop["id"])
    at = pick_draft(open_section(open_page("setup"), "Import priorities"), question["id"], workshop["id"])
    upload(at, "survey.csv", b"name;email\nAna;a@b.c\n")
    assert "The first row must name the columns: title, and optionally details and theme." in shown(at)
    assert at.button.len == 0 or all(not b.key.startswith("import_go") for b in at.button)


def test_an_xlsx_survey_is_previewed_and_imported_whole(db, demo, staff):
    workshop, _ = demo
    question = draft_question(db, workshop["id"])
    book = Workbook()
    for row in (["Title", "Details", "Theme"], ["Open budget data", "Publish it monthly", "Participatory budgeting"],
                ["Youth councils", None, None]):
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    at = pick_draft(open_section(open_page("setup"), "Import priorities"), question["id"], workshop["id"])
    upload(at, "survey.xlsx", data.getvalue())
    [added] = [frame.value for frame in at.dataframe]
    assert added["row"].tolist() == [2, 3]
    click(at, f"import_go_{question['id']}")
    assert survey_rows(db, question["id"]) == [("Open budget data", "Publish it monthly", "survey"),
                                               ("Youth councils", "", "survey")]


def test_import_waits_for_a_question_before_voting(db, demo, staff):
    workshop, questions = demo
    from components import facilitation
    facilitation.set_phase(db, questions[0]["id"], "voting", "test")
    at = open_section(open_page("setup"), "Import priorities")
    at.selectbox(key=f"import_question_{workshop['id']}").select(questions[0]["id"]).run()
    assert "Priorities can only be imported before voting opens." in shown(at)
    assert at.file_uploader.len == 0


def test_profile_rows_stay_in_place_and_save(db, demo, staff):
    workshop, _ = demo
    wid = workshop["id"]
    at = open_section(open_page("setup"), "Profile questions")
    prefix = f"profile_{wid}"
    assert [t.label for t in at.toggle if t.key.startswith(prefix)] == ["Required", "Required"]
    at.toggle(key=f"{prefix}_required_1").set_value(True).run()
    # Ticking Required reruns the page: the same section and the tick are still there.
    assert at.session_state["setup_section"] == "Profile questions"
    assert at.toggle(key=f"{prefix}_required_1").value is True
    click(at, f"{prefix}_add")
    at.text_input(key=f"{prefix}_label_2").input("Age group")
    at.text_input(key=f"{prefix}_options_2").input("under 30, 30 or older").run()
    click(at, f"save_profile_{wid}")
    assert at.session_state["setup_section"] == "Profile questions"
    assert "Profile questions saved." in shown(at)
    assert [(pq["key"], pq["required"], pq["options"][:2]) for pq in workshops.list_profile_questions(db, wid)] == [
        ("country", 0, ["Albania", "Bosnia and Herzegovina"]), ("org_type", 1, ["Civil society", "Local government"]),
        ("age_group", 0, ["under 30", "30 or older"])]
    # The rows are read back from the database: the toggles show what is stored.
    assert [t.value for t in at.toggle if t.key.startswith(prefix)] == [False, True, False]


def test_next_steps_open_the_import_section(db, staff):
    at = open_page("setup")
    at.text_input(key="create_title").input("Survey first")
    at.text_area(key="create_prompt").input("What first?")
    click(at, "create_submit")
    click(at, "next_import")
    assert at.session_state["setup_section"] == "Import priorities"
    assert at.file_uploader.len == 1


def test_every_section_shows_the_new_workshop(db, demo, staff):
    demo_workshop, _ = demo
    at = open_page("setup")
    at.text_input(key="create_title").input("Ohrid summer school")
    at.text_area(key="create_prompt").input("Which tool first?")
    click(at, "create_submit")
    [new] = [w for w in workshops.list_workshops(db) if w["title"] == "Ohrid summer school"]
    wid = new["id"]
    [question] = workshops.list_questions(db, wid)
    expected = {
        "Settings": lambda: at.text_input(key=f"set_title_{wid}").value == "Ohrid summer school",
        "Questions": lambda: at.text_area(key=f"prompt_{question['id']}").value == "Which tool first?",
        "Import priorities": lambda: at.file_uploader[0].key.startswith(f"import_file_{question['id']}_"),
        "Themes": lambda: at.button(key=f"save_themes_{wid}") is not None,
        "Profile questions": lambda: at.text_input(key=f"profile_{wid}_label_0").value == "Country",
        "Duplicate": lambda: at.text_input(key=f"copy_title_{wid}") is not None,
        "Audit log": lambda: "workshop.create" in at.dataframe[0].value["action"].tolist(),
    }
    for label, shows_new in expected.items():
        open_section(at, label)
        assert at.selectbox(key="pick_workshop_setup").value == wid
        assert shows_new(), label
        # Nothing of the demo workshop is on screen.
        old = {f"set_title_{demo_workshop['id']}", f"copy_title_{demo_workshop['id']}",
               f"profile_{demo_workshop['id']}_label_0"}
        assert not old & {w.key for w in at.text_input}, label
