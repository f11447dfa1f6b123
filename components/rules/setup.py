"""Workshop set-up rules, for staff: titles, questions, phases, themes, profile questions, settings, exports."""

from __future__ import annotations

from components.rules.participation import (BACKWARD_TRANSITIONS, FORWARD_TRANSITIONS, PAPER_SHEETS_MAX, PHASES, RuleError,
                                            drop_invisible, is_sql_integer)

WORKSHOP_TITLE_MAX, DESCRIPTION_MAX = 200, 5000
QUESTION_MAX = 500
THEME_NAME_MAX = 80
PROFILE_LABEL_MAX = 200
PRIORITIES_PER_PARTICIPANT_MAX = 50
WORKSHOP_STATUSES = ("open", "finished")  # "anonymised" is reached only through retention


def check_workshop_exists(workshop: dict | None) -> None:
    """Refuse a workshop that was deleted meanwhile (another tab, another organiser)."""
    if workshop is None:
        raise RuleError("This workshop no longer exists.")


def check_question_exists(question: dict | None) -> None:
    """Refuse a question that was deleted meanwhile."""
    if question is None:
        raise RuleError("This question no longer exists.")


def check_theme_found(found: bool) -> None:
    """Refuse a theme that is not one of the workshop's own."""
    if not found:
        raise RuleError("Please pick one of this workshop's themes.")


def clean_workshop_title(text: str | None) -> str:
    """Trim a workshop title and check its length."""
    title = drop_invisible(text).strip()
    if not title:
        raise RuleError("Please give the workshop a title.")
    if len(title) > WORKSHOP_TITLE_MAX:
        raise RuleError("Please keep it to {max} characters or fewer.", max=WORKSHOP_TITLE_MAX)
    return title


def clean_description(text: str | None) -> str:
    """Trim a workshop description and check its length."""
    description = drop_invisible(text).strip()
    if len(description) > DESCRIPTION_MAX:
        raise RuleError("Please keep the details to {max} characters or fewer.", max=DESCRIPTION_MAX)
    return description


def clean_question_prompt(text: str | None) -> str:
    """Trim a question's wording and check its length."""
    prompt = drop_invisible(text).strip()
    if not prompt:
        raise RuleError("Please write the question.")
    if len(prompt) > QUESTION_MAX:
        raise RuleError("Please keep the question to {max} characters or fewer.", max=QUESTION_MAX)
    return prompt


def check_theme_names(names: list[str]) -> None:
    """Theme names are 1–80 characters and all different."""
    if any(not name or len(name) > THEME_NAME_MAX for name in names):
        raise RuleError("Theme names need 1–80 characters.")
    if len(set(names)) != len(names):
        raise RuleError("Theme names must be different from each other.")


def check_profile_label(label: str) -> None:
    """A profile question needs a label of 1–200 characters."""
    if not label or len(label) > PROFILE_LABEL_MAX:
        raise RuleError("Profile questions need a label of 1–200 characters.")


def check_workshop_settings(changes: dict, known: tuple[str, ...]) -> None:
    """Refuse unknown settings, an unknown status and a priorities limit outside 1–50."""
    if set(changes) - set(known):
        raise RuleError("Unknown workshop setting.")
    if "status" in changes and changes["status"] not in WORKSHOP_STATUSES:
        raise RuleError("Unknown workshop status.")
    limit = changes.get("max_priorities_per_participant", 1)
    if not is_sql_integer(limit, 1) or limit > PRIORITIES_PER_PARTICIPANT_MAX:
        raise RuleError("Priorities per participant must be between 1 and 50.")


def check_may_submit(question: dict, own_count: int, limit: int) -> None:
    """A participant may submit while collecting and under their limit."""
    if question["phase"] != "collecting":
        raise RuleError("Submissions are closed for this question.")
    if own_count >= limit:
        raise RuleError("You have already submitted {limit} priorities, the most allowed.", limit=limit)


