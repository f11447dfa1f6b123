"""A voided seat's phone is out of the ballot's HTTP routes too, and a reissued seat's new phone is in."""

from __future__ import annotations

import pytest

from components import auth, facilitation, participation, phone_routes, seats, workshops
from tests.test_vote_route import FeedClient, call, dot_rows, tap


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    """No requests counted, no feeds open."""
    monkeypatch.setattr(phone_routes, "_recent", {})
    monkeypatch.setattr(phone_routes, "_streams", phone_routes.collections.Counter())


def test_a_voided_seats_old_token_cannot_tap_read_or_follow(db, demo):
    workshop, questions = demo
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)
    seats.set_seat_mode(db, workshop["id"], "codes", "olga")
    seats.create_seat_codes(db, workshop["id"], 2, "olga")
    question = questions[0]
    facilitation.set_phase(db, question["id"], "voting", "olga")
    ids = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])]
    code = seats.list_seats(db, workshop["id"])[0]["code"]
    ana = participation.join_workshop(db, workshop["code"], "Ana", seat_code=code)
    assert tap(ana["token"], question["id"], ids[0])[0] == 200
    seats.void_seat(db, workshop["id"], 1, "olga")
    gone = "This link is not valid. Please join again with the workshop's code."
    assert tap(ana["token"], question["id"], ids[1]) == (404, {"error": gone})
    assert call("GET", "/api/ballot", ana["token"], query=f"q={question['id']}")[:2] == (404, {"error": gone})
    follower = FeedClient(ana["token"])
    assert (follower.status, follower.messages) == (404, [{"error": gone}])
    follower.close()
    assert dot_rows(db, question["id"]) == [(ana["id"], ids[0], 1)]  # the dot placed before the void stays
    fresh = seats.reissue_seat(db, workshop["id"], 1, "olga")
    back = participation.join_workshop(db, workshop["code"], seat_code=fresh["code"])
    assert tap(ana["token"], question["id"], ids[1])[0] == 404  # the old phone stays out
    assert tap(back["token"], question["id"], ids[1])[0] == 200  # the same person, the same budget
    assert dot_rows(db, question["id"]) == [(ana["id"], ids[0], 1), (ana["id"], ids[1], 1)]
