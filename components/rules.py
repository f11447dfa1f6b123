"""Participation rules as small named predicates, each raising RuleError.

Messages are plain English msgids with named placeholders, so the UI can
translate them (components.i18n) and a participant can read them.
"""

from __future__ import annotations

import re
import secrets

TITLE_MIN, TITLE_MAX = 3, 280
DETAILS_MAX = 2000
NAME_MAX = 80
# No 0/O, 1/I/L: codes are read off a projector and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
# A ballot receipt: 8 characters of the code alphabet (~40 bits, so two ballots of one question practically
# never share one), shown as two groups of 4 so it can be read aloud and written on a paper sheet.
RECEIPT_LENGTH, RECEIPT_GROUP = 8, 4
RECEIPT_SECRET_BYTES = 32
# Paper sheets are numbered 1..PAPER_SHEETS_MAX per question.
PAPER_SHEETS_MAX = 9999
# A browser that joined a workshop keeps its participant this long (one person, one budget: a new
# tab, a rescanned QR or a phone that slept gets the same participant back, not a fresh budget).
REMEMBER_PARTICIPANT_DAYS = 30
# What the browser says about its languages is read only this far (a client can send megabytes).
LANGUAGE_HEADER_MAX, LANGUAGE_TAGS_MAX = 512, 12
PROFILE_ANSWER_MAX = 200
# SQLite integers are signed 64-bit: a larger id from a forged click would raise OverflowError.
SQL_INTEGER_MAX = 2**63 - 1

PHASES = ("draft", "collecting", "voting", "closed")
VISIBILITIES = ("hidden", "live", "revealed")
# Forward moves are free; moving back needs an explicit confirmation.
FORWARD_TRANSITIONS = {
    "draft": {"collecting", "voting"},
    "collecting": {"voting"},
    "voting": {"closed"},
    "closed": set(),
}
BACKWARD_TRANSITIONS = {
    "collecting": {"draft"},
    "voting": {"collecting"},
    "closed": {"voting"},
    "draft": set(),
}


# Control characters break spreadsheets and terminals; bidi overrides make "gnp.exe" read as "exe.png".
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def drop_invisible(text: str | None) -> str:
    """Remove control characters and bidi overrides; everything else stays as written."""
    return _INVISIBLE.sub("", text or "")


class RuleError(ValueError):
    """A rule said no; the message is meant for the person who clicked."""

    def __init__(self, msgid: str, **params: object):
        self.msgid = msgid
        self.params = params
        super().__init__(msgid.format(**params) if params else msgid)


def new_join_code() -> str:
    """Return a random join code of unambiguous characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


TOKEN_MIN_CHARS, TOKEN_MAX_CHARS = 16, 64  # new_token makes 24; anything far outside is not ours
ID_MAX_DIGITS = 12


def is_token_shaped(text: str) -> bool:
    """True for a string that could be a participant token (URL-safe base64, bounded length)."""
    return TOKEN_MIN_CHARS <= len(text) <= TOKEN_MAX_CHARS and \
        all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


def is_id_shaped(text: str) -> bool:
    """True for a string of ASCII digits short enough to be a row id (never an overflowing integer)."""
    return 0 < len(text) <= ID_MAX_DIGITS and text.isascii() and text.isdigit()


def new_token() -> str:
    """Return an unguessable participant token (128+ bits)."""
    return secrets.token_urlsafe(18)


def normalise_code(code: str) -> str:
    """Upper-case a typed join code and drop spaces and dashes."""
    return "".join(ch for ch in (code or "").upper() if not ch.isspace() and ch != "-")[:20]


def clean_title(text: str | None) -> str:
    """Trim a priority title and check its length."""
    title = drop_invisible(text).strip()
    if len(title) < TITLE_MIN:
        raise RuleError("Please write at least {min} characters.", min=TITLE_MIN)
    if len(title) > TITLE_MAX:
        raise RuleError("Please keep it to {max} characters or fewer.", max=TITLE_MAX)
    return title


def clean_details(text: str | None) -> str:
    """Trim optional details and check their length."""
    details = drop_invisible(text).strip()
    if len(details) > DETAILS_MAX:
        raise RuleError("Please keep the details to {max} characters or fewer.", max=DETAILS_MAX)
    return details


def clean_display_name(name: str | None, allow_anonymous: bool) -> str | None:
    """Trim a display name; require one when the workshop is not anonymous."""
    cleaned = drop_invisible(name).strip()
    if not cleaned:
        if not allow_anonymous:
            raise RuleError("Please enter your name to join this workshop.")
        return None
    if len(cleaned) > NAME_MAX:
        raise RuleError("Please keep your name to {max} characters or fewer.", max=NAME_MAX)
    return cleaned


def check_workshop_open(workshop: dict) -> None:
    """Refuse anything on a finished workshop."""
    if workshop["status"] != "open":
        raise RuleError("This workshop has ended.")


def check_typed_code(workshop: dict, typed_code: str) -> None:
    """Refuse an irreversible step (delete, anonymise) unless the workshop's join code was typed."""
    if normalise_code(typed_code) != workshop["code"]:
        raise RuleError("Type the join code {code} to confirm.", code=workshop["code"])


