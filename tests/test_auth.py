"""Staff login through the real login page (streamlit-authenticator + our lockout), and the users page."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from components import auth
from tests.test_access import standalone_page_link  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


@pytest.fixture
def fiona(db):
    """A facilitator account."""
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password=PASSWORD)
    return "fiona"


def login_page() -> AppTest:
    """A fresh session on the login page."""
    at = AppTest.from_file(str(ROOT / "pages" / "login.py"), default_timeout=20)
    at.run()
    assert not at.exception
    return at


def attempt(at: AppTest, username: str, password: str) -> AppTest:
    """Type into the login form and submit."""
    fields = {t.label: t for t in at.text_input}
    fields["Username"].input(username)
    fields["Password"].input(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def messages(at: AppTest) -> list[str]:
    """Errors and successes on screen."""
    return [e.value for e in at.error] + [s.value for s in at.success]


def audit_actions(db, username: str) -> list[str]:
    """The audit trail about one user."""
    return [r[0] for r in db.conn.execute("SELECT action FROM audit_log WHERE actor = ? OR details LIKE ?",
                                          (username, f'%"{username}"%'))]


def test_login_success_is_recorded(db, fiona):
    at = attempt(login_page(), "fiona", PASSWORD)
    assert "You are logged in." in messages(at)
    assert at.session_state["authentication_status"] is True
    assert at.session_state["username"] == "fiona"
    assert "user.login" in audit_actions(db, "fiona")


def test_wrong_password_is_refused_and_counted(db, fiona):
    at = attempt(login_page(), "fiona", "wrong-password-1")
    assert "Username or password is incorrect." in messages(at)
    assert not at.session_state["authentication_status"]
    assert auth.get_user(db, "fiona")["failed_logins"] == 1


def test_five_failures_lock_even_the_right_password(db, fiona):
    at = login_page()
    for n in range(5):
        attempt(at, "fiona", f"wrong-password-{n}")
    assert "Too many failed attempts: this account is locked for 5 minutes." in messages(at)
    row = auth.get_user(db, "fiona")
    assert row["locked_until"] is not None and auth.is_locked(row)
    assert "user.locked" in audit_actions(db, "fiona")

    attempt(at, "fiona", PASSWORD)
    assert "You are logged in." not in messages(at)
    assert "Too many failed attempts: this account is locked for 5 minutes." in messages(at)
    assert not at.session_state["authentication_status"]

    fresh = attempt(login_page(), "fiona", PASSWORD)
    assert not fresh.session_state["authentication_status"]
    assert "user.login" not in audit_actions(db, "fiona")


def test_lock_expires(db, fiona, monkeypatch):
    for _ in range(5):
        auth.record_failed_login(db, "fiona")
    assert auth.is_locked(auth.get_user(db, "fiona"))
    later = auth._now() + auth.LOCKOUT + auth.timedelta(seconds=1)
    monkeypatch.setattr(auth, "_now", lambda: later)
    at = attempt(login_page(), "fiona", PASSWORD)
    assert "You are logged in." in messages(at)
    assert auth.get_user(db, "fiona")["locked_until"] is None


# ---------------------------------------------------------------- users page

def users_page(db, username: str = "olga") -> AppTest:
    """The users page as an organiser."""
    if auth.get_user(db, username) is None:
        auth.create_user(db, username, username.title(), "organiser", "test", password=PASSWORD)
    at = AppTest.from_file(str(ROOT / "pages" / "users.py"), default_timeout=20)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.run()
    assert not at.exception
    return at


def shown_codes(at: AppTest) -> list[str]:
    """Text shown in code blocks (the one-time password)."""
    return [c.value for c in at.code]


def test_add_user_shows_generated_password_once(db):
    at = users_page(db)
    at.text_input(key="new_username").input("Marko")
    at.text_input(key="new_name").input("Marko M")
    at.selectbox(key="new_role").select("facilitator")
    at.button(key="FormSubmitter:add_user-Add user").click().run()
    row = auth.get_user(db, "marko")
    assert row["role"] == "facilitator" and row["name"] == "Marko M"
    [password] = shown_codes(at)
    assert bcrypt.checkpw(password.encode(), row["password_hash"].encode())
    at.run()
    assert shown_codes(at) == []
    assert "user.create" in audit_actions(db, "olga")


def test_reset_password_and_disable_enable(db):
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password=PASSWORD)
    for _ in range(5):
        auth.record_failed_login(db, "fiona")
    at = users_page(db)
    at.selectbox(key="manage_user").select("fiona")
    at.button(key="reset_password").click().run()
    [password] = shown_codes(at)
    row = auth.get_user(db, "fiona")
    assert auth.check_password(password, row["password_hash"]) and not auth.check_password(PASSWORD, row["password_hash"])
    assert row["locked_until"] is None

    at.selectbox(key="manage_user").select("fiona")
    at.button(key="toggle_user").click().run()
    assert auth.get_user(db, "fiona")["disabled"] == 1
    assert "User fiona disabled." in messages(at)
    at.selectbox(key="manage_user").select("fiona")
    at.button(key="toggle_user").click().run()
    assert auth.get_user(db, "fiona")["disabled"] == 0
    actions = audit_actions(db, "olga")
    assert {"user.reset_password", "user.disable", "user.enable"} <= set(actions)


def test_cannot_disable_yourself_or_the_last_organiser(db):
    at = users_page(db)
    at.selectbox(key="manage_user").select("olga")
    at.button(key="toggle_user").click().run()
    assert "You cannot disable your own account." in messages(at)
    assert auth.get_user(db, "olga")["disabled"] == 0


def test_duplicate_username_is_explained(db):
    at = users_page(db)
    at.text_input(key="new_username").input("olga")
    at.button(key="FormSubmitter:add_user-Add user").click().run()
    assert "The username olga is taken." in messages(at)
    assert shown_codes(at) == []
