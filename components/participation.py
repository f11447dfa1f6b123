"""What a participant does: join, submit and edit their own priorities, place and remove dots.

Every write re-checks its rule (components.rules) inside BEGIN IMMEDIATE, so two taps or two tabs
cannot spend one budget twice.
"""

from __future__ import annotations

import hashlib
import json

from components import admission, rules, seats, workshops
from components.storage import fetch_all, fetch_one, fetch_value, immediate


def join_workshop(db, code: str, display_name: str | None = None, profile: dict | None = None,
                  language: str | None = None, seat_code: str | None = None) -> dict:
    """Create a participant in the workshop with this code and return it (with its token).

    Under BEGIN IMMEDIATE: the joining switch, the cap and a seat (in a seat mode) are checked and taken in
    one transaction, so concurrent joins never overshoot the cap or share a seat. A reissued seat continues
    its participant instead (profile answers from a registration list pre-fill `profile` when it is None).
    """
    with immediate(db):
        workshop = workshops.find_workshop_by_code(db, code)
        rules.check_code_joinable(workshop, code)
        seat = seats.seat_for_join(db, workshop, seat_code)
        if seat is not None and seat["participant_id"] is not None:
            token = seats.continue_seat(db, seat)
        else:
            rules.check_joining_open(workshop, admission.count_phones(db, workshop["id"]))
            name = rules.clean_display_name(display_name, bool(workshop["allow_anonymous"]))
            prefill = json.loads(seat["profile"]) if seat is not None else {}
            answers = check_profile(workshops.list_profile_questions(db, workshop["id"]),
                                    prefill if profile is None else profile)
            token = rules.new_token()
            cur = db.conn.execute(
                "INSERT INTO participant (workshop_id, token, display_name, profile, language) VALUES (?, ?, ?, ?, ?)",
                (workshop["id"], token, name, json.dumps(answers, ensure_ascii=False), language))
            if seat is not None:
                seats.claim_seat(db, seat, cur.lastrowid)
    return get_participant(db, token)


def check_profile(questions: list[dict], answers: dict) -> dict:
    """Keep known answers, require required ones, and refuse options not offered."""
    cleaned = {}
    for pq in questions:
        value = (answers.get(pq["key"]) or "").strip()
        rules.check_profile_answer(pq, value)
        if value:
            cleaned[pq["key"]] = value[:rules.PROFILE_ANSWER_MAX]
    return cleaned


def get_participant(db, token: str | None) -> dict | None:
    """Return the participant with this token, or None."""
    if not token:
        return None
    return fetch_one(db, "SELECT * FROM participant WHERE token = ?", (token,))


def set_participant_language(db, participant_id: int, language: str) -> None:
    """Remember a participant's interface language."""
    db.conn.execute("UPDATE participant SET language = ? WHERE id = ?", (language, participant_id))
    db.conn.commit()


def _question_for(db, participant: dict, question_id: int) -> dict:
    """Return a question of the participant's own workshop, or refuse."""
    question = workshops.get_question(db, question_id)
    rules.check_own_workshop(question, participant)
    workshop = workshops.get_workshop(db, question["workshop_id"])
    rules.check_workshop_open(workshop)
    return question


def submit_priority(db, participant: dict, question_id: int, title: str, details: str = "",
                    theme_id: int | None = None) -> int:
    """Add a participant's priority while the question is collecting."""
    title, details = rules.clean_title(title), rules.clean_details(details)
    with immediate(db):
        question = _question_for(db, participant, question_id)
        workshop = workshops.get_workshop(db, question["workshop_id"])
        own = count_own_priorities(db, question_id, participant["id"])
        rules.check_may_submit(question, own, workshop["max_priorities_per_participant"])
        workshops.check_theme(db, question["workshop_id"], theme_id)
        cur = db.conn.execute(
            "INSERT INTO priority (question_id, participant_id, title, details, theme_id) VALUES (?, ?, ?, ?, ?)",
            (question_id, participant["id"], title, details, theme_id),
        )
    return cur.lastrowid


