"""Workshop actions: create, join, submit, vote, run phases, moderate.

Every function takes an open sqlite-utils Database and enforces the rules in
components.rules. Writes that depend on a read happen under BEGIN IMMEDIATE.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Iterable

from components import rules
from components.rules import RuleError
from components.storage import fetch_all, fetch_one, fetch_value, immediate

ROOM_ACTOR = "room"


# ---------------------------------------------------------------- audit

def audit(db, actor: str, action: str, workshop_id: int | None = None, **details) -> None:
    """Append one row to the audit log (inside the caller's transaction, if any)."""
    db.conn.execute(
        "INSERT INTO audit_log (actor, action, workshop_id, details) VALUES (?, ?, ?, ?)",
        (actor, action, workshop_id, json.dumps(details, ensure_ascii=False, sort_keys=True)),
    )


def list_audit(db, workshop_id: int) -> list[dict]:
    """Return a workshop's audit log, oldest first."""
    return fetch_all(db, "SELECT * FROM audit_log WHERE workshop_id = ? ORDER BY id", (workshop_id,))


# ---------------------------------------------------------------- workshops

def create_workshop(db, title: str, actor: str, *, description: str = "", language: str = "en",
                    country: str | None = None, themes: Iterable[str] = (),
                    profile_questions: Iterable[dict] = (), allow_anonymous: bool = True,
                    max_priorities_per_participant: int = 5) -> int:
    """Create a workshop with a fresh join code, its themes and profile questions."""
    if not (title or "").strip():
        raise RuleError("Please give the workshop a title.")
    with immediate(db):
        code = _unused_code(db)
        cur = db.conn.execute(
            "INSERT INTO workshop (code, title, description, language, country, allow_anonymous,"
            " max_priorities_per_participant) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code, title.strip(), description.strip(), language, country, int(allow_anonymous),
             max_priorities_per_participant),
        )
        workshop_id = cur.lastrowid
        for position, name in enumerate(themes):
            db.conn.execute("INSERT INTO theme (workshop_id, name, position) VALUES (?, ?, ?)",
                            (workshop_id, name, position))
        for position, pq in enumerate(profile_questions):
            db.conn.execute(
                "INSERT INTO profile_question (workshop_id, key, label, options, required, position)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (workshop_id, pq["key"], pq["label"], json.dumps(list(pq.get("options", [])), ensure_ascii=False),
                 int(pq.get("required", False)), position),
            )
        audit(db, actor, "workshop.create", workshop_id, title=title.strip(), code=code)
    return workshop_id


def _unused_code(db) -> str:
    """Draw join codes until one is free."""
    while True:
        code = rules.new_join_code()
        if fetch_value(db, "SELECT 1 FROM workshop WHERE code = ?", (code,)) is None:
            return code


def add_question(db, workshop_id: int, prompt: str, actor: str, *, dots_per_participant: int = 5,
                 max_dots_per_item: int = 3) -> int:
    """Add a question at the end of a workshop's list."""
    if not (prompt or "").strip():
        raise RuleError("Please write the question.")
    rules.check_dot_rules(dots_per_participant, max_dots_per_item)
    with immediate(db):
        position = fetch_value(db, "SELECT coalesce(max(position), -1) + 1 FROM question WHERE workshop_id = ?",
                               (workshop_id,))
        cur = db.conn.execute(
            "INSERT INTO question (workshop_id, prompt, position, dots_per_participant, max_dots_per_item)"
            " VALUES (?, ?, ?, ?, ?)",
            (workshop_id, prompt.strip(), position, dots_per_participant, max_dots_per_item),
        )
        audit(db, actor, "question.create", workshop_id, question_id=cur.lastrowid, prompt=prompt.strip(),
              dots_per_participant=dots_per_participant, max_dots_per_item=max_dots_per_item)
    return cur.lastrowid


def get_workshop(db, workshop_id: int) -> dict | None:
    """Return one workshop by id."""
    return fetch_one(db, "SELECT * FROM workshop WHERE id = ?", (workshop_id,))


def find_workshop_by_code(db, code: str) -> dict | None:
    """Return the workshop with this join code (typed loosely), or None."""
    return fetch_one(db, "SELECT * FROM workshop WHERE code = ?", (rules.normalise_code(code),))


def list_workshops(db) -> list[dict]:
    """Return all workshops, newest first."""
    return fetch_all(db, "SELECT * FROM workshop ORDER BY id DESC")


def list_questions(db, workshop_id: int) -> list[dict]:
    """Return a workshop's questions in order."""
    return fetch_all(db, "SELECT * FROM question WHERE workshop_id = ? ORDER BY position", (workshop_id,))


