"""Hostile and oversized participant text at the core: clean refusals, and exports that still build."""

from __future__ import annotations

import io

import openpyxl
import pytest

from components import exports, participation, workshops
from components.rules import DETAILS_MAX, TITLE_MAX, RuleError

HUGE = "x" * 100_000


def test_oversized_text_is_refused_cleanly_and_limits_are_inclusive(db, demo):
    workshop, questions = demo
    question = questions[0]
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    with pytest.raises(RuleError, match="280 characters or fewer"):
        participation.submit_priority(db, ana, question["id"], HUGE)
    with pytest.raises(RuleError, match="2000 characters or fewer"):
        participation.submit_priority(db, ana, question["id"], "Fine title", HUGE)
    with pytest.raises(RuleError, match="80 characters or fewer"):
        participation.join_workshop(db, workshop["code"], HUGE)
    pid = participation.submit_priority(db, ana, question["id"], "t" * TITLE_MAX, "d" * DETAILS_MAX)
    stored = workshops.get_priority(db, pid)
    assert (len(stored["title"]), len(stored["details"])) == (TITLE_MAX, DETAILS_MAX)


@pytest.mark.parametrize("bad", ["nul\x00byte", "line\x0bbreak", "esc\x1b[31m"])
def test_control_characters_never_break_the_excel_export(db, demo, bad):
    workshop, questions = demo
    person = participation.join_workshop(db, workshop["code"], bad)
    try:
        participation.submit_priority(db, person, questions[0]["id"], bad, bad)
    except RuleError:
        pass  # a clear refusal is fine too
    for fmt in ("xlsx", "zip"):
        data = exports.export_bytes(db, workshop["id"], fmt, include_names=True)
        assert data
    book = openpyxl.load_workbook(io.BytesIO(exports.export_bytes(db, workshop["id"], "xlsx", include_names=True)))
    assert book["ranked priorities"].max_row >= 2