def count_own_priorities(db, question_id: int, participant_id: int) -> int:
    """Count a participant's own live submissions to a question."""
    return fetch_value(db, "SELECT count(*) FROM priority WHERE question_id = ? AND participant_id = ?"
                           " AND state != 'merged'", (question_id, participant_id))


def list_own_priorities(db, question_id: int, participant_id: int) -> list[dict]:
    """Return a participant's own submissions to a question."""
    return fetch_all(db, "SELECT p.*, t.name AS theme FROM priority p LEFT JOIN theme t ON t.id = p.theme_id"
                         " WHERE p.question_id = ? AND p.participant_id = ? ORDER BY p.id",
                     (question_id, participant_id))


def edit_own_priority(db, participant: dict, priority_id: int, title: str, details: str = "",
                      theme_id: int | None = None) -> None:
    """Let an author change their priority until voting starts."""
    title, details = rules.clean_title(title), rules.clean_details(details)
    with immediate(db):
        priority = _own_priority(db, participant, priority_id)
        workshops.check_theme(db, participant["workshop_id"], theme_id)
        db.conn.execute("UPDATE priority SET title = ?, details = ?, theme_id = ? WHERE id = ?",
                        (title, details, theme_id, priority["id"]))


def withdraw_own_priority(db, participant: dict, priority_id: int) -> None:
    """Let an author delete their priority until voting starts."""
    with immediate(db):
        priority = _own_priority(db, participant, priority_id)
        db.conn.execute("DELETE FROM priority WHERE id = ?", (priority["id"],))


def _own_priority(db, participant: dict, priority_id: int) -> dict:
    """Return the participant's own editable priority, or refuse."""
    priority = workshops.get_priority(db, priority_id)
    rules.check_priority_exists(priority)
    question = _question_for(db, participant, priority["question_id"])
    rules.check_may_edit_own(question, priority, participant["id"])
    return priority


def list_ballot(db, question_id: int, participant: dict) -> list[dict]:
    """Return the visible priorities with this participant's dots, in their own stable shuffle."""
    mine = dict(db.conn.execute("SELECT priority_id, count(*) FROM dot WHERE question_id = ? AND participant_id = ?"
                                " GROUP BY priority_id", (question_id, participant["id"])).fetchall())
    ballot = workshops.list_visible_priorities(db, question_id)
    seed = participant.get("token") or str(participant["id"])
    for item in ballot:
        item["my_dots"] = mine.get(item["id"], 0)
    return sorted(ballot, key=lambda item: hashlib.sha256(f"{seed}:{item['id']}".encode()).digest())


def count_dots_used(db, question_id: int, participant_id: int) -> int:
    """Count a participant's dots on a question."""
    return fetch_value(db, "SELECT count(*) FROM dot WHERE question_id = ? AND participant_id = ?",
                       (question_id, participant_id))


def count_dots_on(db, priority_id: int, participant_id: int) -> int:
    """Count a participant's dots on one priority."""
    return fetch_value(db, "SELECT count(*) FROM dot WHERE priority_id = ? AND participant_id = ?",
                       (priority_id, participant_id))


# The click path: one statement checks every rule and writes, so a vote holds the write lock for
# one round trip. It must agree with rules.check_may_place_dot / check_may_remove_dot, which
# explain a refusal (tests/test_reliability.py drives both through the same state machine).
_PLACE_DOT_SQL = """
INSERT INTO dot (question_id, priority_id, participant_id)
SELECT q.id, p.id, :participant_id
FROM priority p JOIN question q ON q.id = p.question_id JOIN workshop w ON w.id = q.workshop_id
WHERE p.id = :priority_id AND p.state = 'visible' AND q.phase = 'voting'
  AND q.workshop_id = :workshop_id AND w.status = 'open' AND :expected < q.max_dots_per_item
  AND (SELECT count(*) FROM dot WHERE priority_id = p.id AND participant_id = :participant_id) = :expected
  AND (SELECT count(*) FROM dot WHERE question_id = q.id AND participant_id = :participant_id)
      < q.dots_per_participant
RETURNING question_id
"""


