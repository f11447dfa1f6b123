"""The ballot on venue Wi-Fi: taps made offline are kept and delivered exactly once when the phone is back."""

from __future__ import annotations

from playwright.sync_api import expect

from components import facilitation, participation, seed, workshops
from tests.browser.conftest import dots_left, join_phone, shot, wait_idle, wait_saved

OFFLINE = "Offline — your taps will be sent when you are back."


def open_phone(browser, url: str, code: str, name: str):
    """A phone of its own (browser context) at 390 px that has joined; returns (context, page, participant token)."""
    context, page = join_phone(browser, url, code, name)
    page.get_by_text(dots_left(5, 5), exact=True).wait_for()
    return context, page, page.url.split("t=")[1]


def dots_of(db, question_id: int, token: str) -> list[tuple[int, int]]:
    """(priority, dots) of one participant's dot rows, sorted."""
    participant = participation.get_participant(db, token)
    return db.conn.execute("SELECT priority_id, count(*) FROM dot WHERE question_id = ? AND participant_id = ?"
                           " GROUP BY 1 ORDER BY 1", (question_id, participant["id"])).fetchall()


def add_dot(page, priority_id: int) -> None:
    """Tap "Add dot" on one priority of the ballot."""
    page.locator(f"li.hub-item[data-priority='{priority_id}']").get_by_role("button", name="Add dot").click()


def test_taps_made_offline_are_sent_once_when_the_phone_is_back(live_server, browser, artifacts):
    db = live_server.db()
    question = workshops.list_questions(db, live_server.workshop_id)[0]
    facilitation.set_phase(db, question["id"], "voting", "test")
    first, second = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])][:2]
    context, page, token = open_phone(browser, live_server.url, live_server.code, "Ana")

    add_dot(page, first)
    wait_saved(page)
    page.get_by_text("Saved", exact=True).wait_for()
    assert dots_of(db, question["id"], token) == [(first, 1)]

    context.set_offline(True)  # the venue Wi-Fi drops mid-vote
    add_dot(page, first)
    add_dot(page, second)
    page.get_by_text(OFFLINE, exact=True).wait_for()
    page.get_by_text(dots_left(2, 5), exact=True).wait_for()  # the taps count on screen at once
    expect(page.get_by_text("Saving…", exact=True)).to_have_count(2)
    shot(page, artifacts, "ballot-offline-390")
    assert dots_of(db, question["id"], token) == [(first, 1)]  # nothing could reach the server

    context.set_offline(False)
    wait_saved(page)
    expect(page.get_by_text(OFFLINE, exact=True)).to_be_hidden()
    assert dots_of(db, question["id"], token) == [(first, 2), (second, 1)]
    shot(page, artifacts, "ballot-back-online-390")

    # The phone reloads: what it shows comes from the database, and nothing is sent again.
    page.reload()
    page.get_by_text(dots_left(2, 5), exact=True).wait_for()
    wait_idle(page)
    assert dots_of(db, question["id"], token) == [(first, 2), (second, 1)]
    context.close()


def test_a_tap_whose_answer_is_lost_is_counted_once(live_server, browser):
    """The server stores the tap but the answer never reaches the phone: the phone sends it again."""
    db = live_server.db()
    question = workshops.list_questions(db, live_server.workshop_id)[0]
    if question["phase"] != "voting":
        facilitation.set_phase(db, question["id"], "voting", "test")
    third = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])][2]
    context, page, token = open_phone(browser, live_server.url, live_server.code, "Bo")
    lost = []

    def lose_answer(route):
        if not lost:  # the first tap reaches the server, its answer is dropped on the way back
            route.fetch()
            lost.append(True)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/vote", lose_answer)
    add_dot(page, third)
    wait_saved(page)  # retried after the failure; the retry carries the same count, so it is a no-op
    page.unroute("**/api/vote")
    assert lost == [True] and dots_of(db, question["id"], token) == [(third, 1)]
    page.get_by_text(dots_left(4, 5), exact=True).wait_for()
    context.close()


def test_a_tap_kept_offline_past_the_close_is_refused_not_counted(live_server, browser):
    db = live_server.db()
    workshop = workshops.get_workshop(db, seed.seed_demo(db))
    question = workshops.list_questions(db, workshop["id"])[0]
    facilitation.set_phase(db, question["id"], "voting", "test")
    first = workshops.list_visible_priorities(db, question["id"])[0]["id"]
    context, page, token = open_phone(browser, live_server.url, workshop["code"], "Cy")

    context.set_offline(True)
    add_dot(page, first)
    page.get_by_text(OFFLINE, exact=True).wait_for()
    facilitation.set_phase(db, question["id"], "closed", "test")  # voting closes while the phone is away
    context.set_offline(False)
    wait_saved(page)  # answered: refused, so nothing waits any more
    page.get_by_text("Voting has closed.", exact=True).first.wait_for()
    assert dots_of(db, question["id"], token) == []
    context.close()
