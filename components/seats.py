"""Seats, for votes that must be one person, one budget. No Streamlit here.

Per workshop the organiser picks a mode: open (anyone with the join code), seat codes (one-time codes printed
for the door) or a registered list (one personal link per attendee). A seat is claimed once, inside the join's
BEGIN IMMEDIATE (participation.join_workshop): the first browser becomes its participant, every later one is
refused. Voiding a seat stops its code and the device that holds it; reissuing gives the same seat number a
fresh code that continues the same participant (their dots stay: one person, one budget).
"""

from __future__ import annotations

import json
import secrets

from components import admission, audit, auth, registration, rules, workshops
from components.storage import fetch_all, fetch_one, fetch_value, immediate

# How exports and the report name each mode (English, like the rest of an export).
SEAT_MODE_NAMES = {"open": "open (anyone with the join code)", "codes": "seat codes", "registered": "registered list"}
NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


def format_seat_code(code: str) -> str:
    """A seat code as printed and read aloud: two groups of four, e.g. 'K7QX-4M2P'."""
    return f"{code[:rules.SEAT_CODE_GROUP]}-{code[rules.SEAT_CODE_GROUP:]}" if code else ""


def _new_code(db) -> str:
    """Draw seat codes until one is free."""
    while True:
        code = "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.SEAT_CODE_LENGTH))
        if fetch_value(db, "SELECT 1 FROM seat WHERE code = ?", (code,)) is None:
            return code


def _organiser_workshop(db, workshop_id: int, actor: str) -> dict:
    """An open workshop, for an organiser's (or the command line's) seat action; otherwise refuse."""
    user = auth.get_user(db, actor)
    rules.check_organiser(user["role"] if user else None)
    return workshops.require_open_workshop(db, workshop_id)


def set_seat_mode(db, workshop_id: int, mode: str, actor: str) -> None:
    """Choose open, seat codes or a registered list; seats can be required only before anyone joined without one."""
    with immediate(db):
        workshop = _organiser_workshop(db, workshop_id, actor)
        rules.check_seat_mode(mode, admission.count_phones_without_seat(db, workshop_id))
        if workshop["seat_mode"] != mode:
            db.conn.execute("UPDATE workshop SET seat_mode = ? WHERE id = ?", (mode, workshop_id))
            audit.record(db, actor, "workshop.seat_mode", workshop_id, old=workshop["seat_mode"], new=mode)


def _next_number(db, workshop_id: int) -> int:
    """The next free seat number of a workshop."""
    return fetch_value(db, "SELECT coalesce(max(number), 0) + 1 FROM seat WHERE workshop_id = ?", (workshop_id,))


def create_seat_codes(db, workshop_id: int, count: int, actor: str) -> dict:
    """Make `count` more one-time seat codes, numbered on from the last; returns {"first", "last"}."""
    with immediate(db):
        _organiser_workshop(db, workshop_id, actor)
        rules.check_seat_batch(count, fetch_value(db, "SELECT count(*) FROM seat WHERE workshop_id = ?", (workshop_id,)))
        first = _next_number(db, workshop_id)
        for number in range(first, first + count):
            db.conn.execute("INSERT INTO seat (workshop_id, number, kind, code) VALUES (?, ?, 'code', ?)",
                            (workshop_id, number, _new_code(db)))
        audit.record(db, actor, "seat.create", workshop_id, count=count, first=first, last=first + count - 1)
    return {"first": first, "last": first + count - 1}