def get_question(db, question_id: int) -> dict | None:
    """Return one question by id."""
    return fetch_one(db, "SELECT * FROM question WHERE id = ?", (question_id,))


def list_themes(db, workshop_id: int) -> list[dict]:
    """Return a workshop's themes in order."""
    return fetch_all(db, "SELECT id, name FROM theme WHERE workshop_id = ? ORDER BY position, id", (workshop_id,))


def list_profile_questions(db, workshop_id: int) -> list[dict]:
    """Return a workshop's profile questions with decoded options."""
    rows = fetch_all(db, "SELECT * FROM profile_question WHERE workshop_id = ? ORDER BY position", (workshop_id,))
    for row in rows:
        row["options"] = json.loads(row["options"])
    return rows


def phase_signature(db, workshop_id: int) -> tuple:
    """Return a cheap fingerprint of every question's phase and visibility, for polling."""
    return tuple(db.conn.execute(
        "SELECT id, phase, results_visibility, phase_deadline FROM question WHERE workshop_id = ? ORDER BY position",
        (workshop_id,)).fetchall())


# ---------------------------------------------------------------- participants

def join_workshop(db, code: str, display_name: str | None = None, profile: dict | None = None,
                  language: str | None = None) -> dict:
    """Create a participant in the workshop with this code and return it (with its token)."""
    workshop = find_workshop_by_code(db, code)
    if workshop is None:
        raise RuleError("No workshop has the code {code}. Please check it and try again.",
                        code=rules.normalise_code(code) or "—")
    rules.check_workshop_open(workshop)
    name = rules.clean_display_name(display_name, bool(workshop["allow_anonymous"]))
    answers = check_profile(list_profile_questions(db, workshop["id"]), profile or {})
    token = rules.new_token()
    db.conn.execute(
        "INSERT INTO participant (workshop_id, token, display_name, profile, language) VALUES (?, ?, ?, ?, ?)",
        (workshop["id"], token, name, json.dumps(answers, ensure_ascii=False), language),
    )
    db.conn.commit()
    return get_participant(db, token)


def check_profile(questions: list[dict], answers: dict) -> dict:
    """Keep known answers, require required ones, and refuse options not offered."""
    cleaned = {}
    for pq in questions:
        value = (answers.get(pq["key"]) or "").strip()
        if not value:
            if pq["required"]:
                raise RuleError("Please answer: {label}", label=pq["label"])
            continue
        if pq["options"] and value not in pq["options"]:
            raise RuleError("Please pick one of the offered answers for: {label}", label=pq["label"])
        cleaned[pq["key"]] = value[:200]
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
    question = get_question(db, question_id)
    if question is None or question["workshop_id"] != participant["workshop_id"]:
        raise RuleError("This question is not part of your workshop.")
    workshop = get_workshop(db, question["workshop_id"])
    rules.check_workshop_open(workshop)
    return question


# ---------------------------------------------------------------- priorities

def submit_priority(db, participant: dict, question_id: int, title: str, details: str = "",
                    theme_id: int | None = None) -> int:
    """Add a participant's priority while the question is collecting."""
    title, details = rules.clean_title(title), rules.clean_details(details)
    with immediate(db):
        question = _question_for(db, participant, question_id)
        workshop = get_workshop(db, question["workshop_id"])
        own = count_own_priorities(db, question_id, participant["id"])
        rules.check_may_submit(question, own, workshop["max_priorities_per_participant"])
        _check_theme(db, question["workshop_id"], theme_id)
        cur = db.conn.execute(
            "INSERT INTO priority (question_id, participant_id, title, details, theme_id) VALUES (?, ?, ?, ?, ?)",
            (question_id, participant["id"], title, details, theme_id),
        )
    return cur.lastrowid


def _check_theme(db, workshop_id: int, theme_id: int | None) -> None:
    """Refuse a theme from another workshop."""
    if theme_id is not None and fetch_value(
            db, "SELECT 1 FROM theme WHERE id = ? AND workshop_id = ?", (theme_id, workshop_id)) is None:
        raise RuleError("Please pick one of this workshop's themes.")


def count_own_priorities(db, question_id: int, participant_id: int) -> int:
    """Count a participant's own live submissions to a question."""
    return fetch_value(db, "SELECT count(*) FROM priority WHERE question_id = ? AND participant_id = ?"
                           " AND state != 'merged'", (question_id, participant_id))


def list_own_priorities(db, question_id: int, participant_id: int) -> list[dict]:
    """Return a participant's own submissions to a question."""
    return fetch_all(db, "SELECT p.*, t.name AS theme FROM priority p LEFT JOIN theme t ON t.id = p.theme_id"
                         " WHERE p.question_id = ? AND p.participant_id = ? ORDER BY p.id",
                     (question_id, participant_id))


