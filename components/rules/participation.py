"""Participation rules (codes, joining, priorities, dots, receipts, paper sheets) and RuleError itself.

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


def check_feed_room(own_feeds: int, process_feeds: int) -> None:
    """Refuse another feed to a phone holding FEEDS_MAX, or to anyone once the process holds FEEDS_PER_PROCESS_MAX."""
    if own_feeds >= FEEDS_MAX or process_feeds >= FEEDS_PER_PROCESS_MAX:
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
