"""A survey file the csv module cannot read is refused on the page with a sentence, and one with a long header
line of stray quotes is read at once, in a real browser (staff page at 1440 px; screenshots in test-artifacts/)."""

from __future__ import annotations

from components import facilitation, workshops
from tests.browser.conftest import SLOW, open_staff_page, wait_idle
from tests.browser.test_setup_journey import STAFF, Clicks, create_workshop, shot_whole, upload

UNREADABLE = "This file could not be read as a CSV file. Save it from the spreadsheet as CSV UTF-8 and try again."


def test_unreadable_and_awkward_survey_files(live_server, browser, artifacts):
    context = browser.new_context(viewport=STAFF, device_scale_factor=1)
    page = context.new_page()
    open_staff_page(page, live_server.url, "facilitator", "Set up workshops")
    create_workshop(page, Clicks(), "Awkward files")
    db = live_server.db()
    [workshop] = [w for w in workshops.list_workshops(db) if w["title"] == "Awkward files"]
    [question] = workshops.list_questions(db, workshop["id"])
    page.locator(".st-key-next_import").get_by_role("button", name="Import priorities").click()
    page.get_by_text("Survey file (CSV or XLSX)", exact=True).wait_for(timeout=SLOW)

    # A cell of 200 KB (past the csv module's 128 KB): before, an error box instead of a reason.
    upload(page, "survey.csv", b"title,details\nPriority one," + b"x" * 200_000 + b"\n", "text/csv")
    page.get_by_text(UNREADABLE, exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    assert page.locator('[data-testid="stException"]').count() == 0
    shot_whole(page, artifacts, "review-import-unreadable-csv-1440")

    # A 300 KB header line of stray quotes: before, csv.Sniffer held the whole server for about 10 minutes.
    upload(page, "survey2.csv", ("title" + ';"a' * 100_000 + "\nPriority one;x\n").encode(), "text/csv")
    page.get_by_text("1 priority will be added", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    shot_whole(page, artifacts, "review-import-long-header-1440")
    assert facilitation.list_priorities_for_moderation(db, question["id"]) == []  # a preview imports nothing
    context.close()