def import_registrations(db, workshop_id: int, data: bytes, actor: str) -> dict:
    """Add a seat with a personal link for every attendee of a registration CSV; one bad row and none is added."""
    with immediate(db):
        _organiser_workshop(db, workshop_id, actor)
        known = {row["email"] for row in fetch_all(db, "SELECT email FROM seat WHERE workshop_id = ? AND email IS NOT NULL"
                                                       " AND voided_at IS NULL", (workshop_id,))}
        attendees = registration.parse_registrations(data, workshops.list_profile_questions(db, workshop_id), known)
        rules.check_seat_batch(len(attendees), fetch_value(db, "SELECT count(*) FROM seat WHERE workshop_id = ?",
                                                            (workshop_id,)))
        first = _next_number(db, workshop_id)
        for number, person in enumerate(attendees, start=first):
            db.conn.execute("INSERT INTO seat (workshop_id, number, kind, code, name, email, profile)"
                            " VALUES (?, ?, 'registered', ?, ?, ?, ?)",
                            (workshop_id, number, _new_code(db), person["name"], person["email"],
                             json.dumps(person["profile"], ensure_ascii=False)))
        # Counts only: names and e-mails stay out of the audit log.
        audit.record(db, actor, "seat.import", workshop_id, count=len(attendees), first=first)
    return {"count": len(attendees)}


def find_seat(db, workshop_id: int, code: str) -> dict | None:
    """The seat of this workshop with this (normalised) code, or None."""
    return fetch_one(db, "SELECT * FROM seat WHERE workshop_id = ? AND code = ?", (workshop_id, code)) if code else None


def seat_for_join(db, workshop: dict, seat_code: str) -> dict | None:
    """The seat a join claims (None in open mode); refuses a missing, unknown, voided or used seat."""
    if workshop["seat_mode"] == "open":
        return None
    code = rules.normalise_seat_code(seat_code)
    seat = find_seat(db, workshop["id"], code) if rules.is_seat_code_shaped(code) else None
    rules.check_seat_claimable(workshop, seat, code)
    return seat


def claim_seat(db, seat: dict, participant_id: int) -> None:
    """Bind a seat to the participant who just joined with it (inside the join's transaction)."""
    db.conn.execute(f"UPDATE seat SET participant_id = ?, claimed_at = {NOW_SQL} WHERE id = ? AND claimed_at IS NULL",
                    (participant_id, seat["id"]))


def continue_seat(db, seat: dict) -> str:
    """Claim a reissued seat: its participant gets a fresh token (the old device stays locked out); returns it."""
    token = rules.new_token()
    db.conn.execute("UPDATE participant SET token = ? WHERE id = ?", (token, seat["participant_id"]))
    db.conn.execute(f"UPDATE seat SET claimed_at = {NOW_SQL} WHERE id = ?", (seat["id"],))
    return token


def _live_seat(db, workshop_id: int, number: int) -> dict | None:
    """The seat with this number that has not been voided."""
    return fetch_one(db, "SELECT * FROM seat WHERE workshop_id = ? AND number = ? AND voided_at IS NULL",
                     (workshop_id, number)) if rules.is_sql_integer(number, 1) else None


def _void(db, seat: dict) -> None:
    """Void a seat: its code stops working, and the device holding its participant is logged out."""
    db.conn.execute(f"UPDATE seat SET voided_at = {NOW_SQL} WHERE id = ?", (seat["id"],))
    if seat["participant_id"] is not None:
        db.conn.execute("UPDATE participant SET token = NULL WHERE id = ?", (seat["participant_id"],))


def void_seat(db, workshop_id: int, number: int, actor: str) -> None:
    """Void seat `number`: nobody can claim it any more; dots already placed stay counted."""
    with immediate(db):
        workshops.require_open_workshop(db, workshop_id)
        seat = _live_seat(db, workshop_id, number)
        rules.check_seat_live(seat)
        _void(db, seat)
        audit.record(db, actor, "seat.void", workshop_id, number=number, claimed=seat["claimed_at"] is not None)


