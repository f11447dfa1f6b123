"""The Run page's room panel: who joined, voted, still holds dots, has not voted, and the time left."""

from __future__ import annotations

from datetime import datetime, timezone

from components import facilitation, participation, results

NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=timezone.utc)


def test_room_counts_phones_only_and_the_time_left(db, voting):
    workshop, question, ids = voting
    qid, budget = question["id"], question["dots_per_participant"]
    ana, ben, cem, _dora = (participation.join_workshop(db, workshop["code"]) for _ in range(4))
    for n in range(budget):
        participation.place_dot(db, ana, ids[n % 2])  # spread: one priority takes at most 3
    participation.place_dot(db, ben, ids[1])
    participation.place_dot(db, cem, ids[1])
    facilitation.record_paper_ballot(db, qid, {ids[2]: 1}, "test", sheet=1)
    facilitation.set_phase_deadline(db, qid, "2026-12-03T12:04:30+00:00", "test")
    # They joined after NOW (the test's clock), so none of them within NOW's last minute (tests/test_seats.py).
    assert results.count_room(db, qid, NOW) == {"joined": 4, "joined_last_minute": 0, "voted": 3, "dots_left": 2,
                                                "not_voted": 1, "seconds_left": 270}


def test_room_without_deadline_or_people(db, voting):
    _, question, _ = voting
    assert results.count_room(db, question["id"], NOW) == {"joined": 0, "joined_last_minute": 0, "voted": 0,
                                                           "dots_left": 0, "not_voted": 0, "seconds_left": None}
