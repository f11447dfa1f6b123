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


# Origins that may show the app inside their own page (a video-call side panel), from HUB_FRAME_ANCESTORS:
# https only, a host name (a "*." first label only before at least two more labels) and an optional port;
# no path, no keyword, no http, so a typo can never open framing to every site.
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
FRAME_ANCESTOR_PATTERN = re.compile(
    rf"https://(?:\*\.{_HOST_LABEL}(?:\.{_HOST_LABEL})+|{_HOST_LABEL}(?:\.{_HOST_LABEL})*)(?::(?P<port>[0-9]{{1,5}}))?")
FRAME_ANCESTORS_MAX = 20


def is_frame_ancestor(origin: str) -> bool:
    """True for an https origin another site may frame the app from, e.g. https://teams.microsoft.com."""
    match = FRAME_ANCESTOR_PATTERN.fullmatch(origin)
    return match is not None and (match["port"] is None or 1 <= int(match["port"]) <= 65535)


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


# A phone's requests to the ballot routes per window: a person taps a few times a second at most, and a
# phone that kept taps offline sends them in a row; past this a token is told to wait (bounds a flood).
TAPS_MAX, TAP_WINDOW_SECONDS = 40, 10
TAP_BODY_MAX_BYTES = 512  # a tap is {question, priority, action, shown}: under 100 bytes
FEEDS_MAX = 4  # open feeds (GET /api/feed) per participant: a few tabs of one phone
FEEDS_PER_PROCESS_MAX = 5000  # open feeds per server process, whoever asks


def check_tap_rate(recent_taps: int) -> None:
    """Refuse a phone's request to the ballot routes past the per-participant limit."""
    if recent_taps >= TAPS_MAX:
        raise RuleError("Too many taps at once. Please wait a few seconds.")


def check_same_site(origin_matches: bool) -> None:
    """Refuse a ballot request that another web site made the browser send."""
    if not origin_matches:
        raise RuleError("This request did not come from this site, so it was refused.")


def check_participant_found(participant: dict | None) -> None:
    """Refuse a request whose participant link is unknown (forged, or its workshop was deleted)."""
    if participant is None:
        raise RuleError("This link is not valid. Please join again with the workshop's code.")


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


# ---------------------------------------------------------------- representation (the network's membership mix)

# A group is flagged when its share of the voters differs from its share of the membership by more than this
# many percentage points (the organiser can choose another margin, up to the maximum).
REPRESENTATION_MARGIN_DEFAULT, REPRESENTATION_MARGIN_MAX = 5, 50
# A weight above this means a few voices stand in for many members: the page and report mark it.
REPRESENTATION_WEIGHT_WARN = 3.0
MEMBERSHIP_ROWS_MAX = 300
MEMBERSHIP_FILE_BYTES_MAX = 200_000
MEMBERSHIP_COUNT_MAX = 10**9
# Shares are typed in per cent and rounded by people: 33.3 + 33.3 + 33.3 must pass, 97 must not.
MEMBERSHIP_SHARE_TOLERANCE = 0.5
MEMBERSHIP_UNITS = ("count", "share")