def get_priority(db, priority_id: int) -> dict | None:
    """Return one priority by id."""
    return fetch_one(db, "SELECT * FROM priority WHERE id = ?", (priority_id,))


def edit_own_priority(db, participant: dict, priority_id: int, title: str, details: str = "",
                      theme_id: int | None = None) -> None:
    """Let an author change their priority until voting starts."""
    title, details = rules.clean_title(title), rules.clean_details(details)
    with immediate(db):
        priority = _own_priority(db, participant, priority_id)
        _check_theme(db, participant["workshop_id"], theme_id)
        db.conn.execute("UPDATE priority SET title = ?, details = ?, theme_id = ? WHERE id = ?",
                        (title, details, theme_id, priority["id"]))


def withdraw_own_priority(db, participant: dict, priority_id: int) -> None:
    """Let an author delete their priority until voting starts."""
    with immediate(db):
        priority = _own_priority(db, participant, priority_id)
        db.conn.execute("DELETE FROM priority WHERE id = ?", (priority["id"],))


def _own_priority(db, participant: dict, priority_id: int) -> dict:
    """Return the participant's own editable priority, or refuse."""
    priority = get_priority(db, priority_id)
    if priority is None:
        raise RuleError("This priority no longer exists.")
    question = _question_for(db, participant, priority["question_id"])
    rules.check_may_edit_own(question, priority, participant["id"])
    return priority


def list_visible_priorities(db, question_id: int) -> list[dict]:
    """Return the visible priorities of a question with their theme names."""
    return fetch_all(db, "SELECT p.id, p.title, p.details, p.theme_id, t.name AS theme FROM priority p"
                         " LEFT JOIN theme t ON t.id = p.theme_id"
                         " WHERE p.question_id = ? AND p.state = 'visible' ORDER BY p.id", (question_id,))


def list_ballot(db, question_id: int, participant: dict) -> list[dict]:
    """Return the visible priorities with this participant's dots, in their own stable shuffle."""
    mine = dict(db.conn.execute("SELECT priority_id, count(*) FROM dot WHERE question_id = ? AND participant_id = ?"
                                " GROUP BY priority_id", (question_id, participant["id"])).fetchall())
    ballot = list_visible_priorities(db, question_id)
    seed = participant.get("token") or str(participant["id"])
    for item in ballot:
        item["my_dots"] = mine.get(item["id"], 0)
    return sorted(ballot, key=lambda item: hashlib.sha256(f"{seed}:{item['id']}".encode()).digest())


# ---------------------------------------------------------------- dots

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
    if not isinstance(click, dict) or click.get("action") not in ("add", "remove") \
            or type(click.get("priority")) is not int or type(click.get("shown")) is not int or click["shown"] < 0:
        raise RuleError("This priority is no longer on the ballot.")
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
    priority = get_priority(db, priority_id)
    if priority is None:
        raise RuleError("This priority is no longer on the ballot.")
    question = _question_for(db, participant, priority["question_id"])
    return priority, question, count_dots_on(db, priority_id, participant["id"])


def _audit_dot(db, action: str, participant: dict, question_id: int, priority_id: int) -> None:
    """One audit row per dot placed or removed: the log replays to the tallies."""
    # The same JSON audit() would write, built directly: this runs on every click.
    details = f'{{"priority_id": {int(priority_id)}, "question_id": {int(question_id)}}}'
    db.conn.execute("INSERT INTO audit_log (actor, action, workshop_id, details) VALUES (?, ?, ?, ?)",
                    (f"participant:{participant['id']}", action, participant["workshop_id"], details))


# ---------------------------------------------------------------- running a question

