"""Staff pages opened by direct URL in a fresh, logged-out browser reveal nothing.

The first request of each test goes to a fresh server, so this also covers Streamlit's
pages-folder fallback (a server's first run used to execute the sub-page on its own).
"""

import pytest

from tests.browser.conftest import PHONE, wait_idle

STAFF_SLUGS = ["facilitate", "moderate", "projector", "setup", "results", "users"]


@pytest.mark.parametrize("slug", STAFF_SLUGS)
def test_staff_page_by_direct_url_reveals_nothing(live_server, browser, slug):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/{slug}")
    page.get_by_text("Join the workshop", exact=True).wait_for(timeout=15_000)
    wait_idle(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert body.split() == "Join the workshop Join code Continue".split()
    # No navigation, no sidebar and no way to open one: nothing for a participant but the page.
    assert page.locator("[data-testid='stSidebar'], [data-testid='stSidebarNav'], "
                        "[data-testid='stExpandSidebarButton']").count() == 0
    context.close()


def test_a_new_tab_keeps_the_staff_login(live_server, browser):
    """The projector opened in a second tab is logged in through the signed cookie."""
    from tests.browser.conftest import PROJECTOR, staff_login

    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    staff_login(page, live_server.url, "facilitator")
    assert any(c["name"] == "hub_workshop_auth" for c in context.cookies())
    tab = context.new_page()
    tab.goto(f"{live_server.url}/projector")
    tab.get_by_text(live_server.code).first.wait_for(timeout=20_000)
    assert "Please log in" not in tab.locator("[data-testid='stMain']").inner_text()
    context.close()


def test_logging_out_ends_the_login_in_every_tab(live_server, browser):
    """After 'Log out', a new tab with the same (old) cookie is logged out too."""
    from tests.browser.conftest import PROJECTOR, staff_login

    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    staff_login(page, live_server.url, "facilitator")
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("Join the workshop", exact=True).wait_for(timeout=20_000)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/projector")
    tab.get_by_text("Join the workshop", exact=True).wait_for(timeout=20_000)
    assert live_server.code not in tab.locator("[data-testid='stMain']").inner_text()
    context.close()


def test_a_projector_stops_streaming_once_its_login_ends(live_server, browser):
    """The projector's live fragment asks who is watching: after a logout elsewhere it stops showing the room."""
    from components import auth
    from tests.browser.conftest import PROJECTOR, staff_login

    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    staff_login(page, live_server.url, "facilitator")
    page.goto(f"{live_server.url}/projector")
    page.get_by_text(live_server.code, exact=True).first.wait_for(timeout=30_000)
    db = live_server.db()
    try:
        auth.record_logout(db, "facilitator")  # as 'Log out' in another tab or on another laptop does
    finally:
        db.close()
    # The redrawn app has no staff pages for a visitor: the projector's address now opens the join page.
    page.get_by_text("Join the workshop", exact=True).wait_for(timeout=30_000)
    assert page.get_by_text(live_server.code, exact=True).count() == 0
    context.close()
