"""Staff pages opened by direct URL in a fresh, logged-out browser show only a login prompt."""

import pytest

from tests.browser.conftest import PHONE, wait_idle

STAFF_SLUGS = ["facilitate", "moderate", "projector", "setup", "results", "users"]


@pytest.mark.parametrize("slug", STAFF_SLUGS)
def test_staff_page_by_direct_url_needs_login(live_server, browser, slug):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/{slug}")
    page.get_by_text("Please log in as a facilitator or organiser").wait_for(timeout=15_000)
    wait_idle(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    # Streamlit serves the page file itself; the page's own gate is all that stands in the way.
    assert body.split() == "Please log in as a facilitator or organiser to open this page. login Staff login".split()
    assert page.locator("[data-testid='stMain'] input, [data-testid='stMain'] button").count() == 0
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    context.close()
