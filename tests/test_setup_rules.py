"""Workshop set-up refuses bad input in the core with a RuleError, never a database error."""

from __future__ import annotations

import pytest

from components import rules, workshops
from components.rules import RuleError


def refusal(call) -> str:
    """The English message of the RuleError a call raises."""
    with pytest.raises(RuleError) as caught:
        call()
    return str(caught.value)


def test_workshop_title_and_description_limits(db):
    long_title, long_text = "T" * (rules.WORKSHOP_TITLE_MAX + 1), "d" * (rules.DESCRIPTION_MAX + 1)
    assert refusal(lambda: workshops.create_workshop(db, "  ", "org")) == "Please give the workshop a title."
    assert refusal(lambda: workshops.create_workshop(db, long_title, "org")) == "Please keep it to 200 characters or fewer."
    assert refusal(lambda: workshops.create_workshop(db, "Ok", "org", description=long_text)) == \
        "Please keep the details to 5000 characters or fewer."
    wid = workshops.create_workshop(db, " Strategy\u202e 2027 ", "org")
    assert workshops.get_workshop(db, wid)["title"] == "Strategy 2027"  # trimmed, bidi override dropped
    assert refusal(lambda: workshops.update_workshop(db, wid, "org", title=long_title)) == \
        "Please keep it to 200 characters or fewer."
    assert workshops.get_workshop(db, wid)["title"] == "Strategy 2027"


@pytest.mark.parametrize("limit", [0, 51, 2**70, "5", None, True])
def test_priorities_limit_must_be_a_small_positive_integer(db, limit):
    wid = workshops.create_workshop(db, "Strategy", "org")
    assert refusal(lambda: workshops.update_workshop(db, wid, "org", max_priorities_per_participant=limit)) == \
        "Priorities per participant must be between 1 and 50."
    assert workshops.get_workshop(db, wid)["max_priorities_per_participant"] == 5


def test_unknown_setting_and_status(db):
    wid = workshops.create_workshop(db, "Strategy", "org")
    assert refusal(lambda: workshops.update_workshop(db, wid, "org", code="AAAA")) == "Unknown workshop setting."
    assert refusal(lambda: workshops.update_workshop(db, wid, "org", status="anonymised")) == "Unknown workshop status."


def test_question_wording_limits(db):
    wid = workshops.create_workshop(db, "Strategy", "org")
    assert refusal(lambda: workshops.add_question(db, wid, " ", "org")) == "Please write the question."
    assert refusal(lambda: workshops.add_question(db, wid, "q" * 501, "org")) == \
        "Please keep the question to 500 characters or fewer."
    qid = workshops.add_question(db, wid, "What first?", "org")
    assert refusal(lambda: workshops.edit_question_prompt(db, qid, "q" * 501, "org")) == \
        "Please keep the question to 500 characters or fewer."
    assert refusal(lambda: workshops.edit_question_prompt(db, qid + 99, "Still here?", "org")) == \
        "This question no longer exists."


def test_theme_names_and_profile_labels(db):
    wid = workshops.create_workshop(db, "Strategy", "org")
    assert refusal(lambda: workshops.save_themes(db, wid, [{"name": "x" * 81}], "org")) == "Theme names need 1–80 characters."
    assert refusal(lambda: workshops.save_themes(db, wid, [{"name": "A"}, {"name": "A"}], "org")) == \
        "Theme names must be different from each other."
    assert refusal(lambda: workshops.save_profile_questions(db, wid, [{"label": "L" * 201}], "org")) == \
        "Profile questions need a label of 1–200 characters."
    assert workshops.list_themes(db, wid) == [] and workshops.list_profile_questions(db, wid) == []


def test_a_deleted_workshop_is_refused_by_name(db):
    assert refusal(lambda: workshops.update_workshop(db, 999, "org", title="New")) == "This workshop no longer exists."
    assert refusal(lambda: workshops.duplicate_workshop(db, 999, "org")) == "This workshop no longer exists."
    assert refusal(lambda: rules.check_min_group(0)) == "The minimum group size must be at least 1."