def check_may_edit_own(question: dict, priority: dict, participant_id: int) -> None:
    """Authors may edit or withdraw their own priority until voting starts."""
    if priority["participant_id"] != participant_id:
        raise RuleError("You can only change your own priorities.")
    if question["phase"] != "collecting":
        raise RuleError("Priorities can no longer be changed: voting has started.")
    if priority["state"] != "visible":
        raise RuleError("This priority was changed by the facilitator and can no longer be edited.")


def check_may_place_dot(question: dict, priority: dict, used: int, on_item: int) -> None:
    """A dot needs an open vote, a visible priority, budget left and room under the cap."""
    if question["phase"] != "voting":
        raise RuleError("Voting is closed.")
    if priority["question_id"] != question["id"] or priority["state"] != "visible":
        raise RuleError("This priority is no longer on the ballot.")
    if used >= question["dots_per_participant"]:
        raise RuleError("You have used all {budget} of your dots. Remove one to move it.",
                        budget=question["dots_per_participant"])
    if on_item >= question["max_dots_per_item"]:
        raise RuleError("You can put at most {cap} dots on one priority.", cap=question["max_dots_per_item"])


def check_paper_ballot(question: dict, allocation: dict, priorities: dict) -> None:
    """A paper sheet follows the phone's rules: voting has opened, 1 to budget dots, none over the cap,
    only whole non-negative counts, and only priorities on this question's ballot."""
    if question["phase"] not in ("voting", "closed"):
        raise RuleError("Paper ballots can be recorded once voting has opened.")
    for priority_id, count in allocation.items():
        priority = priorities.get(priority_id)
        # A negative count would let the total pass while other priorities get more dots than allowed.
        if priority is None or priority["question_id"] != question["id"] or priority["state"] != "visible" \
                or not is_sql_integer(count):
            raise RuleError("This priority is no longer on the ballot.")
        if count > question["max_dots_per_item"]:
            raise RuleError("You can put at most {cap} dots on one priority.", cap=question["max_dots_per_item"])
    total = sum(allocation.values())
    if total < 1:
        raise RuleError("This ballot has no dots.")
    if total > question["dots_per_participant"]:
        raise RuleError("A ballot can hold at most {budget} dots.", budget=question["dots_per_participant"])


def check_may_remove_dot(question: dict, on_item: int) -> None:
    """A dot can be taken back while voting is open."""
    if question["phase"] != "voting":
        raise RuleError("Voting is closed.")
    if on_item <= 0:
        raise RuleError("There is no dot of yours on this priority.")


def check_paper_sheet(sheet: object, taken: bool) -> None:
    """A paper ballot needs its sheet's number, and each sheet of a question is entered once."""
    if not is_sql_integer(sheet, 1) or sheet > PAPER_SHEETS_MAX:
        raise RuleError("Please enter the sheet number printed on the ballot.")
    if taken:
        raise RuleError("Sheet {sheet} has already been recorded for this question.", sheet=sheet)


def check_transition(current: str, target: str, confirmed: bool = False) -> None:
    """Allow forward phase moves; moving back needs confirmation."""
    if target not in PHASES:
        raise RuleError("Unknown phase.")
    if target in FORWARD_TRANSITIONS[current]:
        return
    if target in BACKWARD_TRANSITIONS[current]:
        if not confirmed:
            raise RuleError("Going back to {phase} needs a confirmation.", phase=target)
        return
    raise RuleError("Cannot move from {current} to {target}.", current=current, target=target)


def check_dot_rules_editable(question: dict) -> None:
    """Dot rules freeze once voting has started."""
    if question["phase"] in ("voting", "closed"):
        raise RuleError("Dot rules are frozen once voting has started.")


DOTS_MAX = 100


def check_dot_rules(dots_per_participant: int, max_dots_per_item: int) -> None:
    """Dot budget must be 1–100 and the per-item cap 1–budget."""
    if not 1 <= dots_per_participant <= DOTS_MAX:
        raise RuleError("Dots per participant must be between 1 and 100.")
    if not 1 <= max_dots_per_item <= dots_per_participant:
        raise RuleError("Dots per priority must be between 1 and the dots per participant.")


