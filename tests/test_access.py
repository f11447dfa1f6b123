"""Every staff page, opened on its own in a fresh session, shows only a login prompt unless allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit
from streamlit.errors import StreamlitPageNotFoundError
from streamlit.testing.v1 import AppTest

from components import auth, participation

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = {"participant.py", "login.py"}
STAFF_PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py") if p.name not in PUBLIC)
ORGANISER_PAGES = [name for name in STAFF_PAGES if 'require_role("organiser")' in (ROOT / "pages" / name).read_text()]
# What a login prompt may contain: the message and the link to the login page.
PROMPT_TYPES = {"Info", "Warning", "PageLink", "UnknownElement"}


@pytest.fixture(autouse=True)
def standalone_page_link(monkeypatch):
    """A page run on its own has no st.navigation, so a link to another page cannot resolve; draw a stand-in."""
    real = streamlit.page_link

    def page_link(page, **kwargs):
        try:
            return real(page, **kwargs)
        except StreamlitPageNotFoundError:
            return streamlit.caption(f"→ {page}")

    monkeypatch.setattr(streamlit, "page_link", page_link)


def open_page(name: str, username: str | None = None, **query) -> AppTest:
    """Run one page file in a fresh session, optionally logged in as username."""
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=20)
    for key, value in query.items():
        at.query_params[key] = value
    if username:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
    at.run()
    assert not at.exception, at.exception
    return at


def elements(at: AppTest) -> list:
    """Every leaf element in the main area."""
    found, stack = [], list(at.main.children.values())
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict) and type(node).__name__ in ("Block", "SpecialBlock"):
            stack.extend(children.values())
        else:
            found.append(node)
    return found


def assert_login_prompt_only(at: AppTest, message: str) -> None:
    """Only the prompt: no widgets, titles, tables or charts."""
    kinds = [type(e).__name__ for e in elements(at)]
    texts = [str(getattr(e, "value", "")) for e in elements(at)]
    assert message in texts, texts
    assert set(kinds) - {"Caption"} <= PROMPT_TYPES, kinds
    assert not at.button and not at.text_input and not at.selectbox and not at.title and not at.dataframe


def test_staff_pages_are_found():
    assert {"facilitate.py", "moderate.py", "projector.py", "setup.py", "users.py"} <= set(STAFF_PAGES)
    assert "users.py" in ORGANISER_PAGES


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_logged_out_sees_only_login_prompt(db, demo, name):
    at = open_page(name)
    assert_login_prompt_only(at, "Please log in as a facilitator or organiser to open this page.")


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_participant_token_is_not_a_login(db, demo, name):
    participant = participation.join_workshop(db, demo[0]["code"], "Ana")
    at = open_page(name, t=participant["token"])
    assert_login_prompt_only(at, "Please log in as a facilitator or organiser to open this page.")
    assert participant["token"] not in " ".join(str(getattr(e, "value", "")) for e in elements(at))


@pytest.mark.parametrize("name", ORGANISER_PAGES)
def test_organiser_pages_refuse_a_facilitator(db, demo, name):
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)
    at = open_page(name, username="fiona")
    assert_login_prompt_only(at, "This page is for organisers.")


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_disabled_user_is_logged_out(db, demo, name):
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)
    auth.create_user(db, "oscar", "Oscar", "organiser", "test", password="x" * 12)
    auth.set_user_disabled(db, "olga", True, "oscar")
    at = open_page(name, username="olga")
    assert_login_prompt_only(at, "Please log in as a facilitator or organiser to open this page.")


@pytest.mark.parametrize("name", [n for n in STAFF_PAGES if n not in ORGANISER_PAGES])
def test_facilitator_pages_open_for_a_facilitator(db, demo, name):
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)
    at = open_page(name, username="fiona")
    assert len(elements(at)) > 2
