"""Seats in a real browser: the organiser makes seat codes and prints the cards, a phone joins by a card's QR
link, a second browser opening the same link is refused, the facilitator voids a seat; and a shared phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from components import admission, links, rules, seats, workshops
from tests.browser.conftest import PHONE, SLOW, open_staff_page, shot, wait_idle, wait_until
from tests.browser.test_accessibility import assert_accessible

STAFF = {"width": 1440, "height": 900}
PHONE_360 = {"width": 360, "height": 780}
A4 = {"width": 794, "height": 1123}  # A4 at 96 dpi


def phone(browser, viewport=PHONE_360):
    """A fresh browser profile: a phone, or a private window."""
    return browser.new_context(viewport=viewport, device_scale_factor=1, is_mobile=True, has_touch=True, locale="en-US")


def live_seats(live_server) -> list[dict]:
    """The demo workshop's seats, read from the database."""
    return live_server.read(seats.list_seats, live_server.workshop_id)


def count_people(live_server) -> int:
    """Participants of the demo workshop."""
    return live_server.read(workshops.count_participants, live_server.workshop_id)


def open_seats_tab(page, url: str) -> None:
    """Log in as the organiser and open Set up workshops → Joining and seats."""
    open_staff_page(page, url, "organiser", "Set up workshops")
    page.get_by_role("tab", name="Joining and seats").click()
    wait_idle(page)