def set_phase(db, question_id: int, target: str, actor: str, confirmed: bool = False) -> None:
    """Move a question to another phase, checking the allowed transitions."""
    with immediate(db):
        question = _staff_question(db, question_id)
        rules.check_transition(question["phase"], target, confirmed)
        db.conn.execute("UPDATE question SET phase = ?, phase_deadline = NULL,"
                        " phase_changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                        (target, question_id))
        audit(db, actor, "question.phase", question["workshop_id"], question_id=question_id,
              old=question["phase"], new=target)


def set_results_visibility(db, question_id: int, visibility: str, actor: str) -> None:
    """Hide results, show them live, or reveal them."""
    if visibility not in rules.VISIBILITIES:
        raise RuleError("Unknown results visibility.")
    with immediate(db):
        question = _staff_question(db, question_id)
        db.conn.execute("UPDATE question SET results_visibility = ? WHERE id = ?", (visibility, question_id))
        audit(db, actor, "question.visibility", question["workshop_id"], question_id=question_id,
              old=question["results_visibility"], new=visibility)


def set_dot_rules(db, question_id: int, dots_per_participant: int, max_dots_per_item: int, actor: str) -> None:
    """Change the dot budget and per-item cap before voting starts."""
    rules.check_dot_rules(dots_per_participant, max_dots_per_item)
    with immediate(db):
        question = _staff_question(db, question_id)
        rules.check_dot_rules_editable(question)
        # Going back to collecting must not let a smaller budget or cap strand dots already placed.
        if fetch_value(db, "SELECT count(*) FROM dot WHERE question_id = ?", (question_id,)):
            raise RuleError("Dot rules cannot change once dots have been placed.")
        db.conn.execute("UPDATE question SET dots_per_participant = ?, max_dots_per_item = ? WHERE id = ?",
                        (dots_per_participant, max_dots_per_item, question_id))
        audit(db, actor, "question.dot_rules", question["workshop_id"], question_id=question_id,
              dots_per_participant=dots_per_participant, max_dots_per_item=max_dots_per_item)


def set_phase_deadline(db, question_id: int, deadline_iso: str | None, actor: str) -> None:
    """Set or clear the countdown deadline (UTC ISO time) of the current phase."""
    with immediate(db):
        question = _staff_question(db, question_id)
        db.conn.execute("UPDATE question SET phase_deadline = ? WHERE id = ?", (deadline_iso, question_id))
        audit(db, actor, "question.deadline", question["workshop_id"], question_id=question_id, deadline=deadline_iso)


def _staff_question(db, question_id: int) -> dict:
    """Return a question for a staff action, or refuse."""
    question = get_question(db, question_id)
    if question is None:
        raise RuleError("This question no longer exists.")
    return question


# ---------------------------------------------------------------- moderation

def set_priority_hidden(db, priority_id: int, hidden: bool, actor: str) -> None:
    """Hide a priority from the ballot and results, or show it again."""
    with immediate(db):
        priority, question = _staff_priority(db, priority_id)
        if priority["state"] == "merged":
            raise RuleError("A merged priority cannot be hidden or shown.")
        db.conn.execute("UPDATE priority SET state = ? WHERE id = ?", ("hidden" if hidden else "visible", priority_id))
        audit(db, actor, "priority.hide" if hidden else "priority.unhide", question["workshop_id"],
              priority_id=priority_id)


def edit_priority(db, priority_id: int, title: str, details: str, theme_id: int | None, actor: str) -> None:
    """Edit a priority's text as a facilitator, keeping the original in the audit log."""
    title, details = rules.clean_title(title), rules.clean_details(details)
    with immediate(db):
        priority, question = _staff_priority(db, priority_id)
        _check_theme(db, question["workshop_id"], theme_id)
        db.conn.execute("UPDATE priority SET title = ?, details = ?, theme_id = ? WHERE id = ?",
                        (title, details, theme_id, priority_id))
        audit(db, actor, "priority.edit", question["workshop_id"], priority_id=priority_id,
              old_title=priority["title"], old_details=priority["details"], old_theme_id=priority["theme_id"],
              title=title, details=details, theme_id=theme_id)


def add_priority_for_room(db, question_id: int, title: str, actor: str, details: str = "",
                          theme_id: int | None = None) -> int:
    """Add a priority on behalf of the room (no participant as author)."""
    title, details = rules.clean_title(title), rules.clean_details(details)
    with immediate(db):
        question = _staff_question(db, question_id)
        if question["phase"] == "closed":
            raise RuleError("This question is closed.")
        _check_theme(db, question["workshop_id"], theme_id)
        cur = db.conn.execute("INSERT INTO priority (question_id, title, details, theme_id) VALUES (?, ?, ?, ?)",
                              (question_id, title, details, theme_id))
        audit(db, actor, "priority.add_for_room", question["workshop_id"], priority_id=cur.lastrowid, title=title)
    return cur.lastrowid


def merge_priorities(db, source_id: int, target_id: int, actor: str) -> dict:
    """Merge a duplicate into a surviving priority.

    Rule: each participant's dots on the duplicate move to the survivor up to the
    per-item cap; any excess is removed and so returns to that participant's budget.
    Returns {"moved": n, "returned": n}.
    """
    if source_id == target_id:
        raise RuleError("A priority cannot be merged into itself.")
    with immediate(db):
        source, question = _staff_priority(db, source_id)
        target, _ = _staff_priority(db, target_id)
        if target["question_id"] != source["question_id"]:
            raise RuleError("Only priorities of the same question can be merged.")
        if source["state"] == "merged" or target["state"] == "merged":
            raise RuleError("One of these priorities has already been merged.")
        per_participant = _move_dots(db, source_id, target_id, question["max_dots_per_item"])
        moved = sum(m for m, _r in per_participant.values())
        returned = sum(r for _m, r in per_participant.values())
        db.conn.execute("UPDATE priority SET state = 'merged', merged_into_id = ? WHERE id = ?", (target_id, source_id))
        db.conn.execute("UPDATE priority SET merged_into_id = ? WHERE merged_into_id = ?", (target_id, source_id))
        audit(db, actor, "priority.merge", question["workshop_id"], source_id=source_id, target_id=target_id,
              source_title=source["title"], target_title=target["title"], moved=moved, returned=returned,
              per_participant={str(k): v for k, v in per_participant.items()})
    return {"moved": moved, "returned": returned}


def _move_dots(db, source_id: int, target_id: int, cap: int) -> dict[int, list[int]]:
    """Move dots from source to target per participant, capped; delete the excess.

    Returns participant id -> [moved, returned], so the audit log can replay the merge.
    """
    outcome: dict[int, list[int]] = {}
    per_voter = db.conn.execute("SELECT participant_id, count(*) FROM dot WHERE priority_id = ? GROUP BY participant_id",
                                (source_id,)).fetchall()
    for participant_id, on_source in per_voter:
        room = max(0, cap - count_dots_on(db, target_id, participant_id))
        move = min(on_source, room)
        ids = [r[0] for r in db.conn.execute("SELECT id FROM dot WHERE priority_id = ? AND participant_id = ? ORDER BY id",
                                             (source_id, participant_id)).fetchall()]
        db.conn.executemany("UPDATE dot SET priority_id = ? WHERE id = ?", [(target_id, i) for i in ids[:move]])
        db.conn.executemany("DELETE FROM dot WHERE id = ?", [(i,) for i in ids[move:]])
        outcome[participant_id] = [move, len(ids) - move]
    return outcome


def record_paper_ballot(db, question_id: int, allocation: dict[int, int], actor: str, label: str = "") -> int:
    """Record one paper ballot (priority id -> dots) as a paper participant, under the same rules."""
    with immediate(db):
        question = _staff_question(db, question_id)
        if question["phase"] not in ("voting", "closed"):
            raise RuleError("Paper ballots can be recorded once voting has opened.")
        total = sum(allocation.values())
        if total < 1:
            raise RuleError("This ballot has no dots.")
        if total > question["dots_per_participant"]:
            raise RuleError("A ballot can hold at most {budget} dots.", budget=question["dots_per_participant"])
        cur = db.conn.execute("INSERT INTO participant (workshop_id, kind, display_name) VALUES (?, 'paper', ?)",
                              (question["workshop_id"], (label or "").strip()[:80] or None))
        participant_id = cur.lastrowid
        for priority_id, count in allocation.items():
            priority = get_priority(db, priority_id)
            if priority is None or priority["question_id"] != question_id or priority["state"] != "visible":
                raise RuleError("This priority is no longer on the ballot.")
            if count > question["max_dots_per_item"]:
                raise RuleError("You can put at most {cap} dots on one priority.", cap=question["max_dots_per_item"])
            db.conn.executemany("INSERT INTO dot (question_id, priority_id, participant_id) VALUES (?, ?, ?)",
                                [(question_id, priority_id, participant_id)] * count)
        audit(db, actor, "dot.paper_ballot", question["workshop_id"], question_id=question_id,
              participant_id=participant_id, allocation={str(k): v for k, v in allocation.items() if v})
    return participant_id


def _staff_priority(db, priority_id: int) -> tuple[dict, dict]:
    """Return a priority and its question for a staff action, or refuse."""
    priority = get_priority(db, priority_id)
    if priority is None:
        raise RuleError("This priority no longer exists.")
    return priority, get_question(db, priority["question_id"])


def list_priorities_for_moderation(db, question_id: int) -> list[dict]:
    """Return every priority of a question, with dots and theme, for the facilitator."""
    return fetch_all(db, "SELECT p.id, p.title, p.details, p.state, p.merged_into_id, p.theme_id, t.name AS theme,"
                         " (SELECT count(*) FROM dot d WHERE d.priority_id = p.id) AS dots"
                         " FROM priority p LEFT JOIN theme t ON t.id = p.theme_id"
                         " WHERE p.question_id = ? ORDER BY p.id", (question_id,))


def is_locked_error(exc: BaseException) -> bool:
    """True for SQLite's 'database is locked' (should never reach a participant)."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
