"""Import priorities collected before the workshop (e.g. the member survey) from a CSV or XLSX file.

The file is read into rows, every row is checked (rules.check_survey_row) and a preview says what will be
added and which rows are refused, by row number and reason. The import itself re-checks everything under
BEGIN IMMEDIATE and adds all accepted rows or none. Imported priorities have no author and carry
source = 'survey', so moderators and exports show them as "from the survey".
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from components import audit, rules, workshops
from components.duplicates import normalise_text
from components.rules import RuleError
from components.storage import fetch_all, immediate

SURVEY_SOURCE = "survey"
CSV_DELIMITERS = ",;\t"  # spreadsheet programs in much of Europe write ';'
# What a workbook that is not one raises while it opens or while its rows are read: broken XML or an entity
# bomb that expat stops (ParseError is a SyntaxError), a part missing, or a part whose size or checksum lies.
XLSX_ERRORS = (SyntaxError, zipfile.BadZipFile, KeyError, ValueError, OSError)


@dataclass(frozen=True)
class SurveyRow:
    """One data row of the file: its row number as the spreadsheet shows it, and its three cells."""

    row: int
    title: str
    details: str
    theme: str


def file_kind(name: str) -> str:
    """The file's kind from its name: 'csv', 'xlsx' or '' (unknown)."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix in rules.SURVEY_KINDS else ""


def read_survey_file(name: str, data: bytes) -> tuple[list[SurveyRow], int]:
    """Read a CSV or XLSX file into rows; return them and how many blank rows were skipped."""
    kind = file_kind(name)
    rules.check_survey_file(kind, len(data))
    table = read_csv_table(data) if kind == "csv" else read_xlsx_table(data)
    return rows_from_table(table)


def read_csv_table(data: bytes) -> list[list[str]]:
    """The cells of a UTF-8 CSV file (with or without BOM), separated by comma, semicolon or tab."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError("The CSV file is not UTF-8: save it as \"CSV UTF-8\" and upload it again.") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=pick_delimiter(text.split("\n", 1)[0]))
    table = []
    try:
        for cells in reader:  # one row past the limit is enough to refuse the file
            table.append(cells[:rules.SURVEY_COLUMNS_MAX])
            if len(table) > rules.SURVEY_ROWS_MAX + 1:
                break
    except csv.Error:  # a cell longer than the csv module reads
        table = None
    rules.check_csv_readable(table is not None)
    return table


def pick_delimiter(header: str) -> str:
    """The separator that splits the header line into the most cells, quotes respected (ties: a comma).

    One pass of the csv reader per candidate, so time grows with the line's length; csv.Sniffer's regex
    took 24 s on a 60 KB line of unclosed quotes, and hours on a 1 MB one, with the whole process waiting.
    """
    def cells(delimiter: str) -> int:
        try:
            return len(next(csv.reader([header], delimiter=delimiter), []))
        except csv.Error:
            return 0
    return max(CSV_DELIMITERS, key=cells)


def read_xlsx_table(data: bytes) -> list[list[str]]:
    """The cells of the first sheet of an XLSX workbook, as text (read only, values not formulas)."""
    from openpyxl import load_workbook  # imported here: only an import needs it

    unreadable = RuleError("This file could not be read as an XLSX workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise unreadable from None
    rules.check_survey_unpacked(unpacked)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except XLSX_ERRORS:
        raise unreadable from None
    try:
        sheet = book.worksheets[0]
        table = []
        for values in sheet.iter_rows(max_col=rules.SURVEY_COLUMNS_MAX, values_only=True):
            table.append([cell_text(v) for v in values])
            if len(table) > rules.SURVEY_ROWS_MAX + 1:
                break
        return table
    except XLSX_ERRORS:  # the rows are parsed only now: their part's errors surface here too
        raise unreadable from None
    finally:
        book.close()


def cell_text(value) -> str:
    """A cell as text: numbers without a trailing '.0', empty cells as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rows_from_table(table: list[list[str]]) -> tuple[list[SurveyRow], int]:
    """Map the header's title/details/theme columns; skip wholly blank rows; number rows as the sheet does."""
    header = [normalise_text(cell) for cell in (table[0] if table else [])]
    rules.check_survey_header(header)
    where = {name: header.index(name) for name in rules.SURVEY_COLUMNS if name in header}
    rows, blank = [], 0
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(cell).strip() for cell in cells):
            blank += 1
            continue
        picked = {name: (cells[i] if i < len(cells) else "") for name, i in where.items()}
        rows.append(SurveyRow(number, *(rules.drop_invisible(picked.get(name, "")).strip()
                                        for name in rules.SURVEY_COLUMNS)))
    rules.check_survey_size(len(rows))
    return rows, blank


