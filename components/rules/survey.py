"""Importing pre-collected (survey) priorities: the file, its columns and every row."""

from __future__ import annotations

from components.rules.participation import DETAILS_MAX, TITLE_MAX, TITLE_MIN, RuleError

# A survey file: a header row naming the columns (title is needed; details and theme are optional), then one
# priority per row. The limits keep a preview readable and a stray export (a whole database) out.
SURVEY_COLUMNS = ("title", "details", "theme")
SURVEY_ROWS_MAX = 500
SURVEY_COLUMNS_MAX = 50
SURVEY_FILE_MB_MAX = 5
SURVEY_UNPACKED_MB_MAX = 50  # an XLSX file is a zip: a small file must not unpack into gigabytes
SURVEY_KINDS = ("csv", "xlsx")
IMPORT_PHASES = ("draft", "collecting")


def check_survey_file(kind: str, size: int) -> None:
    """A survey file is a CSV or XLSX file of at most a few megabytes."""
    if kind not in SURVEY_KINDS:
        raise RuleError("Please upload a CSV or XLSX file.")
    if size > SURVEY_FILE_MB_MAX * 1024 * 1024:
        raise RuleError("The file is larger than {max} MB.", max=SURVEY_FILE_MB_MAX)


def check_survey_unpacked(size: int) -> None:
    """An XLSX workbook unpacks into at most SURVEY_UNPACKED_MB_MAX megabytes."""
    if size > SURVEY_UNPACKED_MB_MAX * 1024 * 1024:
        raise RuleError("The file is larger than {max} MB.", max=SURVEY_UNPACKED_MB_MAX)


def check_csv_readable(readable: bool) -> None:
    """An uploaded CSV file (survey, registration list, membership mix) must be one the csv module can read:
    no cell longer than its limit of 128 KB, which a quote opened and never closed also reaches."""
    if not readable:
        raise RuleError("This file could not be read as a CSV file. Save it from the spreadsheet as CSV UTF-8 and "
                        "try again.")


def check_survey_header(columns: list[str]) -> None:
    """The first row names the columns, one of them title."""
    if "title" not in columns:
        raise RuleError("The first row must name the columns: title, and optionally details and theme.")


def check_survey_size(rows: int) -> None:
    """At most SURVEY_ROWS_MAX priorities in one file."""
    if rows > SURVEY_ROWS_MAX:
        raise RuleError("The file has more than {max} rows; please split it.", max=SURVEY_ROWS_MAX)


def check_may_import(question: dict) -> None:
    """Priorities are imported before voting opens, so no ballot changes under a voter."""
    if question["phase"] not in IMPORT_PHASES:
        raise RuleError("Priorities can only be imported before voting opens.")


def check_survey_row(title: str, details: str, theme: str, theme_id: int | None, same_as_row: int | None,
                     existing_id: int | None) -> None:
    """One survey row: a title of 3–280 characters, short enough details, a known theme, and not a duplicate."""
    if not title:
        raise RuleError("The title is empty.")
    if len(title) < TITLE_MIN:
        raise RuleError("The title is shorter than {min} characters.", min=TITLE_MIN)
    if len(title) > TITLE_MAX:
        raise RuleError("The title is longer than {max} characters.", max=TITLE_MAX)
    if len(details) > DETAILS_MAX:
        raise RuleError("The details are longer than {max} characters.", max=DETAILS_MAX)
    if theme and theme_id is None:
        raise RuleError("Unknown theme: {theme}", theme=theme)
    if same_as_row is not None:
        raise RuleError("Same title as row {row}.", row=same_as_row)
    if existing_id is not None:
        raise RuleError("Already a priority of this question: #{id}.", id=existing_id)


def check_import_complete(refused: int, leave_out_refused: bool, accepted: int) -> None:
    """All or nothing: a file with refused rows imports nothing unless leaving them out was chosen."""
    if refused and not leave_out_refused:
        raise RuleError("Some rows were refused, so nothing was imported. Fix them or choose to leave them out.")
    if not accepted:
        raise RuleError("The file has no priorities to import.")
