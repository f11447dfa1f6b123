"""A participant on a 390 px phone: join by link, submit, place 5 dots, reload, same 5 dots."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from components import facilitation, participation, workshops
from tests.browser.conftest import PHONE, dots_left, shot, wait_idle, wait_saved


def test_phone_journey_join_submit_vote_reload(live_server, browser, artifacts):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True,
                                  timezone_id="Europe/Belgrade")
    page = context.new_page()
    page.goto(f"{live_server.url}/?code={live_server.code}")
    wait_idle(page)
    shot(page, artifacts, "phone-01-join")
    page.get_by_label("Your name (optional)").fill("Ana")
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**t=*")
    wait_idle(page)
    token = page.url.split("t=")[1]
    shot(page, artifacts, "phone-02-collecting")

    page.get_by_label("Your priority").fill("Mentoring for new participatory budgeting teams")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Thank you! Your priority was added.", exact=True).wait_for()
    shot(page, artifacts, "phone-03-submitted")
    db = live_server.db()
    participant = participation.get_participant(db, token)
    assert [p["title"] for p in participation.list_own_priorities(db, 1, participant["id"])] == \
        ["Mentoring for new participatory budgeting teams"]

    # The facilitator opens voting; the server pushes it to the phone (its own check runs only
    # every 60 s), so the ballot appears within seconds, without a reload.
    question = workshops.list_questions(db, live_server.workshop_id)[0]
    facilitation.set_phase(db, question["id"], "voting", "test")
    page.get_by_text("5 of 5 dots left", exact=True).first.wait_for(timeout=5_000)
    wait_idle(page)
    closes = datetime.now(timezone.utc) + timedelta(minutes=10)
    facilitation.set_phase_deadline(db, question["id"], closes.isoformat(), "test")
    local = closes.astimezone(ZoneInfo("Europe/Belgrade")).strftime("%H:%M")
    page.get_by_text(f"Closes at {local}").first.wait_for(timeout=5_000)  # in the phone's own time zone
    shot(page, artifacts, "phone-04-ballot")

    for left in (4, 3, 2, 1, 0):
        page.get_by_role("button", name="Add dot").and_(page.locator(":enabled")).first.click()
        page.get_by_text(dots_left(left, 5), exact=True).first.wait_for()
    wait_saved(page)  # the line counts a tap at once; "Saving…" stays until the server has stored it
    shot(page, artifacts, "phone-05-five-dots")
    assert participation.count_dots_used(db, question["id"], participant["id"]) == 5

    page.reload()
    page.get_by_text("0 of 5 dots left", exact=True).first.wait_for()
    wait_idle(page)
    shot(page, artifacts, "phone-06-after-reload")
    assert page.get_by_role("button", name="Add dot").and_(page.locator(":enabled")).count() == 0
    assert participation.count_dots_used(db, question["id"], participant["id"]) == 5
    context.close()
