"""The ballot as a phone draws it, and a tap on it, in the participant's language (no Streamlit).

The participant page sends this view as the ballot element's first data; after that the element
talks to the app's own routes (components/phone_routes.py), which answer with the same view, so
a tap never waits for a Streamlit rerun.
"""

from __future__ import annotations

from components import i18n, participation, results, rules, workshops
from components.rules import RuleError


def participant_language(participant: dict, workshop: dict, accept_language: str | None) -> str:
    """The participant's own choice, else the browser's languages, else the workshop's, else English."""
    return i18n.pick_language(participant.get("language"), workshop.get("language"),
                              (accept_language or "")[:rules.LANGUAGE_HEADER_MAX])


def ballot_labels(language: str, budget: int) -> dict:
    """The ballot's fixed texts, and the budget line for every number of dots left (plural forms differ)."""
    translator = i18n.translator(language)
    _, n_ = translator.gettext, translator.ngettext
    return {
        "add": _("Add dot"), "remove": _("Remove"), "details": _("Details"),
        "empty": _("There is nothing to vote on yet."), "mine": _("Your dots on this priority: {n} of {cap}"),
        "saving": _("Saving…"), "saved": _("Saved"), "closed": _("Voting has closed."),
        "offline": _("Offline — your taps will be sent when you are back."),
        "lines": [n_("{left} of {budget} dot left", "{left} of {budget} dots left", left).format(left=left, budget=budget)
                  for left in range(budget + 1)],
    }


def ballot_view(question: dict, ballot: list[dict], language: str) -> dict:
    """Everything the browser needs to draw one question's ballot, translated here."""
    gettext = i18n.translator(language).gettext
    budget, cap = question["dots_per_participant"], question["max_dots_per_item"]
    return {
        "question": question["id"], "budget": budget, "cap": cap,
        "left": max(0, budget - sum(item["my_dots"] for item in ballot)),
        "labels": ballot_labels(language, budget),
        "items": [{"id": item["id"], "title": item["title"], "theme": gettext(item["theme"]) if item["theme"] else "",
                   "details": item["details"], "mine": item["my_dots"]} for item in ballot],
    }


def read_ballot(db, participant: dict, question: dict, language: str, tally: list[dict] | None = None) -> dict:
    """The phone's view of one question: its phase, its ballot while voting, and the results it may see."""
    voting = question["phase"] == "voting"
    ballot = ballot_view(question, participation.list_ballot(db, question["id"], participant), language) \
        if voting else None
    return {"phase": question["phase"], "ballot": ballot,
            "results": results.phone_results(db, question, participant["id"], tally=tally)}


def own_question(db, participant: dict, question_id: object) -> dict:
    """A question of the participant's own workshop (any phase), or refuse like a vanished priority."""
    question = workshops.get_question(db, question_id) if rules.is_sql_integer(question_id, 1) else None
    if question is None or question["workshop_id"] != participant["workshop_id"]:
        raise RuleError("This question is not part of your workshop.")
    return question


def apply_tap(db, participant: dict, tap: object) -> dict:
    """Apply one tap {question, priority, action, shown} from a phone; return its question.

    "shown" is the count that was on the phone's screen, so a tap delivered twice (a retry after
    a lost answer, or a tap kept offline) places or removes one dot, never two.
    """
    if not isinstance(tap, dict):
        raise RuleError("This priority is no longer on the ballot.")
    question = own_question(db, participant, tap.get("question"))
    click = {name: tap.get(name) for name in ("priority", "action", "shown")}
    rules.check_ballot_click(click)
    priority = workshops.get_priority(db, click["priority"])
    # A priority of another question would answer with the wrong ballot: refuse it like a vanished one.
    rules.check_on_ballot(priority if priority and priority["question_id"] == question["id"] else None)
    participation.cast_vote(db, participant, click)
    return question