def test_seat_codes_from_the_printed_card_to_a_voided_seat(live_server, browser, artifacts):
    staff = browser.new_context(viewport=STAFF, accept_downloads=True)
    page = staff.new_page()
    open_seats_tab(page, live_server.url)
    page.get_by_text("Seat codes: one-time codes handed out at the door", exact=True).click()
    page.get_by_role("button", name="Save seat mode").click()
    page.get_by_text("Settings saved.", exact=True).wait_for(timeout=SLOW)
    page.get_by_label("Number of seats", exact=True).fill("3")
    page.get_by_role("button", name="Make seat codes").click()
    page.get_by_text("Seat codes made: 1–3.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page)
    made = live_seats(live_server)
    assert [(s["number"], s["state"]) for s in made] == [(1, "free"), (2, "free"), (3, "free")]

    # The printable sheet: one card per seat, and each QR code is exactly the code of that seat's join link.
    with page.expect_download() as download:
        page.get_by_role("button", name="Printable seat cards").click()
    sheet_html = open(download.value.path(), encoding="utf-8").read()
    base = live_server.url + "/"
    for seat in made:
        assert links.qr_svg(links.seat_url(base, live_server.code, seat["code"])) in sheet_html
    sheet = browser.new_context(viewport=A4).new_page()
    sheet.set_content(sheet_html)
    assert sheet.locator("section.card").count() == 3
    assert sheet.get_by_text("Seat 1", exact=True).is_visible()
    shot(sheet, artifacts, "seats-01-printable-cards-a4")
    sheet.context.close()

    # A phone opens seat 1's QR link and joins; the seat is now used by that participant.
    before = count_people(live_server)
    first = phone(browser)
    mine = first.new_page()
    mine.goto(links.seat_url(base, live_server.code, made[0]["code"]))
    mine.get_by_role("button", name="Join", exact=True).wait_for(timeout=SLOW)
    wait_idle(mine)
    assert mine.get_by_text(f"Seat 1 · {seats.format_seat_code(made[0]['code'])}", exact=True).is_visible()
    shot(mine, artifacts, "seats-02-phone-join-by-seat-360")
    assert_accessible(mine, "phone join form with a seat")
    mine.get_by_label("Your name (optional)").fill("Ana")
    mine.get_by_role("button", name="Join", exact=True).click()
    mine.wait_for_url("**t=*", timeout=SLOW)
    wait_idle(mine)
    shot(mine, artifacts, "seats-03-phone-joined-360")
    assert count_people(live_server) == before + 1
    assert live_seats(live_server)[0]["state"] == "used"

    # The same link in a second browser: refused, no participant.
    second = phone(browser)
    theirs = second.new_page()
    theirs.goto(links.seat_url(base, live_server.code, made[0]["code"]))
    theirs.get_by_text("This seat is already in use on another device. Please ask the facilitator.",
                       exact=True).wait_for(timeout=SLOW)
    wait_idle(theirs)
    assert theirs.get_by_role("button", name="Join", exact=True).count() == 0
    shot(theirs, artifacts, "seats-04-second-browser-refused-360")
    assert_accessible(theirs, "phone refused seat")
    # The first phone's own new tab gets its participant back through the cookie.
    again = first.new_page()
    again.goto(links.seat_url(base, live_server.code, made[0]["code"]))
    again.wait_for_url(re.compile(r".*t=.*"), timeout=SLOW)
    assert count_people(live_server) == before + 1

    # The facilitator voids seat 2 at the door; its card is refused afterwards. (The tab stayed open.)
    assert page.get_by_role("tab", name="Joining and seats", selected=True).count() == 1
    page.get_by_label("Seat", exact=True).fill("2")
    page.get_by_label("Seat", exact=True).press("Enter")
    page.get_by_text("I want to void this seat", exact=True).click()
    expect(page.get_by_role("checkbox", name="I want to void this seat")).to_be_checked(timeout=SLOW)
    void = page.get_by_role("button", name="Void seat")
    expect(void).to_be_enabled(timeout=SLOW)
    expect(page.get_by_label("Seat", exact=True)).to_have_value("2")
    void.click()
    page.get_by_text("Seat 2 was voided.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page)
    assert page.get_by_role("tab", name="Joining and seats", selected=True).count() == 1
    shot(page, artifacts, "seats-05-setup-tab-1440")
    page.get_by_role("button", name="Reissue seat").scroll_into_view_if_needed()
    shot(page, artifacts, "seats-06-setup-seat-list-1440")
    assert_accessible(page, "set-up: joining and seats")
    assert [(s["number"], s["state"]) for s in live_seats(live_server)] == [(1, "used"), (3, "free"), (2, "voided")]
    voided = phone(browser).new_page()
    voided.goto(links.seat_url(base, live_server.code, made[1]["code"]))
    voided.get_by_text("This seat is no longer valid. Please ask the facilitator for a new one.",
                       exact=True).wait_for(timeout=SLOW)
    wait_idle(voided)
    shot(voided, artifacts, "seats-07-voided-seat-refused-360")
    assert count_people(live_server) == before + 1

    # The Run page: joins in the last minute in the room panel, and the joining switch closes joining.
    page.get_by_role("link", name="Run workshop").first.click()
    page.get_by_text("Joined in the last minute", exact=True).wait_for(timeout=SLOW)
    wait_idle(page)
    shot(page, artifacts, "seats-08-run-page-joining-1440")
    page.get_by_text("Joined in the last minute", exact=True).scroll_into_view_if_needed()
    shot(page, artifacts, "seats-08b-run-page-room-panel-1440")
    page.get_by_text("Joining open", exact=True).click()
    wait_until(lambda: not live_server.read(workshops.get_workshop, live_server.workshop_id)["joining_open"])
    late = phone(browser).new_page()
    late.goto(links.seat_url(base, live_server.code, made[2]["code"]))
    late.get_by_text("Joining this workshop is closed. Please ask the facilitator.", exact=True).wait_for(timeout=SLOW)
    again.reload()
    again.get_by_text("Keep this link to come back later", exact=True).wait_for(timeout=SLOW)  # still in
    for context in (staff, first, second, voided.context, late.context):
        context.close()


def test_a_shared_phone_hands_over_only_where_allowed(live_server, browser, artifacts):
    db = live_server.db()
    seats.set_seat_mode(db, live_server.workshop_id, "open", "test")
    admission.update_join_settings(db, live_server.workshop_id, "test", allow_shared_device=True, joining_open=True)
    db.close()
    cookie = rules.remembered_participant_cookie(live_server.workshop_id)
    shared = phone(browser, PHONE)
    page = shared.new_page()
    page.goto(f"{live_server.url}/?code={live_server.code}")
    page.get_by_label("Your name (optional)").fill("Ana")
    page.get_by_role("button", name="Join", exact=True).click()
    page.wait_for_url("**t=*", timeout=SLOW)
    ana = page.url.split("t=")[1]
    page.get_by_role("button", name="I am someone else").wait_for(timeout=SLOW)
    wait_idle(page)
    page.get_by_role("button", name="I am someone else").scroll_into_view_if_needed()
    shot(page, artifacts, "seats-09-shared-phone-offer-390")
    page.get_by_role("button", name="I am someone else").click()
    page.get_by_role("button", name="Join", exact=True).wait_for(timeout=SLOW)
    page.wait_for_function(f"() => !document.cookie.includes('{cookie}=')")  # Ana's cookie is forgotten
    page.get_by_label("Your name (optional)").fill("Ben")
    page.get_by_role("button", name="Join", exact=True).click()
    page.wait_for_url(re.compile(r".*t=(?!" + re.escape(ana) + ").*"), timeout=SLOW)
    ben = page.url.split("t=")[1]
    page.wait_for_function(f"() => document.cookie.includes('{cookie}={ben}')")
    # A new tab of this phone is Ben now, not Ana.
    tab = shared.new_page()
    tab.goto(f"{live_server.url}/?code={live_server.code}")
    tab.wait_for_url(f"**t={ben}", timeout=SLOW)

    # Forbidden again: the phone is not offered the switch and keeps Ben.
    db = live_server.db()
    admission.update_join_settings(db, live_server.workshop_id, "test", allow_shared_device=False)
    db.close()
    tab.reload()
    tab.get_by_role("button", name="Keep this link to come back later").or_(
        tab.get_by_text("Keep this link to come back later", exact=True)).first.wait_for(timeout=SLOW)
    wait_idle(tab)
    assert tab.get_by_role("button", name="I am someone else").count() == 0
    assert {c["name"]: c["value"] for c in shared.cookies()}[cookie] == ben
    shared.close()