MIN_GROUP_MAX = 100  # the largest minimum group size the results page offers
# A group of participants (one answer to a profile question) smaller than this never shows a number:
# not on a screen, not in an export, not as a weight.
MIN_GROUP_DEFAULT = 5


def check_min_group(min_group: int) -> None:
    """The minimum group size for segments is a positive number."""
    if min_group < 1:
        raise RuleError("The minimum group size must be at least 1.")


def is_group_too_small(size: int, min_group: int) -> bool:
    """True for a group whose figures would describe fewer people than the minimum group size."""
    return size < min_group


def could_subtract_hidden(hidden_sizes: list[int], min_group: int) -> bool:
    """True while the hidden groups could be worked out from "all participants" minus the shown groups:
    one hidden group alone, or hidden groups that together hold fewer people than the minimum group size.
    (A single hidden group is always below the minimum, so this also means: never exactly one hidden.)"""
    return bool(hidden_sizes) and (len(hidden_sizes) < 2 or sum(hidden_sizes) < min_group)


# Two priorities whose titles score at least this (0–100, components.duplicates.similarity) are suggested
# as duplicates: high enough that unrelated priorities sharing a word or two stay apart.
DUPLICATE_SIMILARITY_MIN = 75


def check_merge_undoable(record: dict, latest_id: int | None, dots_now: str) -> None:
    """Undo only the latest merge of a question, and only while its dots are exactly as the merge left them."""
    if record["undone_at"] is not None:
        raise RuleError("This merge can no longer be undone.")
    # Merges stack: undoing an older one first would put dots back onto priorities a later merge moved.
    if record["id"] != latest_id:
        raise RuleError("Undo the later merges of this question first.")
    # A vote since would make the restored dots overrun a budget or cap: undo would not be exact.
    if dots_now != record["dots_after"]:
        raise RuleError("Dots have changed since this merge, so it cannot be undone exactly.")


def check_may_disable(user: dict, actor: str, enabled_organisers: int) -> None:
    """Refuse to disable your own account or the last enabled organiser."""
    if user["username"] == actor:
        raise RuleError("You cannot disable your own account.")
    if user["role"] == "organiser" and not user["disabled"] and enabled_organisers <= 1:
        raise RuleError("At least one organiser account must stay enabled.")


# Staff logins slow down instead of locking: a stranger typing wrong passwords for a username must not be able
# to lock its owner out mid-workshop. The first wrong passwords in a row are free (typos); after that each
# further password check of that username waits, doubling from the first delay up to the cap.
LOGIN_FREE_FAILURES = 3
LOGIN_DELAY_FIRST_SECONDS, LOGIN_DELAY_MAX_SECONDS = 2, 30


def login_delay_seconds(failures: int) -> int:
    """Seconds before the next password check of a username after this many wrong passwords in a row."""
    if failures < LOGIN_FREE_FAILURES:
        return 0
    doublings = min(failures - LOGIN_FREE_FAILURES, 16)  # the cap is reached long before; no huge powers
    return min(LOGIN_DELAY_MAX_SECONDS, LOGIN_DELAY_FIRST_SECONDS * 2 ** doublings)


def check_login_wait(seconds_left: int) -> None:
    """Refuse a password check while the username is slowed down (no bcrypt runs)."""
    if seconds_left > 0:
        raise RuleError("Too many wrong passwords for this username. Please wait {seconds} s, then try again.",
                        seconds=seconds_left)


def check_may_export(user: dict | None, session_current: bool) -> None:
    """Exports are for enabled organisers whose login is still current (a deferred build asks again)."""
    if user is None or user["disabled"] or user["role"] != "organiser" or not session_current:
        raise RuleError("This page is for organisers.")


def may_see_results(question: dict) -> bool:
    """Participants see results only when live or revealed (staff always may)."""
    return question["results_visibility"] in ("live", "revealed")


def remembered_participant_cookie(workshop_id: int) -> str:
    """Name of the first-party cookie that holds this browser's participant token for a workshop."""
    return f"hub_w{int(workshop_id)}"
