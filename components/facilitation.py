"""What a facilitator does: run phases and results visibility, moderate, record paper ballots.

Every change is audited; staff actions refuse with the same RuleError messages as participants see.
"""

from __future__ import annotations

import hashlib
import json

from components import admission, audit, participation, rules, workshops
from components.rules import RuleError
from components.storage import fetch_all, fetch_one, fetch_value, immediate, read_snapshot


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
        if target == "voting":  # "close joining when voting opens", in the same transaction as the phase
            admission.close_joining_for_voting(db, question["workshop_id"], actor)


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
    rules.check_question_exists(question)
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
    Returns {"moved": n, "returned": n}. What changed is kept in merge_record, so undo_merge is exact.
    """
    with immediate(db):
        source, target, question = _merge_pair(db, source_id, target_id)
        plan = plan_dot_moves(db, source_id, target_id, question["max_dots_per_item"])
        deleted = _apply_dot_moves(db, plan, target_id)
        redirected = [r[0] for r in db.conn.execute("SELECT id FROM priority WHERE merged_into_id = ? ORDER BY id",
                                                    (source_id,))]
        db.conn.execute("UPDATE priority SET state = 'merged', merged_into_id = ? WHERE id = ?", (target_id, source_id))
        db.conn.execute("UPDATE priority SET merged_into_id = ? WHERE merged_into_id = ?", (target_id, source_id))
        db.conn.execute("INSERT INTO merge_record (question_id, source_id, target_id, source_state, redirected, dots_moved,"
                        " dots_deleted, dots_after, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (question["id"], source_id, target_id, source["state"], json.dumps(redirected),
                         json.dumps([i for move, _back in plan.values() for i in move]), json.dumps(deleted),
                         fingerprint_dots(db, question["id"]), actor))
        summary = count_dot_moves(plan)
        audit.record(db, actor, "priority.merge", question["workshop_id"], source_id=source_id, target_id=target_id,
              source_title=source["title"], target_title=target["title"], moved=summary["moved"],
              returned=summary["returned"], per_participant={str(k): [len(m), len(b)] for k, (m, b) in plan.items()})
    return {"moved": summary["moved"], "returned": summary["returned"]}


def preview_merge(db, source_id: int, target_id: int) -> dict:
    """Say what merging would do, without doing it: {"moved", "returned", "voters"} (same plan as the merge)."""
    with read_snapshot(db):
        _source, _target, question = _merge_pair(db, source_id, target_id)
        return count_dot_moves(plan_dot_moves(db, source_id, target_id, question["max_dots_per_item"]))


def _merge_pair(db, source_id: int, target_id: int) -> tuple[dict, dict, dict]:
    """Return source, target and question of a merge that the rules allow, or refuse."""
    if source_id == target_id:
        raise RuleError("A priority cannot be merged into itself.")
    source, question = _staff_priority(db, source_id)
    target, _ = _staff_priority(db, target_id)
    if target["question_id"] != source["question_id"]:
        raise RuleError("Only priorities of the same question can be merged.")
    if source["state"] == "merged" or target["state"] == "merged":
        raise RuleError("One of these priorities has already been merged.")
    return source, target, question


def plan_dot_moves(db, source_id: int, target_id: int, cap: int) -> dict[int, tuple[list[int], list[int]]]:
    """Decide per participant which dots of the source move to the target (up to the cap) and which return.

    Returns participant id -> (dot ids that move, dot ids that return); the lowest ids move first.
    """
    plan: dict[int, tuple[list[int], list[int]]] = {}
    per_voter: dict[int, list[int]] = {}
    for dot_id, participant_id in db.conn.execute("SELECT id, participant_id FROM dot WHERE priority_id = ? ORDER BY id",
                                                  (source_id,)):
        per_voter.setdefault(participant_id, []).append(dot_id)
    for participant_id, ids in per_voter.items():
        room = max(0, cap - participation.count_dots_on(db, target_id, participant_id))
        plan[participant_id] = (ids[:room], ids[room:])
    return plan


def count_dot_moves(plan: dict[int, tuple[list[int], list[int]]]) -> dict:
    """Count a plan's moved and returned dots and the voters it touches."""
    return {"moved": sum(len(move) for move, _back in plan.values()),
            "returned": sum(len(back) for _move, back in plan.values()), "voters": len(plan)}


