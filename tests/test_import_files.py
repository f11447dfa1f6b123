"""Files a facilitator or organiser uploads are read safely: the survey, the registration list, the membership mix.

A file is whatever someone's spreadsheet (or someone) made: a header line of 90 KB, a cell of 200 KB. Each is
read at once or refused with a sentence; none may hold the server process (and every phone on it) for minutes,
or end in an error page.
"""

from __future__ import annotations

import threading

import pytest

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
