"""The whole workshop in real browsers: a facilitator, three phones, the projector, then an organiser's XLSX.

Every step goes through the UI (join by link, submit, the Run workshop buttons, "Add dot", the download
button); the database is only read, to find priority ids and to cross-check.
"""

from __future__ import annotations

import io

import openpyxl

from components import workshops
from tests.browser.conftest import PHONE, PROJECTOR, dots_left, shot, staff_login, wait_idle, wait_saved, wait_still

SLOW = 60_000
# name -> the priority each participant submits while collecting.
PEOPLE = {
    "Ana": "Mentoring for new participatory budgeting teams",
    "Bo": "Translate the toolkit into Albanian & Macedonian",
    "Cy": "=1+1 shared calendar of regional events",  # a formula-looking title must stay text in Excel
}
SEED_FIRST = "A peer-learning programme on participatory budgeting for small municipalities"
# voter -> {priority title: dots}; 5, 3 and 2 dots in all.
PLAN = {
    "Ana": {PEOPLE["Bo"]: 3, SEED_FIRST: 2},
    "Bo": {PEOPLE["Ana"]: 2, PEOPLE["Cy"]: 1},
    "Cy": {PEOPLE["Ana"]: 1, PEOPLE["Bo"]: 1},
}
BARS = "() => [...document.querySelectorAll('.hub-bars-value')].map(t => t.textContent.trim())"


def expected_dots(titles_by_id: dict[int, str]) -> dict[int, int]:
    """Dots per priority id, summed from the plan (independent of the app's tally)."""
    totals = {pid: 0 for pid in titles_by_id}
    ids = {title: pid for pid, title in titles_by_id.items()}
    for votes in PLAN.values():
        for title, dots in votes.items():
            totals[ids[title]] += dots
    return totals


def join_and_submit(browser, url: str, code: str, name: str, title: str, artifacts):
    """A phone joins by the link, gives a name and submits one priority."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{url}/?code={code}")
    page.get_by_label("Your name (optional)").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**t=*", timeout=SLOW)
    page.get_by_label("Your priority").fill(title)
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Thank you! Your priority was added.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page)
    shot(page, artifacts, f"journey-02-{name.lower()}-submitted-390")
    return context, page


def place_dots(page, plan: dict[int, int], budget: int) -> None:
    """Press "Add dot" on each planned priority, waiting for the budget line after every press."""
    used = 0
    for priority_id, dots in plan.items():
        for _ in range(dots):
            page.locator(f'li[data-priority="{priority_id}"]').get_by_role("button", name="Add dot").click()
            used += 1
            page.get_by_text(dots_left(budget - used, budget), exact=True).first.wait_for(timeout=SLOW)
    wait_saved(page)
    wait_idle(page)


def test_full_workshop_journey(live_server, browser, artifacts):
    db = live_server.db()
    question = workshops.list_questions(db, live_server.workshop_id)[0]
    assert question["phase"] == "collecting"
    budget = question["dots_per_participant"]

    staff = browser.new_context(viewport=PROJECTOR, device_scale_factor=1)
    facilitator = staff.new_page()
    staff_login(facilitator, live_server.url, "facilitator")
    facilitator.get_by_role("heading", name="Run workshop").wait_for(timeout=SLOW)
    shot(facilitator, artifacts, "journey-01-facilitator-run-1920")

    phones = {name: join_and_submit(browser, live_server.url, live_server.code, name, title, artifacts)
              for name, title in PEOPLE.items()}
    titles_by_id = {p["id"]: p["title"] for p in workshops.list_visible_priorities(db, question["id"])}
    assert set(PEOPLE.values()) <= set(titles_by_id.values())
    ids = {title: pid for pid, title in titles_by_id.items()}

    facilitator.get_by_role("button", name="Open voting").click()
    facilitator.get_by_text("Phase changed to Voting.", exact=True).wait_for(timeout=SLOW)
    assert workshops.get_question(db, question["id"])["phase"] == "voting"
    for name, (_context, page) in phones.items():
        # The phones follow the phase by polling (5 s), without a reload.
        page.get_by_text(dots_left(budget, budget), exact=True).first.wait_for(timeout=SLOW)
    shot(phones["Ana"][1], artifacts, "journey-03-ballot-390")

    for name, votes in PLAN.items():
        page = phones[name][1]
        place_dots(page, {ids[title]: dots for title, dots in votes.items()}, budget)
        shot(page, artifacts, f"journey-04-{name.lower()}-voted-390")
    expected = expected_dots(titles_by_id)
    stored = dict(db.conn.execute("SELECT priority_id, count(*) FROM dot WHERE question_id = ? GROUP BY priority_id",
                                  (question["id"],)).fetchall())
    assert {pid: stored.get(pid, 0) for pid in titles_by_id} == expected

    facilitator.get_by_role("button", name="Show results live").click()
    facilitator.get_by_text("Results live", exact=True).first.wait_for(timeout=SLOW)
    wait_idle(facilitator)
    with facilitator.context.expect_page() as opened:  # the projector opens in its own tab
        facilitator.get_by_role("link", name="Open the projector screen").click()
    projector = opened.value
    # Every bar carries its dot count: the projector's bar labels equal the planned totals.
    want_bars = sorted(str(n) for n in expected.values() if n)
    projector.wait_for_function(f"want => JSON.stringify(({BARS})().filter(t => t !== '0').sort())"
                                " === JSON.stringify(want)", arg=want_bars, timeout=SLOW)
    wait_idle(projector)
    wait_still(projector)  # the bars glide to their length; the screenshot shows where they end
    shot(projector, artifacts, "journey-05-projector-1920")
    projector.close()

    facilitator.get_by_role("button", name="Close voting").click(timeout=SLOW)
    facilitator.get_by_text("Phase changed to Closed.", exact=True).wait_for(timeout=SLOW)
    assert workshops.get_question(db, question["id"])["phase"] == "closed"
    phones["Ana"][1].get_by_text("Voting has closed.", exact=True).first.wait_for(timeout=SLOW)
    shot(phones["Ana"][1], artifacts, "journey-06-closed-390")
    for context, _page in phones.values():
        context.close()
    staff.close()

    office = browser.new_context(viewport=PROJECTOR, device_scale_factor=1, accept_downloads=True)
    organiser = office.new_page()
    staff_login(organiser, live_server.url, "organiser")
    organiser.get_by_role("link", name="Results & exports").first.click(timeout=SLOW)
    organiser.get_by_role("heading", name="Results & exports").wait_for(timeout=SLOW)
    organiser.get_by_role("tab", name="Exports").click(timeout=SLOW)
    with organiser.expect_download(timeout=SLOW) as download_info:
        organiser.get_by_role("button", name="Excel workbook").click(timeout=SLOW)
    shot(organiser, artifacts, "journey-07-organiser-exports-1920")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    office.close()

    rows = list(book["ranked priorities"].iter_rows(values_only=True))
    header = rows[0]
    col = {name: header.index(name) for name in ("question_no", "priority_id", "title", "dots")}
    ranked = {row[col["priority_id"]]: row for row in rows[1:] if row[col["question_no"]] == 1}
    assert {pid: row[col["dots"]] for pid, row in ranked.items()} == expected
    assert ranked[ids[PEOPLE["Cy"]]][col["title"]] == "'" + PEOPLE["Cy"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), \
                    f"formula-like text in {sheet.title}!{cell.coordinate}"
    db.close()
