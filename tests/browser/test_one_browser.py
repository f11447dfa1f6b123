"""One browser, one participant: new tabs and rescanned QR codes get the same participant back."""

from __future__ import annotations

from components import rules, workshops
from tests.browser.conftest import PHONE, wait_idle


def count_participants(live_server) -> int:
    """Participants of the demo workshop, read from the database."""
    return live_server.read(workshops.count_participants, live_server.workshop_id)


def open_phone(browser, locale: str = "en-US"):
    """A fresh browser profile (a phone, or a private window)."""
    return browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, locale=locale)


def test_new_tabs_of_a_browser_that_joined_get_the_same_participant(live_server, browser):
    before = count_participants(live_server)
    phone = open_phone(browser)
    first = phone.new_page()
    first.goto(f"{live_server.url}/?code={live_server.code}")
    first.get_by_label("Your name (optional)").fill("Ana")
    first.get_by_role("button", name="Join", exact=True).click()
    first.wait_for_url("**t=*")
    wait_idle(first)
    token = first.url.split("t=")[1]
    phone_cookies = {c["name"]: c for c in phone.cookies()}
    cookie = phone_cookies[rules.remembered_participant_cookie(live_server.workshop_id)]
    assert cookie["value"] == token and cookie["sameSite"] == "Strict"

    # Five more tabs by code and by link, as when the QR is scanned again or the tab was closed.
    for url in [f"{live_server.url}/?code={live_server.code}"] * 3 + [f"{live_server.url}/?code={live_server.code.lower()}"] * 2:
        tab = phone.new_page()
        tab.goto(url)
        tab.wait_for_url(f"**t={token}")
        wait_idle(tab)
        assert tab.get_by_role("button", name="Join", exact=True).count() == 0
        tab.close()
    assert count_participants(live_server) == before + 1

    # A private window has no cookie: it is a new person as far as the browser can tell.
    private = open_phone(browser)
    page = private.new_page()
    page.goto(f"{live_server.url}/?code={live_server.code}")
    page.get_by_role("button", name="Join", exact=True).wait_for()
    private.close()
    phone.close()


def test_a_forged_or_foreign_cookie_is_ignored(live_server, browser):
    phone = open_phone(browser)
    host = live_server.url.split("//")[1].split(":")[0]
    phone.add_cookies([{"name": rules.remembered_participant_cookie(live_server.workshop_id), "value": "forged-token",
                        "domain": host, "path": "/"}])
    page = phone.new_page()
    page.goto(f"{live_server.url}/?code={live_server.code}")
    page.get_by_role("button", name="Join", exact=True).wait_for()
    wait_idle(page)
    assert "t=" not in page.url and page.get_by_text("Traceback").count() == 0
    phone.close()


def test_a_tab_opened_before_joining_follows_the_tab_that_joined(live_server, browser):
    """Two tabs show the join form (a QR scanned twice); once one joins, the other becomes that participant."""
    before = count_participants(live_server)
    phone = open_phone(browser)
    early, joining = phone.new_page(), phone.new_page()
    for page in (early, joining):
        page.goto(f"{live_server.url}/?code={live_server.code}")
        page.get_by_role("button", name="Join", exact=True).wait_for()
    joining.get_by_role("button", name="Join", exact=True).click()
    joining.wait_for_url("**t=*")
    token = joining.url.split("t=")[1]
    early.wait_for_url(f"**t={token}")          # without a reload or a click
    assert count_participants(live_server) == before + 1

    # A participant link from someone else does not take this browser over.
    other = phone.new_page()
    stranger = open_phone(browser)
    theirs = stranger.new_page()
    theirs.goto(f"{live_server.url}/?code={live_server.code}")
    theirs.get_by_role("button", name="Join", exact=True).click()
    theirs.wait_for_url("**t=*")
    other.goto(theirs.url)
    wait_idle(other)
    cookie_name = rules.remembered_participant_cookie(live_server.workshop_id)
    assert {c["name"]: c["value"] for c in phone.cookies()}[cookie_name] == token
    stranger.close()
    phone.close()
