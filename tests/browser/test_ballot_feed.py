"""Voting opens: the ballot draws itself from its feed (GET /api/feed, GET /api/ballot) before the page reruns."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench import harness
from components import facilitation, workshops
from tests.browser.conftest import PHONE, ROOT, LiveServer, dots_left, launch_streamlit, seed_database, wait_idle

# The page push is made slow here (a check every 40 s, its first at least 40 s after the change), and
# the feed checks every 10 s: a ballot on screen within 20 s can only have come through the feed.
SLOW_PUSH = {"HUB_PUSH_SECONDS": "40", "HUB_PHASE_POLL_SECONDS": "600"}


@pytest.fixture(scope="module")
def slow_push_server(tmp_path_factory):
    """A server whose pushed page reruns come late."""
    tmp = tmp_path_factory.mktemp("slow-push")
    workshop_id, code = seed_database(tmp / "hub.db", "facilitator")
    proc, url = launch_streamlit(ROOT / "app.py", ROOT, tmp / "hub.db", tmp / "streamlit.log", **SLOW_PUSH)
    yield LiveServer(url, tmp / "hub.db", code, workshop_id)
    harness.stop_server(proc)


def test_the_ballot_arrives_through_the_feed_and_hides_the_stale_form(slow_push_server, browser):
    db = slow_push_server.db()
    question = workshops.list_questions(db, slow_push_server.workshop_id)[0]
    assert question["phase"] == "collecting"
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{slow_push_server.url}/?code={slow_push_server.code}")
    page.get_by_role("button", name="Join", exact=True).click()
    page.get_by_label("Your priority").wait_for()
    wait_idle(page)

    facilitation.set_phase(db, question["id"], "voting", "test")
    page.get_by_text(dots_left(5, 5), exact=True).wait_for(timeout=20_000)
    # The page has not rerun: its submission form is still in the page, hidden by the ballot.
    expect(page.locator(f".st-key-collect_q{question['id']}")).to_have_count(1)
    expect(page.locator(f".st-key-collect_q{question['id']}")).to_be_hidden()
    page.get_by_role("button", name="Add dot").first.click()
    page.get_by_text("Saved", exact=True).wait_for()

    # Closing reaches the ballot the same way: its buttons stop at once, with a note.
    facilitation.set_phase(db, question["id"], "closed", "test")
    page.get_by_text("Voting has closed.", exact=True).wait_for(timeout=20_000)
    expect(page.get_by_role("button", name="Add dot").first).to_be_disabled()
    context.close()
