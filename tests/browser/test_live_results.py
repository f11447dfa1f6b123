"""Live results on phones: a watched phone shows another phone's dots without a reload."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from components import facilitation, workshops
from tests.browser.conftest import dots_left, join_phone, shot


def result_dots(page, title: str):
    """The dot count shown beside one priority in the phone's results list."""
    listing = page.get_by_role("list", name="Results", exact=True)
    return listing.get_by_role("listitem").filter(has=page.get_by_text(title, exact=True)).locator(".hub-counts strong")


def test_a_watched_phone_shows_another_phones_dots(live_server, browser, artifacts):
    db = live_server.db()
    question = workshops.list_questions(db, live_server.workshop_id)[0]
    facilitation.set_phase(db, question["id"], "voting", "test")
    facilitation.set_results_visibility(db, question["id"], "live", "test")
    first = workshops.list_visible_priorities(db, question["id"])[0]

    ana_context, ana = join_phone(browser, live_server.url, live_server.code, "Ana")
    bo_context, bo = join_phone(browser, live_server.url, live_server.code, "Bo")
    expect(result_dots(bo, first["title"])).to_have_text("0")

    ballot_item = ana.locator(f"li.hub-item[data-priority='{first['id']}']")
    for left in (4, 3):
        ballot_item.get_by_role("button", name="Add dot").click()
        ana.get_by_text(dots_left(left, 5), exact=True).first.wait_for()
    # Bo only watches: his page's feed hands on the room's tally about once a second, no reload, no click.
    expect(result_dots(bo, first["title"])).to_have_text("2", timeout=15_000)
    # Ana's own list follows her ballot at once (the ballot tells it), with her dots beside it.
    expect(result_dots(ana, first["title"])).to_have_text("2", timeout=5_000)
    own = ana.get_by_role("list", name="Results", exact=True).get_by_role("listitem").filter(
        has=ana.get_by_text(first["title"], exact=True))
    expect(own.get_by_text("Your dots: ●●", exact=True)).to_be_visible()
    bo.get_by_role("list", name="Results", exact=True).scroll_into_view_if_needed()
    shot(bo, artifacts, "live-results-watched-phone")

    # Hidden again: the phones' next redraw shows no list, and the ballot's route sends no results.
    facilitation.set_results_visibility(db, question["id"], "hidden", "test")
    expect(bo.get_by_role("list", name="Results", exact=True)).to_have_count(0, timeout=15_000)
    token = bo.url.split("t=")[1]
    request = urllib.request.Request(f"{live_server.url}/api/ballot?q={question['id']}", headers={"X-Hub-Token": token})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["results"] is None
    ana_context.close()
    bo_context.close()


def test_the_server_answers_health_and_sends_security_headers(live_server):
    with urllib.request.urlopen(f"{live_server.url}/healthz", timeout=10) as answer:
        assert (answer.status, json.loads(answer.read())["ok"]) == (200, True)
    with urllib.request.urlopen(f"{live_server.url}/?code={live_server.code}", timeout=10) as page:
        headers = page.headers
    assert headers["Referrer-Policy"] == "no-referrer" and headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
