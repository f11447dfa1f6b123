"""Results: tallies, live counters and segments, computed from the dot rows."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from components import rules
from components.admission import since_iso
from components.storage import fetch_all, fetch_one

TALLY_COLUMNS = ["rank", "priority_id", "title", "theme", "dots", "supporters", "share_supporting"]


def tally_question(db, question_id: int) -> pd.DataFrame:
    """Rank a question's visible priorities by dots; ties share a rank (1, 2, 2, 4)."""
    rows = fetch_all(db, """
        SELECT p.id AS priority_id, p.title, coalesce(t.name, '') AS theme,
               count(d.id) AS dots, count(DISTINCT d.participant_id) AS supporters
        FROM priority p
        LEFT JOIN theme t ON t.id = p.theme_id
        LEFT JOIN dot d ON d.priority_id = p.id
        WHERE p.question_id = ? AND p.state = 'visible'
        GROUP BY p.id ORDER BY dots DESC, p.id""", (question_id,))
    frame = pd.DataFrame(rows, columns=["priority_id", "title", "theme", "dots", "supporters"])
    voters = count_voters(db, question_id)
    frame["share_supporting"] = (frame["supporters"] / voters).round(4) if voters else 0.0
    frame["rank"] = frame["dots"].rank(method="min", ascending=False).astype(int)
    return frame[TALLY_COLUMNS].reset_index(drop=True)


def count_voters(db, question_id: int) -> int:
    """Count participants with at least one dot on a question."""
    return db.conn.execute("SELECT count(DISTINCT participant_id) FROM dot WHERE question_id = ?",
                           (question_id,)).fetchone()[0]


def count_live(db, question_id: int) -> dict:
    """Return the live counters a facilitator and the projector show."""
    row = fetch_one(db, """
        SELECT q.dots_per_participant AS budget,
          (SELECT count(*) FROM participant WHERE workshop_id = q.workshop_id AND kind = 'phone') AS participants,
          (SELECT count(*) FROM priority WHERE question_id = q.id AND state = 'visible') AS priorities,
          (SELECT count(*) FROM dot WHERE question_id = q.id) AS dots,
          (SELECT count(DISTINCT participant_id) FROM dot WHERE question_id = q.id) AS voters
        FROM question q WHERE q.id = ?""", (question_id,))
    full = db.conn.execute("""
        SELECT count(*) FROM (SELECT participant_id FROM dot WHERE question_id = ?
        GROUP BY participant_id HAVING count(*) >= ?)""", (question_id, row["budget"])).fetchone()[0]
    row["all_used"] = full
    row["share_all_used"] = round(full / row["participants"], 4) if row["participants"] else 0.0
    return row


def list_my_dots(db, question_id: int, participant_id: int) -> dict[int, int]:
    """Return priority id -> this participant's dots, for highlighting their own choices."""
    return dict(db.conn.execute("SELECT priority_id, count(*) FROM dot WHERE question_id = ? AND participant_id = ?"
                                " GROUP BY priority_id", (question_id, participant_id)).fetchall())


def rank_rows(db, question_id: int) -> list[dict]:
    """The tally as plain rows (rank, priority id, title, dots), best first, for phones.

    The same ranks as tally_question (ties share the best rank), without pandas: phones ask for
    this on every tap, and the DataFrame alone cost ~5 ms where this costs ~0.5 ms.
    """
    rows = db.conn.execute("""
        SELECT p.id, p.title, count(d.id) FROM priority p LEFT JOIN dot d ON d.priority_id = p.id
        WHERE p.question_id = ? AND p.state = 'visible' GROUP BY p.id ORDER BY 3 DESC, p.id""", (question_id,)).fetchall()
    ranked, rank = [], 0
    for position, (priority_id, title, dots) in enumerate(rows, start=1):
        if position == 1 or dots != rows[position - 2][2]:
            rank = position
        ranked.append({"rank": rank, "priority_id": priority_id, "title": title, "dots": dots})
    return ranked


def phone_results(db, question: dict, participant_id: int, tally: list[dict] | None = None) -> list[dict] | None:
    """What a participant's phone may show: ranked rows with their own dots, or None while hidden."""
    if question["phase"] == "collecting" or not rules.may_see_results(question):
        return None
    mine = list_my_dots(db, question["id"], participant_id)
    rows = rank_rows(db, question["id"]) if tally is None else tally
    return [{"rank": row["rank"], "id": row["priority_id"], "title": row["title"], "dots": row["dots"],
             "mine": mine.get(row["priority_id"], 0)} for row in rows]


def count_room(db, question_id: int, now: datetime) -> dict:
    """The room at a glance: phones joined (in all, and in the last minute), voted, still holding dots,
    not yet voted, seconds to the deadline."""
    row = fetch_one(db, """
        SELECT q.phase_deadline AS deadline,
          (SELECT count(*) FROM participant WHERE workshop_id = q.workshop_id AND kind = 'phone') AS joined,
          (SELECT count(*) FROM participant WHERE workshop_id = q.workshop_id AND kind = 'phone'
             AND joined_at > :since AND joined_at <= :now) AS joined_last_minute,
          (SELECT count(*) FROM (SELECT d.participant_id, count(*) AS n FROM dot d
             JOIN participant p ON p.id = d.participant_id AND p.kind = 'phone'
             WHERE d.question_id = q.id GROUP BY d.participant_id)) AS voted,
          (SELECT count(*) FROM (SELECT d.participant_id, count(*) AS n FROM dot d
             JOIN participant p ON p.id = d.participant_id AND p.kind = 'phone'
             WHERE d.question_id = q.id GROUP BY d.participant_id HAVING n < q.dots_per_participant)) AS dots_left
        FROM question q WHERE q.id = :question_id""",
        {"question_id": question_id, "now": since_iso(now, 0), "since": since_iso(now, rules.JOIN_SPIKE_WINDOW_SECONDS)})
    deadline = row.pop("deadline")
    # Paper ballots have no phone in the room, so they count neither as joined nor as voted here.
    row["not_voted"] = row["joined"] - row["voted"]
    row["seconds_left"] = max(0, int((datetime.fromisoformat(deadline) - now).total_seconds())) if deadline else None
    return row
