"""Organiser journey in a real browser: results page at projector size, a one-click download, the HTML report."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from components import exports
from tests.browser.conftest import PROJECTOR, shot, staff_login, wait_idle
from tests.test_analysis import seed_small

SLOW = 90_000


def open_results(page, url: str, username: str) -> None:
    """Log in through the real form, then open 'Results & exports' from the sidebar."""
    staff_login(page, url, username)
    page.get_by_role("link", name="Results & exports").first.click()


def test_results_page_download_and_report(live_server, browser, artifacts):
    db = live_server.db()
    small = seed_small(db, "Small workshop", titles={"A": "<script>alert(1)</script>", "B": "Příliš žluťoučký кінь"})
    db.close()
    context = browser.new_context(viewport=PROJECTOR, accept_downloads=True)
    page = context.new_page()
    open_results(page, live_server.url, "organiser")
    # The first run of the page imports pandas and plotly: generous timeouts for a loaded CI machine.
    page.get_by_role("heading", name="Results & exports").wait_for(timeout=SLOW)
    page.get_by_text("Placed at least one dot", exact=True).wait_for(timeout=SLOW)
    page.locator(".js-plotly-plot").first.wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    assert page.get_by_text("Traceback", exact=True).count() == 0
    shot(page, artifacts, "organiser-01-results-1920")

    page.get_by_role("tab", name="Exports").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Excel workbook").click()
    path = download_info.value.path()
    book = openpyxl.load_workbook(io.BytesIO(open(path, "rb").read()))
    assert book.sheetnames == list(exports.SHEETS)
    titles = [row[4] for row in book["ranked priorities"].iter_rows(min_row=2, values_only=True)]
    assert "<script>alert(1)</script>" in titles
    page.get_by_role("button", name="Prepare “download all” (zip)").click()
    with page.expect_download() as zip_info:
        page.get_by_role("button", name="Download all (zip)").click(timeout=SLOW)
    names = zipfile.ZipFile(zip_info.value.path()).namelist()
    assert any(n.endswith("-report.html") for n in names) and sum(n.endswith(".csv") for n in names) == len(exports.SHEETS)
    shot(page, artifacts, "organiser-02-exports-1920")

    db = live_server.db()
    report = artifacts / "organiser-report.html"
    report.write_bytes(exports.export_bytes(db, small["workshop_id"], "html"))
    db.close()
    page.goto(report.as_uri())
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    assert page.locator(".js-plotly-plot").count() == 4  # ranking, themes, dots placed, ranks under the rules
    assert page.get_by_text("<script>alert(1)</script>", exact=True).first.is_visible()
    shot(page, artifacts, "organiser-03-report")
    context.close()
