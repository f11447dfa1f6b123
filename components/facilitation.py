"""What a facilitator does: run phases and results visibility, moderate, record paper ballots.

Every change is audited; staff actions refuse with the same RuleError messages as participants see.
"""

from __future__ import annotations

from components import audit, participation, rules, workshops
from components.rules import RuleError
from components.storage import fetch_all, fetch_value, immediate


def set_phase(db, question_id: int, target: str, actor: str, confirmed: bool = False) -> None:
    """Move a question to another phase, checking the allowed transitions."""
    with immediate(db):
        question = _staff_question(db, question_id)
        rules.check_transition(question["phase"], target, confirmed)
        db.conn.execute("UPDATE question SET phase = ?, phase_deadline = NULL,"
                        " phase_changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                        (target, question_id))
        audit.record(db, actor, "question.phase", question["workshop_id"], question_id=question_id,
              old=question["phase"], new=target)


def set_results_visibility(db, question_id: int, visibility: str, actor: str) -> None:
    """Hide results, show them live, or reveal them."""
    if visibility not in rules.VISIBILITIES:
        raise RuleError("Unknown results visibility.")
    with immediate(db):
        question = _staff_question(db, question_id)
        db.conn.execute("UPDATE question SET results_visibility = ? WHERE id = ?", (visibility, question_id))
        audit.record(db, actor, "question.visibility", question["workshop_id"], question_id=question_id,
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
        audit.record(db, actor, "question.dot_rules", question["workshop_id"], question_id=question_id,
              dots_per_participant=dots_per_participant, max_dots_per_item=max_dots_per_item)


def set_phase_deadline(db, question_id: int, deadline_iso: str | None, actor: str) -> None:
    """Set or clear the countdown deadline (UTC ISO time) of the current phase."""
    with immediate(db):
        question = _staff_question(db, question_id)
        db.conn.execute("UPDATE question SET phase_deadline = ? WHERE id = ?", (deadline_iso, question_id))
        audit.record(db, actor, "question.deadline", question["workshop_id"], question_id=question_id, deadline=deadline_iso)


def _staff_question(db, question_id: int) -> dict:
    """Return a question for a staff action, or refuse."""
    question = workshops.get_question(db, question_id)
    if question is None:
        raise RuleError("This question no longer exists.")
    # A finished workshop is a record: no phase, moderation or paper ballot changes it any more.
    workshops.require_open_workshop(db, question["workshop_id"])
    return question


def set_priority_hidden(db, priority_id: int, hidden: bool, actor: str) -> None:
    """Hide a priority from the ballot and results, or show it again."""
    with immediate(db):
        priority, question = _staff_priority(db, priority_id)
        if priority["state"] == "merged":
            raise RuleError("A merged priority cannot be hidden or shown.")
        db.conn.execute("UPDATE priority SET state = ? WHERE id = ?", ("hidden" if hidden else "visible", priority_id))
        audit.record(db, actor, "priority.hide" if hidden else "priority.unhide", question["workshop_id"],
              priority_id=priority_id)


def edit_priority(db, priority_id: int, title: str, details: str, theme_id: int | None, actor: str) -> None:
    """Edit a priority's text as a facilitator, keeping the original in the audit log."""
    title, details = rules.clean_title(title), rules.clean_details(details)
    with immediate(db):
        priority, question = _staff_priority(db, priority_id)
        workshops.check_theme(db, question["workshop_id"], theme_id)
        db.conn.execute("UPDATE priority SET title = ?, details = ?, theme_id = ? WHERE id = ?",
                        (title, details, theme_id, priority_id))
        audit.record(db, actor, "priority.edit", question["workshop_id"], priority_id=priority_id,
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
        workshops.check_theme(db, question["workshop_id"], theme_id)
        cur = db.conn.execute("INSERT INTO priority (question_id, title, details, theme_id) VALUES (?, ?, ?, ?)",
                              (question_id, title, details, theme_id))
        audit.record(db, actor, "priority.add_for_room", question["workshop_id"], priority_id=cur.lastrowid, title=title)
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
        audit.record(db, actor, "priority.merge", question["workshop_id"], source_id=source_id, target_id=target_id,
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
        room = max(0, cap - participation.count_dots_on(db, target_id, participant_id))
        move = min(on_source, room)
        ids = [r[0] for r in db.conn.execute("SELECT id FROM dot WHERE priority_id = ? AND participant_id = ? ORDER BY id",
                                             (source_id, participant_id)).fetchall()]
        db.conn.executemany("UPDATE dot SET priority_id = ? WHERE id = ?", [(target_id, i) for i in ids[:move]])
        db.conn.executemany("DELETE FROM dot WHERE id = ?", [(i,) for i in ids[move:]])
        outcome[participant_id] = [move, len(ids) - move]
    return outcome


def record_paper_ballot(db, question_id: int, allocation: dict[int, int], actor: str, label: str = "", *,
                        sheet: int) -> int:
    """Record one numbered paper sheet (priority id -> dots) as a paper participant, under the same rules."""
    with immediate(db):
        question = _staff_question(db, question_id)
        if question["phase"] not in ("voting", "closed"):
            raise RuleError("Paper ballots can be recorded once voting has opened.")
        rules.check_paper_sheet(sheet, is_sheet_recorded(db, question_id, sheet))
        total = sum(allocation.values())
        if total < 1:
            raise RuleError("This ballot has no dots.")
        if total > question["dots_per_participant"]:
            raise RuleError("A ballot can hold at most {budget} dots.", budget=question["dots_per_participant"])
        cur = db.conn.execute("INSERT INTO participant (workshop_id, kind, display_name, paper_question_id, paper_sheet)"
                              " VALUES (?, 'paper', ?, ?, ?)",
                              (question["workshop_id"], (label or "").strip()[:80] or None, question_id, sheet))
        participant_id = cur.lastrowid
        for priority_id, count in allocation.items():
            priority = workshops.get_priority(db, priority_id)
            if priority is None or priority["question_id"] != question_id or priority["state"] != "visible":
                raise RuleError("This priority is no longer on the ballot.")
            if count > question["max_dots_per_item"]:
                raise RuleError("You can put at most {cap} dots on one priority.", cap=question["max_dots_per_item"])
            db.conn.executemany("INSERT INTO dot (question_id, priority_id, participant_id) VALUES (?, ?, ?)",
                                [(question_id, priority_id, participant_id)] * count)
        audit.record(db, actor, "dot.paper_ballot", question["workshop_id"], question_id=question_id,
              participant_id=participant_id, sheet=sheet, allocation={str(k): v for k, v in allocation.items() if v})
    return participant_id


def is_sheet_recorded(db, question_id: int, sheet: object) -> bool:
    """True when this paper sheet number was already entered for the question."""
    return rules.is_sql_integer(sheet, 1) and bool(fetch_value(
        db, "SELECT count(*) FROM participant WHERE paper_question_id = ? AND paper_sheet = ?", (question_id, sheet)))


def count_ballots_by_kind(db, question_id: int) -> dict[str, dict[str, int]]:
    """Ballots (participants with a dot) and dots of a question by kind, e.g. {'phone': {'ballots': 3, 'dots': 14}}."""
    rows = db.conn.execute("SELECT p.kind, count(DISTINCT d.participant_id), count(*) FROM dot d JOIN participant p"
                           " ON p.id = d.participant_id WHERE d.question_id = ? GROUP BY p.kind", (question_id,))
    totals = {kind: {"ballots": 0, "dots": 0} for kind in ("phone", "paper")}
    totals.update({kind: {"ballots": ballots, "dots": dots} for kind, ballots, dots in rows.fetchall()})
    return totals


def _staff_priority(db, priority_id: int) -> tuple[dict, dict]:
    """Return a priority and its question for a staff action, or refuse."""
    priority = workshops.get_priority(db, priority_id)
    if priority is None:
        raise RuleError("This priority no longer exists.")
    return priority, _staff_question(db, priority["question_id"])


def list_priorities_for_moderation(db, question_id: int) -> list[dict]:
    """Return every priority of a question, with dots and theme, for the facilitator."""
    return fetch_all(db, "SELECT p.id, p.title, p.details, p.state, p.merged_into_id, p.theme_id, t.name AS theme,"
                         " (SELECT count(*) FROM dot d WHERE d.priority_id = p.id) AS dots"
                         " FROM priority p LEFT JOIN theme t ON t.id = p.theme_id"
                         " WHERE p.question_id = ? ORDER BY p.id", (question_id,))