def check_not_anonymised(workshop: dict) -> None:
    """Refuse to change an anonymised workshop."""
    if workshop["status"] == "anonymised":
        raise RuleError("This workshop is already anonymised.")


# Join codes and join forms a session may submit per window: enough for typos, too few to guess codes.
JOIN_ATTEMPTS_MAX, JOIN_WINDOW_SECONDS = 10, 60


def check_join_rate(recent_attempts: int) -> None:
    """Refuse a join attempt past the per-session limit."""
    if recent_attempts >= JOIN_ATTEMPTS_MAX:
        raise RuleError("Too many tries. Please wait a minute and try again.")


def check_code_joinable(workshop: dict | None, code: str) -> None:
    """Refuse a code no open workshop has; ended and unknown codes get the same answer."""
    check_code_found(workshop if workshop is not None and workshop["status"] == "open" else None, code)


def check_code_found(workshop: dict | None, code: str) -> None:
    """Refuse a join code no workshop has."""
    if workshop is None:
        raise RuleError("No workshop has the code {code}. Please check it and try again.",
                        code=normalise_code(code) or "—")


def check_profile_answer(profile_question: dict, value: str) -> None:
    """Require required answers and refuse options that were not offered."""
    if not value:
        if profile_question["required"]:
            raise RuleError("Please answer: {label}", label=profile_question["label"])
    elif profile_question["options"] and value not in profile_question["options"]:
        raise RuleError("Please pick one of the offered answers for: {label}", label=profile_question["label"])


def check_own_workshop(question: dict | None, participant: dict) -> None:
    """Refuse a question of another workshop (or none)."""
    if question is None or question["workshop_id"] != participant["workshop_id"]:
        raise RuleError("This question is not part of your workshop.")


def check_priority_exists(priority: dict | None) -> None:
    """Refuse a priority that was deleted."""
    if priority is None:
        raise RuleError("This priority no longer exists.")


def check_on_ballot(priority: dict | None) -> None:
    """Refuse a dot on a priority that is not on the ballot (deleted, or never there)."""
    if priority is None:
        raise RuleError("This priority is no longer on the ballot.")


def is_sql_integer(value: object, minimum: int = 0) -> bool:
    """True for a real int (not bool) that SQLite can store."""
    return type(value) is int and minimum <= value <= SQL_INTEGER_MAX


def check_ballot_click(click: object) -> None:
    """Refuse a malformed click {priority, action, shown} from a phone like a vanished priority."""
    if not isinstance(click, dict) or click.get("action") not in ("add", "remove") \
            or not is_sql_integer(click.get("priority"), 1) or not is_sql_integer(click.get("shown")):
        raise RuleError("This priority is no longer on the ballot.")


def check_settings_change(workshop: dict, changed: set[str], actor_role: str | None) -> None:
    """Anonymised workshops never change; only organisers (or the command line) finish or reopen one;
    a finished workshop changes nothing but its status."""
    if not changed:
        return
    check_not_anonymised(workshop)
    if "status" in changed and actor_role not in (None, "organiser"):
        raise RuleError("Only organisers can finish or reopen a workshop.")
    if workshop["status"] != "open" and changed - {"status"}:
        raise RuleError("This workshop has ended.")


# ---------------------------------------------------------------- workshop set-up (staff)

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


def check_min_group(min_group: int) -> None:
    """The minimum group size for segments is a positive number."""
    if min_group < 1:
        raise RuleError("The minimum group size must be at least 1.")


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


# ---------------------------------------------------------------- importing survey priorities (staff)

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