def plan_import(db, question_id: int, rows: list[SurveyRow], theme_names: dict[str, int] | None = None) -> dict:
    """Check every row: {"add": [{row, title, details, theme_id, theme}], "refused": [{row, title, reason}]}.

    Themes match the workshop's theme names (and any ``theme_names`` given, e.g. translated ones) with
    case, diacritics and punctuation folded; a title that repeats an earlier row or an existing priority
    of the question (in any state) is refused.
    """
    question = workshops.get_question(db, question_id)
    rules.check_question_exists(question)
    themes = {normalise_text(t["name"]): t["id"] for t in workshops.list_themes(db, question["workshop_id"])}
    themes.update({normalise_text(name): theme_id for name, theme_id in (theme_names or {}).items()})
    existing = {normalise_text(p["title"]): p["id"] for p in fetch_all(
        db, "SELECT id, title FROM priority WHERE question_id = ? ORDER BY id DESC", (question_id,))}
    seen: dict[str, int] = {}
    plan = {"add": [], "refused": []}
    for row in rows:
        folded = normalise_text(row.title)
        theme_id = themes.get(normalise_text(row.theme)) if row.theme else None
        try:
            rules.check_survey_row(row.title, row.details, row.theme, theme_id, seen.get(folded) if folded else None,
                                   existing.get(folded) if folded else None)
        except RuleError as reason:
            plan["refused"].append({"row": row.row, "title": row.title, "reason": reason})
        else:
            plan["add"].append({"row": row.row, "title": row.title, "details": row.details, "theme_id": theme_id,
                                "theme": row.theme})
        if folded:
            seen.setdefault(folded, row.row)
    return plan


def import_survey(db, question_id: int, rows: list[SurveyRow], actor: str, *, file_name: str = "",
                  leave_out_refused: bool = False, theme_names: dict[str, int] | None = None) -> dict:
    """Add the accepted rows as priorities from the survey, all in one transaction, or none.

    The plan is made again inside the transaction, so a priority added since the preview is not duplicated.
    Returns {"added": n, "refused": n, "ids": [...]}.
    """
    with immediate(db):
        question = workshops.get_question(db, question_id)
        rules.check_question_exists(question)
        workshops.require_open_workshop(db, question["workshop_id"])
        rules.check_may_import(question)
        plan = plan_import(db, question_id, rows, theme_names)
        rules.check_import_complete(len(plan["refused"]), leave_out_refused, len(plan["add"]))
        ids = [db.conn.execute("INSERT INTO priority (question_id, title, details, theme_id, source)"
                               " VALUES (?, ?, ?, ?, ?)",
                               (question_id, item["title"], item["details"], item["theme_id"], SURVEY_SOURCE)).lastrowid
               for item in plan["add"]]
        audit.record(db, actor, "priority.import", question["workshop_id"], question_id=question_id,
                     file=file_name, priority_ids=ids, rows=[item["row"] for item in plan["add"]],
                     refused_rows=[item["row"] for item in plan["refused"]])
    return {"added": len(ids), "refused": len(plan["refused"]), "ids": ids}
