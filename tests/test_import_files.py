"""Files a facilitator or organiser uploads are read safely: the survey, the registration list, the membership mix.

A file is whatever someone's spreadsheet (or someone) made: a header line of 90 KB, a cell of 200 KB. Each is
read at once or refused with a sentence; none may hold the server process (and every phone on it) for minutes,
or end in an error page.
"""

from __future__ import annotations

import io
import struct
import threading
import zipfile

import pytest
from openpyxl import Workbook

from components import membership, registration, survey_import
from components.rules import RuleError

UNREADABLE = "This file could not be read as a CSV file. Save it from the spreadsheet as CSV UTF-8 and try again."
# The standard csv module refuses a cell longer than this (csv.field_size_limit()).
CELL_LIMIT = 131072


def finish_within(seconds: float, work):
    """Run `work` in a thread; its result (or the exception it raised), or fail when it is not done in time.

    Not a speed target: the bound is 100 times what the reading takes; it stops a test of a minutes-long
    hang from hanging the test run too.
    """
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_survey_whose_header_line_is_long_is_read_at_once():
    """Before: csv.Sniffer guessed the separator with a regex that is quadratic on a line of unclosed quotes:
    60 KB took 24 s of CPU, and a 1 MB upload hours, holding the GIL so the process served nobody else."""
    data = ("title" + ';"a' * 30_000 + "\nPriority one;x\n").encode()  # a 90 KB header line of stray quotes
    assert finish_within(30, lambda: survey_import.read_survey_file("survey.csv", data)) == (
        [survey_import.SurveyRow(2, "Priority one", "", "")], 0)


@pytest.mark.parametrize("read", [
    lambda data: survey_import.read_survey_file("survey.csv", b"title,details\n" + data),
    lambda data: registration.parse_registrations(b"name,email\n" + data, [], set()),
    lambda data: membership.parse_csv(b"dimension,group,count\n" + data, {"country": "country"}),
], ids=["survey", "registration", "membership"])
def test_a_cell_longer_than_the_csv_module_reads_is_refused_with_a_sentence(read):
    """Before: csv.Error escaped every importer, and the page showed an error box instead of a reason."""
    with pytest.raises(RuleError) as refused:
        read(b"x" * (CELL_LIMIT + 1) + b",a@b.example,1\n")
    assert str(refused.value) == UNREADABLE


def workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """A real XLSX workbook whose first sheet's XML is replaced by these bytes."""
    book = Workbook()
    book.active.append(["title"])
    book.active.append(["Priority one"])
    made = io.BytesIO()
    book.save(made)
    source, built = zipfile.ZipFile(io.BytesIO(made.getvalue())), io.BytesIO()
    with zipfile.ZipFile(built, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, sheet_xml if info.filename.endswith("sheet1.xml") else source.read(info))
    return built.getvalue()


ENTITIES = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 8))
SHEETS = {
    "cut short": b'<worksheet><sheetData><row r="1"><c',
    # Billion laughs: expat stops the expansion; the error used to escape the import.
    "entity bomb": (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e0 "lol">{ENTITIES}]>'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                    '<row r="1"><c r="A1" t="inlineStr"><is><t>&e7;</t></is></c></row></sheetData></worksheet>').encode(),
}


@pytest.mark.parametrize("sheet", SHEETS.values(), ids=SHEETS.keys())
def test_a_workbook_whose_sheet_is_not_xml_is_refused_with_a_sentence(sheet):
    """The workbook opens (its parts are read only when the rows are), so the sheet's errors came later, unanswered."""
    with pytest.raises(RuleError) as refused:
        survey_import.read_survey_file("survey.xlsx", workbook_with_sheet(sheet))
    assert str(refused.value) == "This file could not be read as an XLSX workbook."


def test_a_workbook_that_lies_about_its_unpacked_size_is_refused():
    """A zip bomb that declares 1,000 bytes for a sheet of 100 MB (100 KB packed): the check of the declared
    sizes passes, and zipfile reads no further than declared, so the sheet ends early and is refused. (This held
    before the review; the test keeps the declared-size check honest.)"""
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
             b'<c r="A1" t="inlineStr"><is><t>title</t></is></c></row>' + b" " * 100_000_000 + b"</sheetData></worksheet>")
    data = bytearray(workbook_with_sheet(sheet))
    name, start = b"xl/worksheets/sheet1.xml", 0
    while (at := data.find(name, start)) >= 0:  # the local header and the central directory both declare it
        if data[at - 30:at - 26] == b"PK\x03\x04":
            struct.pack_into("<I", data, at - 30 + 22, 1000)
        if data[at - 46:at - 42] == b"PK\x01\x02":
            struct.pack_into("<I", data, at - 46 + 24, 1000)
        start = at + 1
    with pytest.raises(RuleError) as refused:
        survey_import.read_survey_file("survey.xlsx", bytes(data))
    assert str(refused.value) == "This file could not be read as an XLSX workbook."
