"""Importing survey priorities from CSV and XLSX: exact rows added, exact refusals, all or nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import Workbook

from components import exports, facilitation, survey_import, workshops
from components.rules import RuleError
from components.storage import fetch_all

LONG = "x" * 281


def csv_bytes(text: str, bom: bool = True) -> bytes:
    """A CSV file as a spreadsheet program saves it (UTF-8, optionally with BOM)."""
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    """An XLSX workbook whose first sheet holds these rows."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def priorities(db, question_id: int) -> list[tuple]:
    """Every priority row of a question that the import could have written."""
    return [tuple(r.values()) for r in fetch_all(
        db, "SELECT title, details, theme_id, source, participant_id, state FROM priority WHERE question_id = ?"
            " ORDER BY id", (question_id,))]


def reasons(plan: dict) -> list[tuple[int, str]]:
    """The refused rows as (row number, English reason)."""
    return [(item["row"], str(item["reason"])) for item in plan["refused"]]


@pytest.fixture
def draft(db, demo):
    """The demo's draft question (no priorities yet) and the workshop's themes by name."""
    workshop, questions = demo
    question = next(q for q in questions if q["phase"] == "draft")
    return question, {t["name"]: t["id"] for t in workshops.list_themes(db, workshop["id"])}


def test_csv_rows_become_survey_priorities(db, draft):
    question, themes = draft
    theme = next(iter(themes))
    data = csv_bytes(f"Title;Details;Theme;Email\nShared office space;Near the station;{theme.upper()};a@b.c\n"
                     ";;;\n\"Mentoring; peer visits\";;;\n")
    rows, blank = survey_import.read_survey_file("survey.csv", data)
    assert (rows, blank) == ([survey_import.SurveyRow(2, "Shared office space", "Near the station", theme.upper()),
                              survey_import.SurveyRow(4, "Mentoring; peer visits", "", "")], 1)
    outcome = survey_import.import_survey(db, question["id"], rows, "fiona", file_name="survey.csv")
    assert (outcome["added"], outcome["refused"]) == (2, 0)
    assert priorities(db, question["id"]) == [("Shared office space", "Near the station", themes[theme], "survey", None,
                                               "visible"),
                                              ("Mentoring; peer visits", "", None, "survey", None, "visible")]
    [row] = fetch_all(db, "SELECT actor, details FROM audit_log WHERE action = 'priority.import'")
    assert row["actor"] == "fiona"
    assert json.loads(row["details"]) == {"question_id": question["id"], "file": "survey.csv",
                                          "priority_ids": outcome["ids"], "rows": [2, 4], "refused_rows": []}


def test_every_refusal_reason_by_row_and_nothing_half_imported(db, draft):
    question, themes = draft
    existing = facilitation.add_priority_for_room(db, question["id"], "Translation fund", "fiona")
    facilitation.set_priority_hidden(db, existing, True, "fiona")
    data = xlsx_bytes([["title", "details", "theme"],
                       ["Youth council in every town", "", ""],
                       ["", "details without a title", ""],
                       ["ab", "", ""],
                       [LONG, "", ""],
                       ["Open budget data", "d" * 2001, ""],
                       ["Community gardens", "", "Astronomy"],
                       ["youth  council in every TOWN!", "", ""],
                       ["translation fund", "", ""],
                       [None, None, None],
                       [2024, 3.0, None]])
    rows, blank = survey_import.read_survey_file("Survey.XLSX", data)
    assert blank == 1
    assert rows[-1] == survey_import.SurveyRow(11, "2024", "3", "")
    plan = survey_import.plan_import(db, question["id"], rows)
    assert [(item["row"], item["title"]) for item in plan["add"]] == [(2, "Youth council in every town"), (11, "2024")]
    assert reasons(plan) == [
        (3, "The title is empty."),
        (4, "The title is shorter than 3 characters."),
        (5, "The title is longer than 280 characters."),
        (6, "The details are longer than 2000 characters."),
        (7, "Unknown theme: Astronomy"),
        (8, "Same title as row 2."),
        (9, f"Already a priority of this question: #{existing}."),
    ]
    before = priorities(db, question["id"])
    audit_rows = fetch_all(db, "SELECT count(*) AS n FROM audit_log")[0]["n"]
    with pytest.raises(RuleError, match="Some rows were refused, so nothing was imported."):
        survey_import.import_survey(db, question["id"], rows, "fiona")
    assert priorities(db, question["id"]) == before
    assert fetch_all(db, "SELECT count(*) AS n FROM audit_log")[0]["n"] == audit_rows
    # Leaving the refused rows out is an explicit choice; then exactly the accepted rows are added.
    outcome = survey_import.import_survey(db, question["id"], rows, "fiona", leave_out_refused=True)
    assert (outcome["added"], outcome["refused"]) == (2, 7)
    assert priorities(db, question["id"])[1:] == [("Youth council in every town", "", None, "survey", None, "visible"),
                                                  ("2024", "3", None, "survey", None, "visible")]
    # The same file again adds nothing: every title is there now.
    again = survey_import.plan_import(db, question["id"], rows)
    assert again["add"] == [] and (2, f"Already a priority of this question: #{outcome['ids'][0]}.") in reasons(again)


