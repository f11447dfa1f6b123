"""Reading an event's registration list (CSV: name, e-mail, country, organisation type, ...). No Streamlit here.

Every row is checked before anything is stored: one bad row and nothing is imported, and each bad row is
named by its spreadsheet row number (the header is row 1) and the reason.
"""

from __future__ import annotations

import csv
import io
import re

from components import rules
from components.rules import RuleError

# Column headers are compared without case, spaces, dashes and underscores ("E-mail", "e_mail", "EMAIL").
NAME_HEADERS = {"name", "fullname", "attendee", "participant"}
EMAIL_HEADERS = {"email", "emailaddress", "mail"}
HEADER_ALIASES = {"organizationtype": "organisationtype", "orgtype": "organisationtype"}


class BadRows(RuleError):
    """Some rows of a registration list are wrong; `problems` holds (row number, RuleError) for each."""

    def __init__(self, problems: list[tuple[int, RuleError]]):
        super().__init__("Nothing was imported: the rows listed below have problems.")
        self.problems = problems


def header_key(text: str) -> str:
    """A column header folded for matching: lower-case letters and digits only, with US spellings mapped."""
    key = re.sub(r"[^0-9a-z]", "", (text or "").casefold())
    return HEADER_ALIASES.get(key, key)


def read_rows(data: bytes) -> list[list[str]]:
    """Decode a CSV file (UTF-8, with or without BOM; comma, semicolon or tab separated) into rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError("The file is not UTF-8 text: save it from the spreadsheet as CSV UTF-8.") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in much of Europe writes semicolons
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(cell.strip() for cell in row)]
    except csv.Error:  # a cell longer than the csv module reads
        rows = None
    rules.check_csv_readable(rows is not None)
    return rows


def parse_registrations(data: bytes, profile_questions: list[dict], known_emails: set[str]) -> list[dict]:
    """Every attendee as {name, email, profile}, or BadRows naming each bad row; known e-mails count as taken."""
    rows = read_rows(data)
    header = [header_key(cell) for cell in rows[0]] if rows else []
    columns = {"name": _find(header, NAME_HEADERS), "email": _find(header, EMAIL_HEADERS)}
    rules.check_registration_list(len(data), len(rows) - 1,
                                  [label for label, key in (("name", "name"), ("e-mail", "email")) if columns[key] is None])
    answers = {pq["key"]: _find(header, {header_key(pq["key"]), header_key(pq["label"])}) for pq in profile_questions}
    seen, attendees, problems = {e.casefold() for e in known_emails}, [], []
    for number, row in enumerate(rows[1:], start=2):
        try:
            attendees.append(_read_attendee(row, columns, answers, profile_questions, seen))
        except RuleError as exc:
            problems.append((number, exc))
    if problems:
        raise BadRows(problems)
    return attendees


def _find(header: list[str], names: set[str]) -> int | None:
    """The index of the first column whose header is one of `names`."""
    return next((index for index, key in enumerate(header) if key in names), None)


def _cell(row: list[str], index: int | None) -> str:
    """A cell by column index; a short row has empty cells."""
    return row[index].strip() if index is not None and index < len(row) else ""


def _read_attendee(row: list[str], columns: dict, answers: dict, profile_questions: list[dict], seen: set[str]) -> dict:
    """One row checked: name, e-mail and profile answers matched (without case) to the offered options."""
    name, email = rules.clean_registration(_cell(row, columns["name"]), _cell(row, columns["email"]), seen)
    profile = {}
    for pq in profile_questions:
        value = rules.drop_invisible(_cell(row, answers[pq["key"]]))[:rules.PROFILE_ANSWER_MAX]
        value = next((option for option in pq["options"] if option.casefold() == value.casefold()), value)
        rules.check_registration_answer(pq["label"], value, pq["options"])
        if value:
            profile[pq["key"]] = value
    seen.add(email.casefold())
    return {"name": name, "email": email, "profile": profile}
