"""Every page renders without an exception, logged out and as an organiser, and app.py routes by role."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import auth

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def run_as(script: Path, username: str | None = None) -> AppTest:
    """Run a script in a fresh session, optionally logged in."""
    at = AppTest.from_file(str(script), default_timeout=20)
    if username:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_for_organiser(db, demo, page):
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="long-enough-pw")
    at = run_as(ROOT / "pages" / page, "olga")
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_logged_out(db, demo, page):
    at = run_as(ROOT / "pages" / page)
    assert not at.exception, at.exception


def test_app_routes_participants_to_the_join_page(db, demo):
    at = run_as(ROOT / "app.py")
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Join code"]


def test_app_routes_staff_to_their_pages(db, demo):
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="long-enough-pw")
    at = run_as(ROOT / "app.py", "fiona")
    assert not at.exception
    assert "Logged in as Fiona (facilitator)" in [t.value for t in at.sidebar.text]