def test_translated_theme_names_match(db, draft):
    question, themes = draft
    name, theme_id = next(iter(themes.items()))
    rows = [survey_import.SurveyRow(2, "Regional networking days", "", "Přeloženo")]
    plan = survey_import.plan_import(db, question["id"], rows, {"přeloženo": theme_id})
    assert [(item["row"], item["theme_id"]) for item in plan["add"]] == [(2, theme_id)]


@pytest.mark.parametrize("name, data, message", [
    ("survey.txt", b"title\nA priority\n", "Please upload a CSV or XLSX file."),
    ("survey.csv", "title\nRozpočet\n".encode("cp1250"), "The CSV file is not UTF-8"),
    ("survey.csv", b"name;text\nAna;Something\n", "The first row must name the columns"),
    ("survey.csv", b"", "The first row must name the columns"),
    ("survey.xlsx", b"not a zip at all", "This file could not be read as an XLSX workbook."),
    ("survey.csv", ("title\n" + "A priority\n" * 501).encode(), "The file has more than 500 rows"),
])
def test_bad_files_are_refused_whole(name, data, message):
    with pytest.raises(RuleError, match=message):
        survey_import.read_survey_file(name, data)


def test_an_xlsx_that_unpacks_into_too_much_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (51 * 1024 * 1024))
    with pytest.raises(RuleError, match="The file is larger than 50 MB."):
        survey_import.read_survey_file("bomb.xlsx", out.getvalue())


def test_import_only_before_voting(db, voting):
    workshop, question, _ids = voting
    rows = [survey_import.SurveyRow(2, "A late idea", "", "")]
    with pytest.raises(RuleError, match="Priorities can only be imported before voting opens."):
        survey_import.import_survey(db, question["id"], rows, "fiona")


def test_exports_mark_survey_items(db, draft):
    question, _themes = draft
    [survey_id] = survey_import.import_survey(db, question["id"], [survey_import.SurveyRow(2, "Survey idea", "", "")],
                                              "fiona")["ids"]
    room_id = facilitation.add_priority_for_room(db, question["id"], "Room idea", "fiona")
    results = exports.gather_results(db, question["workshop_id"])
    table = exports.build_priorities_table(results)
    table = table[table["question"] == question["prompt"]]
    assert sorted(zip(table["priority_id"], table["author"])) == [(survey_id, "survey"), (room_id, "room")]
    [data] = [q for q in json.loads(exports.build_json(results))["questions"] if q["id"] == question["id"]]
    assert [(p["id"], p["author"], p["source"]) for p in data["priorities"]] == [(survey_id, None, "survey"),
                                                                                  (room_id, None, "live")]


def test_two_tabs_importing_the_same_file_at_once_add_it_once(db_path, db, draft):
    import threading

    from components import storage
    question, _themes = draft
    rows = [survey_import.SurveyRow(n + 2, f"Survey priority number {n}", "", "") for n in range(40)]
    start, outcomes = threading.Barrier(2), []

    def import_in_own_connection() -> None:
        own = storage.open_db(db_path)
        start.wait()
        try:
            outcomes.append(survey_import.import_survey(own, question["id"], rows, "fiona")["added"])
        except RuleError as exc:
            outcomes.append(str(exc))
        finally:
            own.close()

    threads = [threading.Thread(target=import_in_own_connection) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One import added all 40; the other saw them all as duplicates and added nothing.
    assert sorted(outcomes, key=str) == [40, "Some rows were refused, so nothing was imported. Fix them or choose "
                                              "to leave them out."]
    assert [t for t, *_ in priorities(db, question["id"])] == [row.title for row in rows]
