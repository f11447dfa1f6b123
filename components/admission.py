"""Who may join a workshop: the joining switch, the participant cap, closing joining when voting opens, the
shared-phone choice, and the joins the Run page watches. No Streamlit here.

The join itself (participation.join_workshop) checks these inside its BEGIN IMMEDIATE, so twenty phones
joining at once can never overshoot the cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from components import audit, auth, rules, workshops
from components.rules import RuleError
from components.storage import fetch_value, immediate

JOIN_SETTINGS = ("joining_open", "close_joining_on_voting", "participant_cap", "allow_shared_device")
SWITCHES = ("joining_open", "close_joining_on_voting", "allow_shared_device")


def update_join_settings(db, workshop_id: int, actor: str, **changes) -> None:
    """Open or close joining, set the cap (None: no cap), close-on-voting and the shared-phone choice."""
    if set(changes) - set(JOIN_SETTINGS):
        raise RuleError("Unknown workshop setting.")
    cleaned = {key: int(bool(value)) if key in SWITCHES else value for key, value in changes.items()}
    if "participant_cap" in cleaned:
        rules.check_participant_cap(cleaned["participant_cap"])
    with immediate(db):
        workshop = workshops.require_open_workshop(db, workshop_id)
        cleaned = {key: value for key, value in cleaned.items() if workshop[key] != value}
        actor_user = auth.get_user(db, actor)
        rules.check_settings_change(workshop, set(cleaned), actor_user["role"] if actor_user else None)
        if not cleaned:
            return
        assignments = ", ".join(f"{key} = ?" for key in cleaned)
        db.conn.execute(f"UPDATE workshop SET {assignments} WHERE id = ?", (*cleaned.values(), workshop_id))
        audit.record(db, actor, "workshop.joining", workshop_id, **cleaned)


def close_joining_for_voting(db, workshop_id: int, actor: str) -> bool:
    """Inside a phase change to voting: close joining when the workshop asked for it; True if it closed now."""
    closed = db.conn.execute("UPDATE workshop SET joining_open = 0 WHERE id = ? AND joining_open = 1"
                             " AND close_joining_on_voting = 1", (workshop_id,)).rowcount
    if closed:
        audit.record(db, actor, "workshop.joining", workshop_id, joining_open=0, reason="voting opened")
    return bool(closed)


def count_phones(db, workshop_id: int) -> int:
    """Phones that joined the workshop (paper ballots are not people in the room's count)."""
    return fetch_value(db, "SELECT count(*) FROM participant WHERE workshop_id = ? AND kind = 'phone'", (workshop_id,))


def count_phones_without_seat(db, workshop_id: int) -> int:
    """Phones that joined without ever holding a seat."""
    return fetch_value(db, "SELECT count(*) FROM participant p WHERE p.workshop_id = ? AND p.kind = 'phone'"
                           " AND NOT EXISTS (SELECT 1 FROM seat s WHERE s.participant_id = p.id)", (workshop_id,))


def since_iso(now: datetime, seconds: int) -> str:
    """A moment `seconds` before now, written as participant.joined_at is (UTC, milliseconds, Z)."""
    return (now - timedelta(seconds=seconds)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def list_join_warnings(workshop: dict, joined: int, joined_last_minute: int) -> list[str]:
    """What the Run page warns about: 'over_cap', 'cap_reached' and 'spike' (rules.is_join_spike)."""
    warnings = []
    cap = workshop["participant_cap"]
    if cap is not None and joined > cap:
        warnings.append("over_cap")  # the cap was lowered below the room already in
    elif cap is not None and joined == cap:
        warnings.append("cap_reached")
    if rules.is_join_spike(joined_last_minute):
        warnings.append("spike")
    return warnings