_REMOVE_DOT_SQL = """
DELETE FROM dot WHERE id = (
    SELECT max(d.id) FROM dot d JOIN question q ON q.id = d.question_id JOIN workshop w ON w.id = q.workshop_id
    WHERE d.priority_id = :priority_id AND d.participant_id = :participant_id AND q.phase = 'voting'
      AND q.workshop_id = :workshop_id AND w.status = 'open' AND :expected > 0
      AND (SELECT count(*) FROM dot WHERE priority_id = :priority_id AND participant_id = :participant_id)
          = :expected)
RETURNING question_id
"""


def place_dot(db, participant: dict, priority_id: int, expected_on_item: int | None = None) -> int:
    """Place one dot; return the participant's dots on that priority afterwards.

    ``expected_on_item`` is what the participant's screen showed: when the count
    has already moved (a double tap delivered twice), nothing is added.
    """
    with immediate(db):
        if expected_on_item is not None and _try_dot_sql(db, _PLACE_DOT_SQL, "dot.place", participant,
                                                         priority_id, expected_on_item):
            return expected_on_item + 1
        priority, question, on_item = _dot_context(db, participant, priority_id)
        if expected_on_item is not None and on_item != expected_on_item:
            return on_item
        used = count_dots_used(db, question["id"], participant["id"])
        rules.check_may_place_dot(question, priority, used, on_item)
        db.conn.execute("INSERT INTO dot (question_id, priority_id, participant_id) VALUES (?, ?, ?)",
                        (question["id"], priority_id, participant["id"]))
        _audit_dot(db, "dot.place", participant, question["id"], priority_id)
    return on_item + 1


def remove_dot(db, participant: dict, priority_id: int, expected_on_item: int | None = None) -> int:
    """Take one dot back; return the participant's dots on that priority afterwards."""
    with immediate(db):
        if expected_on_item is not None and _try_dot_sql(db, _REMOVE_DOT_SQL, "dot.remove", participant,
                                                         priority_id, expected_on_item):
            return expected_on_item - 1
        _priority, question, on_item = _dot_context(db, participant, priority_id)
        if expected_on_item is not None and on_item != expected_on_item:
            return on_item
        rules.check_may_remove_dot(question, on_item)
        db.conn.execute("DELETE FROM dot WHERE id = (SELECT max(id) FROM dot WHERE priority_id = ? AND participant_id = ?)",
                        (priority_id, participant["id"]))
        _audit_dot(db, "dot.remove", participant, question["id"], priority_id)
    return on_item - 1


def cast_vote(db, participant: dict, click: object) -> int:
    """Apply one ballot click {priority, action, shown} sent by a phone; return the dots now on it.

    The click comes from the browser, so anything malformed is refused like a vanished priority.
    """
    rules.check_ballot_click(click)
    action = place_dot if click["action"] == "add" else remove_dot
    return action(db, participant, click["priority"], expected_on_item=click["shown"])


def _try_dot_sql(db, sql: str, action: str, participant: dict, priority_id: int, expected: int) -> bool:
    """Run the one-statement click path; False when a rule refused (the caller explains why)."""
    rows = db.conn.execute(sql, {"participant_id": participant["id"], "priority_id": priority_id,
                                 "workshop_id": participant["workshop_id"], "expected": expected}).fetchall()
    if not rows:
        return False
    _audit_dot(db, action, participant, rows[0][0], priority_id)
    return True


def _dot_context(db, participant: dict, priority_id: int) -> tuple[dict, dict, int]:
    """The priority, its question (checked to be the participant's) and the participant's dots on it."""
    priority = workshops.get_priority(db, priority_id)
    rules.check_on_ballot(priority)
    question = _question_for(db, participant, priority["question_id"])
    return priority, question, count_dots_on(db, priority_id, participant["id"])


def _audit_dot(db, action: str, participant: dict, question_id: int, priority_id: int) -> None:
    """One audit row per dot placed or removed: the log replays to the tallies."""
    # The same JSON audit() would write, built directly: this runs on every click.
    details = f'{{"priority_id": {int(priority_id)}, "question_id": {int(question_id)}}}'
    db.conn.execute("INSERT INTO audit_log (actor, action, workshop_id, details) VALUES (?, ?, ?, ?)",
                    (f"participant:{participant['id']}", action, participant["workshop_id"], details))
