"""Who may join: seat modes, seat codes, the registration list, the participant cap and the joining switch."""

from __future__ import annotations

import re

from components.rules.participation import CODE_ALPHABET, NAME_MAX, RuleError, drop_invisible, is_sql_integer, normalise_code

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