def reissue_seat(db, workshop_id: int, number: int, actor: str) -> dict:
    """Give seat `number` a fresh code (voiding the current one); it continues the seat's participant, if any."""
    with immediate(db):
        workshops.require_open_workshop(db, workshop_id)
        latest = fetch_one(db, "SELECT * FROM seat WHERE workshop_id = ? AND number = ? ORDER BY id DESC LIMIT 1",
                           (workshop_id, number)) if rules.is_sql_integer(number, 1) else None
        if latest is None:
            rules.check_seat_live(None)
        if latest["voided_at"] is None:
            _void(db, latest)
        cur = db.conn.execute(
            "INSERT INTO seat (workshop_id, number, kind, code, name, email, profile, participant_id, reissued_from)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (workshop_id, number, latest["kind"], _new_code(db), latest["name"], latest["email"], latest["profile"],
             latest["participant_id"], latest["id"]))
        audit.record(db, actor, "seat.reissue", workshop_id, number=number,
                     continues_participant=latest["participant_id"] is not None)
    return fetch_one(db, "SELECT * FROM seat WHERE id = ?", (cur.lastrowid,))


def seat_problem(db, workshop: dict, seat_code: str):
    """What a join with this seat would be refused for right now (a RuleError), or None; reads only."""
    try:
        seat = seat_for_join(db, workshop, seat_code)
        if seat is None or seat["participant_id"] is None:
            rules.check_joining_open(workshop, admission.count_phones(db, workshop["id"]))
    except rules.RuleError as exc:
        return exc
    return None


def list_seats(db, workshop_id: int) -> list[dict]:
    """Every seat row, current ones first by number, with its state: 'free', 'used', 'reissued' or 'voided'."""
    rows = fetch_all(db, "SELECT id, number, kind, code, name, email, profile, participant_id, claimed_at, voided_at,"
                         " reissued_from FROM seat WHERE workshop_id = ? ORDER BY voided_at IS NOT NULL, number, id DESC",
                     (workshop_id,))
    for row in rows:
        row["state"] = ("voided" if row["voided_at"] else "used" if row["claimed_at"]
                        else "reissued" if row["participant_id"] else "free")
        row["profile"] = json.loads(row["profile"])
    return rows


def summarise_seats(db, workshop_id: int) -> dict:
    """What exports state: the mode, seats issued (every code made), voided, used (people who got in by a seat)
    and phones that joined without one."""
    row = fetch_one(db, "SELECT w.seat_mode AS mode, count(s.id) AS issued, count(s.voided_at) AS voided,"
                        " count(DISTINCT CASE WHEN s.claimed_at IS NOT NULL THEN s.participant_id END) AS used"
                        " FROM workshop w LEFT JOIN seat s ON s.workshop_id = w.id WHERE w.id = ?", (workshop_id,))
    row["joined_without_seat"] = admission.count_phones_without_seat(db, workshop_id)
    return row


def summary_rows(summary: dict) -> list[tuple[str, object]]:
    """The seat mode and how many seats were issued, voided and used, as an export's summary rows."""
    return [("Seat mode", SEAT_MODE_NAMES[summary["mode"]]), ("Seats issued", summary["issued"]),
            ("Seats voided", summary["voided"]), ("Seats used", summary["used"]),
            ("Phones joined without a seat", summary["joined_without_seat"])]


def registered_names(db, workshop_id: int) -> dict[int, str]:
    """Participant id -> the name on the registration list (for exports that include names)."""
    return {row["participant_id"]: row["name"] for row in fetch_all(
        db, "SELECT participant_id, name FROM seat WHERE workshop_id = ? AND participant_id IS NOT NULL"
            " AND name IS NOT NULL ORDER BY id", (workshop_id,))}


def forget_people(db, workshop_id: int) -> list[str]:
    """For anonymising (inside its transaction): drop registered names, e-mails, profiles and seat codes;
    return the names and e-mails, so the audit redaction can look for them too."""
    people = fetch_all(db, "SELECT name, email FROM seat WHERE workshop_id = ?", (workshop_id,))
    db.conn.execute("UPDATE seat SET name = NULL, email = NULL, profile = '{}', code = NULL WHERE workshop_id = ?",
                    (workshop_id,))
    return [text for person in people for text in (person["name"], person["email"]) if text]
