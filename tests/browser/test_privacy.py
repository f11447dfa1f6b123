"""Privacy in a real browser: hidden groups on the results page, microdata only when ticked, logins slowed down."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from components import auth
from tests.browser.conftest import PHONE, STAFF_PASSWORD, shot, wait_idle, wait_until
from tests.browser.test_organiser import open_results
from tests.test_suppression import seed_lone

SLOW = 90_000
STAFF = {"width": 1440, "height": 900}
OPENED = """() => {
  const panel = [...document.querySelectorAll('[data-testid="stExpander"] details[open]')]
    .find(d => d.querySelector('summary').textContent.includes('Weights per country'));
  const table = panel && panel.querySelector('[data-testid="stDataFrame"]');
  return !!table && table.getBoundingClientRect().bottom <= panel.getBoundingClientRect().bottom - 8;
}"""
SEGMENTS_CAPTION = ("Each column counts the dots of one group. A group with fewer than 5 participants is hidden, and "
                    "more groups are hidden (smallest first) until the hidden ones together have at least 5, so nothing "
                    "can be worked out by subtraction. Hidden groups: 2.")


def download_json(page) -> dict:
    """Click the JSON button and read the file."""
    with page.expect_download() as info:
        page.get_by_role("button", name="JSON data", exact=True).click()
    return json.loads(open(info.value.path(), "rb").read())


def test_hidden_groups_and_microdata_on_the_results_page(live_server, browser, artifacts):
    db = live_server.db()
    seed_lone(db)  # the newest workshop: the results page opens on it
    db.close()
    context = browser.new_context(viewport=STAFF, accept_downloads=True)
    page = context.new_page()
    open_results(page, live_server.url, "organiser")
    page.get_by_text("Placed at least one dot", exact=True).wait_for(timeout=SLOW)
    page.get_by_role("tab", name="Segments", exact=True).click()
    page.get_by_text(SEGMENTS_CAPTION, exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    shot(page, artifacts, "privacy-01-segments-1440")

    page.get_by_role("tab", name="Fairness", exact=True).click()
    page.get_by_text("Weights per country", exact=True).click()
    weights = page.locator('[data-testid="stExpander"]').filter(has_text="Weights per country").locator(
        'details[open] [data-testid="stDataFrame"]')
    weights.wait_for(timeout=SLOW)
    # Ready when the expander has finished opening: its table's full height is inside the open panel.
    page.wait_for_function(OPENED, timeout=SLOW, polling="raf")
    wait_idle(page, timeout=SLOW)
    weights.scroll_into_view_if_needed()
    shot(page, artifacts, "privacy-02-fairness-weights-1440")

    page.get_by_role("tab", name="Exports", exact=True).click()
    plain = download_json(page)
    assert plain["microdata"] is False and all(set(p) == {"id", "kind"} for p in plain["participants"])
    page.get_by_text("JSON with microdata", exact=True).click()  # the label: Streamlit draws its own box over the input
    assert page.get_by_role("checkbox", name="JSON with microdata", exact=True).is_checked()
    warning = ("The JSON data will link each participant's profile answers to their dots (microdata). "
               "Treat it as personal data.")
    page.get_by_text(warning, exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    shot(page, artifacts, "privacy-03-exports-microdata-1440")
    micro = download_json(page)
    assert micro["microdata"] is True
    assert sorted(p["profile"]["country"] for p in micro["participants"]).count("Slovenia") == 1
    context.close()


WAIT = re.compile(r"Too many wrong passwords for this username\. Please wait \d+ s, then try again\.")


def test_wrong_passwords_slow_the_login_down_then_the_owner_gets_in(live_server, browser, artifacts):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    for attempt in range(8):  # the delays grow, so a slow machine still meets a wait within a few tries
        page.get_by_label("Username", exact=True).fill("facilitator")
        page.get_by_label("Password", exact=True).fill(f"wrong-password-{attempt}")
        page.get_by_role("button", name="Log in", exact=True).click()
        wait_idle(page, timeout=SLOW)
        if page.get_by_text(WAIT).count():
            break
    assert page.get_by_text(WAIT).count() == 1 and attempt >= 3
    shot(page, artifacts, "privacy-04-login-wait-390")

    db = live_server.db()
    try:  # the wait is over when the database says so: no fixed pause
        wait_until(lambda: (lambda due: due is None or datetime.fromisoformat(due) <= datetime.now(timezone.utc))(
            auth.get_user(db, "facilitator")["next_login_check_at"]), timeout=40)
    finally:
        db.close()
    page.get_by_label("Username", exact=True).fill("facilitator")
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_text("You are logged in.", exact=True).wait_for(timeout=SLOW)
    context.close()