def check_membership_file(size: int) -> None:
    """A membership file is a small CSV."""
    if size > MEMBERSHIP_FILE_BYTES_MAX:
        raise RuleError("The file is too large: a membership list is at most {kb} KB.",
                        kb=MEMBERSHIP_FILE_BYTES_MAX // 1000)


def check_membership_dimension(text: str, aliases: dict[str, str]) -> str:
    """The kind of group is one the mix knows (by its key or a label, any case); returns its key."""
    key = aliases.get(drop_invisible(str(text or "")).strip().casefold())
    if key is None:
        raise RuleError("“{value}” is not one of: {names}.", value=str(text)[:40],
                        names=", ".join(dict.fromkeys(aliases.values())))
    return key


def check_membership_columns(columns: list[str]) -> None:
    """A membership file has the columns dimension and group, and count or share (or both)."""
    if "dimension" not in columns or "group" not in columns or not set(MEMBERSHIP_UNITS) & set(columns):
        raise RuleError("The file needs the columns dimension, group and count or share.")


def check_membership_unit(unit: str, earlier: str | None, label: str) -> None:
    """One kind of group is given all in counts or all in shares."""
    if earlier is not None and unit != earlier:
        raise RuleError("{label}: give every row as a count or every row as a share, not both.", label=label)


def check_membership_group(group: str, options: list[str] | None, label: str) -> str:
    """A group is named, and is one of the answers the workshop offers (spelt as offered); returns that spelling."""
    name = drop_invisible(str(group or "")).strip()
    if not name:
        raise RuleError("The group is empty.")
    if options is None:
        raise RuleError("This workshop does not ask for: {label}", label=label)
    if not options:
        return name[:PROFILE_ANSWER_MAX]
    spelt = {option.casefold(): option for option in options}
    if name.casefold() not in spelt:
        raise RuleError("“{group}” is not one of the answers this workshop offers.", group=name[:80])
    return spelt[name.casefold()]


def check_membership_amount(unit: str, text: object) -> float:
    """A count is a whole number above 0; a share is a per cent above 0 and at most 100 (12.5, 12,5 or 12.5 %)."""
    # "1 200" is how much of the region writes thousands; "1,200" or "1.200" becomes 1.2 and is refused as a count.
    raw = re.sub(r"[\s\u00a0\u202f_']", "", str(text if text is not None else "")).removesuffix("%").replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        raise RuleError("“{value}” is not a number.", value=str(text)[:40]) from None
    if unit == "count" and (not value.is_integer() or not 0 < value <= MEMBERSHIP_COUNT_MAX):
        raise RuleError("A count is a whole number of members above 0.")
    if unit == "share" and not 0 < value <= 100:
        raise RuleError("A share is a per cent above 0 and at most 100.")
    return value


def check_membership_total(unit: str, total: float, label: str) -> None:
    """Shares of one kind of group add up to 100 per cent (within rounding)."""
    if unit == "share" and abs(total - 100) > MEMBERSHIP_SHARE_TOLERANCE:
        raise RuleError("{label}: the shares add up to {total} %, not 100 %.", label=label, total=round(total, 2))


def check_membership_rows(problems: list, rows: int) -> None:
    """A membership mix is taken whole or not at all: refuse it while any row has a problem."""
    if rows > MEMBERSHIP_ROWS_MAX:
        raise RuleError("A membership list has at most {max} rows.", max=MEMBERSHIP_ROWS_MAX)
    if problems:
        error = RuleError("Nothing was saved: fix these rows and try again.")
        error.problems = problems  # (row number or None, RuleError) pairs, shown one per line
        raise error


def is_beyond_margin(gap_points: float, margin_points: float) -> bool:
    """A group is under- or over-represented when its gap is more than the margin (a gap at the margin is not)."""
    return abs(round(gap_points, 6)) > margin_points



# ---------------------------------------------------------------- who may join (seats, cap, joining switch)

SEAT_MODES = ("open", "codes", "registered")
# 8 characters of the code alphabet (31^8 ≈ 8.5e11): with 1000 seats a guess hits one at odds of 1 in 8.5e8.
SEAT_CODE_LENGTH, SEAT_CODE_GROUP, SEAT_PARAM_MAX = 8, 4, 40  # ?seat= is cut to 40 before it is looked at
SEATS_PER_BATCH_MAX, SEATS_PER_WORKSHOP_MAX, PARTICIPANT_CAP_MAX = 1000, 5000, 5000
REGISTRATION_ROWS_MAX, REGISTRATION_BYTES_MAX, EMAIL_MAX = SEATS_PER_BATCH_MAX, 2_000_000, 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The Run page warns when this many phones joined within the last minute. One person stuffing the ballot
# opens window after window (issue 13's reproduction made 40 joins in about a minute); a room arriving at the
# door joins fast too, so this only warns, names both causes, and a person decides. 15 a minute is a join
# every 4 s: more than a queue scanning one QR code at the door keeps up once the first rush is over.
JOIN_SPIKE_PER_MINUTE, JOIN_SPIKE_WINDOW_SECONDS = 15, 60


def is_join_spike(joined_last_minute: int) -> bool:
    """True when joins within the last minute reach the spike limit."""
    return joined_last_minute >= JOIN_SPIKE_PER_MINUTE


def normalise_seat_code(text: object) -> str:
    """A seat code as typed or taken from the URL: bounded first, then upper-cased without spaces and dashes."""
    return normalise_code(text[:SEAT_PARAM_MAX]) if isinstance(text, str) else ""


def is_seat_code_shaped(code: str) -> bool:
    """True for exactly SEAT_CODE_LENGTH characters of the code alphabet."""
    return len(code) == SEAT_CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


def check_joining_open(workshop: dict, joined: int) -> None:
    """Refuse a new participant while joining is closed or the workshop's cap is reached."""
    if not workshop["joining_open"]:
        raise RuleError("Joining this workshop is closed. Please ask the facilitator.")
    if workshop["participant_cap"] is not None and joined >= workshop["participant_cap"]:
        raise RuleError("This workshop is full. Please ask the facilitator.")


def check_seat_claimable(workshop: dict, seat: dict | None, code: str) -> None:
    """In a seat mode a join needs a seat, and a seat works once: unknown, voided and used seats are refused."""
    if not code and workshop["seat_mode"] == "registered":
        raise RuleError("This workshop is for registered attendees: please open your personal link.")
    if not code:
        raise RuleError("This workshop needs a seat code: it is on the card you were given at the door.")
    if seat is None:
        raise RuleError("No seat has the code {code}. Please check it or ask the facilitator.", code=code[:12])
    check_seat_live(seat)
    if seat["claimed_at"] is not None:
        raise RuleError("This seat is already in use on another device. Please ask the facilitator.")


def check_seat_live(seat: dict | None) -> None:
    """Refuse a seat that was voided (or is gone)."""
    if seat is None or seat["voided_at"] is not None:
        raise RuleError("This seat is no longer valid. Please ask the facilitator for a new one.")


def check_seat_mode(mode: str, phones_without_seat: int) -> None:
    """A known mode; seats can be required only while no phone has joined without one."""
    if mode not in SEAT_MODES:
        raise RuleError("Unknown seat mode.")
    if mode != "open" and phones_without_seat:
        raise RuleError("Phones have already joined without a seat ({n}): seats can be required only before "
                        "anyone joins.", n=phones_without_seat)


def check_organiser(actor_role: str | None) -> None:
    """Seat modes, seat sheets and registration lists are the organiser's (or the command line's)."""
    if actor_role not in (None, "organiser"):
        raise RuleError("This page is for organisers.")


def check_seat_batch(count: object, existing: int) -> None:
    """Seats come 1 to SEATS_PER_BATCH_MAX at a time, up to SEATS_PER_WORKSHOP_MAX per workshop."""
    if not is_sql_integer(count, 1) or count > SEATS_PER_BATCH_MAX or existing + count > SEATS_PER_WORKSHOP_MAX:
        raise RuleError("Seats are made 1 to {max} at a time.", max=SEATS_PER_BATCH_MAX)


def check_participant_cap(cap: object) -> None:
    """A cap is empty (no cap) or 1 to PARTICIPANT_CAP_MAX."""
    if cap is not None and (not is_sql_integer(cap, 1) or cap > PARTICIPANT_CAP_MAX):
        raise RuleError("The participant cap must be between 1 and {max}.", max=PARTICIPANT_CAP_MAX)


def check_shared_device(workshop: dict) -> None:
    """Switching person on one phone is offered only where the facilitator allowed it."""
    if not workshop["allow_shared_device"]:
        raise RuleError("This workshop does not allow switching person on one phone.")


def clean_registration(name: object, email: object, seen: set[str]) -> tuple[str, str]:
    """One attendee of a registration list: a name of 1–80 characters and an e-mail address not seen before."""
    name, email = (drop_invisible(v if isinstance(v, str) else "").strip() for v in (name, email))
    if not name or len(name) > NAME_MAX:
        raise RuleError("the name is missing or longer than {max} characters", max=NAME_MAX)
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise RuleError("the e-mail address is not valid")
    if email.casefold() in seen:
        raise RuleError("the e-mail address appears twice")
    return name, email


def check_registration_answer(label: str, value: str, options: list[str]) -> None:
    """A registration answer must be one the workshop's profile question offers (or empty)."""
    if value and options and value not in options:
        raise RuleError("{label}: not one of the offered answers", label=label)


def check_registration_list(size: int, rows: int, missing: list[str]) -> None:
    """A registration list has name and e-mail columns, some rows, and stays under the size limits."""
    if missing:
        raise RuleError("The list needs these columns: {columns}.", columns=", ".join(missing))
    if size > REGISTRATION_BYTES_MAX or not 0 < rows <= REGISTRATION_ROWS_MAX:
        raise RuleError("The list must have 1 to {max} attendees.", max=REGISTRATION_ROWS_MAX)


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