def _apply_dot_moves(db, plan: dict[int, tuple[list[int], list[int]]], target_id: int) -> list[list]:
    """Move the planned dots to the target and delete the returned ones; return the deleted rows for undo."""
    moved = [i for move, _back in plan.values() for i in move]
    returned = [i for _move, back in plan.values() for i in back]
    deleted = [list(r) for r in db.conn.execute(
        f"SELECT id, question_id, priority_id, participant_id, created_at FROM dot WHERE id IN ({_marks(returned)})"
        " ORDER BY id", returned)]
    db.conn.executemany("UPDATE dot SET priority_id = ? WHERE id = ?", [(target_id, i) for i in moved])
    db.conn.executemany("DELETE FROM dot WHERE id = ?", [(i,) for i in returned])
    return deleted


def _marks(values: list) -> str:
    """SQL placeholders for an IN list."""
    return ", ".join("?" * len(values))


def fingerprint_dots(db, question_id: int) -> str:
    """A digest of every dot row of a question, to tell whether anything changed since."""
    digest = hashlib.sha256()
    for row in db.conn.execute("SELECT id, priority_id, participant_id, created_at FROM dot WHERE question_id = ?"
                               " ORDER BY id", (question_id,)):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def undo_merge(db, merge_id: int, actor: str) -> None:
    """Undo a merge exactly: the duplicate comes back with the very dot rows it had, or the undo is refused."""
    with immediate(db):
        record = fetch_one(db, "SELECT * FROM merge_record WHERE id = ?", (merge_id,))
        if record is None:
            raise RuleError("This merge can no longer be undone.")
        question = _staff_question(db, record["question_id"])
        latest = fetch_value(db, "SELECT max(id) FROM merge_record WHERE question_id = ? AND undone_at IS NULL",
                             (record["question_id"],))
        rules.check_merge_undoable(record, latest, fingerprint_dots(db, record["question_id"]))
        moved, deleted = json.loads(record["dots_moved"]), json.loads(record["dots_deleted"])
        db.conn.executemany("UPDATE dot SET priority_id = ? WHERE id = ?", [(record["source_id"], i) for i in moved])
        db.conn.executemany("INSERT INTO dot (id, question_id, priority_id, participant_id, created_at)"
                            " VALUES (?, ?, ?, ?, ?)", deleted)
        db.conn.execute("UPDATE priority SET state = ?, merged_into_id = NULL WHERE id = ?",
                        (record["source_state"], record["source_id"]))
        db.conn.executemany("UPDATE priority SET merged_into_id = ? WHERE id = ?",
                            [(record["source_id"], i) for i in json.loads(record["redirected"])])
        db.conn.execute("UPDATE merge_record SET undone_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                        (merge_id,))
        audit.record(db, actor, "priority.unmerge", question["workshop_id"], merge_id=merge_id,
                     source_id=record["source_id"], target_id=record["target_id"], restored=len(moved) + len(deleted))


def list_merges(db, question_id: int) -> list[dict]:
    """Return a question's merges that are not undone, newest first."""
    return fetch_all(db, "SELECT id, source_id, target_id, actor, merged_at FROM merge_record"
                         " WHERE question_id = ? AND undone_at IS NULL ORDER BY id DESC", (question_id,))


def record_paper_ballot(db, question_id: int, allocation: dict[int, int], actor: str, label: str = "", *,
                        sheet: int) -> int:
    """Record one numbered paper sheet (priority id -> dots) as a paper participant, under the same rules."""
    with immediate(db):
        question = _staff_question(db, question_id)
        on_sheet = {pid: workshops.get_priority(db, pid) if rules.is_sql_integer(pid, 1) else None for pid in allocation}
        rules.check_paper_ballot(question, allocation, on_sheet)
        rules.check_paper_sheet(sheet, is_sheet_recorded(db, question_id, sheet))
        cur = db.conn.execute("INSERT INTO participant (workshop_id, kind, display_name, paper_question_id, paper_sheet)"
                              " VALUES (?, 'paper', ?, ?, ?)",
                              (question["workshop_id"], (label or "").strip()[:80] or None, question_id, sheet))
        participant_id = cur.lastrowid
        for priority_id, count in allocation.items():
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
    return fetch_all(db, "SELECT p.id, p.title, p.details, p.state, p.merged_into_id, p.theme_id, t.name AS theme, p.source,"
                         " (SELECT count(*) FROM dot d WHERE d.priority_id = p.id) AS dots"
                         " FROM priority p LEFT JOIN theme t ON t.id = p.theme_id"
                         " WHERE p.question_id = ? ORDER BY p.id", (question_id,))
