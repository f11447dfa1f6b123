"""Staff login through the real login page (streamlit-authenticator + our slow-down), and the users page."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from components import auth, rules
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


@pytest.fixture
def clock(monkeypatch):
    """auth._now frozen, moved on by the test."""
    from tests.test_config_security import Clock
    frozen = Clock()
    monkeypatch.setattr(auth, "_now", frozen)
    return frozen


WAIT = "Too many wrong passwords for this username. Please wait {} s, then try again."


def test_wrong_passwords_slow_the_form_down_but_never_lock(db, fiona, clock, monkeypatch):
    checks = []
    real_check = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda *args: checks.append(args[0]) or real_check(*args))
    at = login_page()
    for n in range(3):
        attempt(at, "fiona", f"wrong-password-{n}")
        assert messages(at) == ["Username or password is incorrect."]
    attempt(at, "fiona", PASSWORD)  # the right password, but too soon: refused without a check
    assert messages(at) == [WAIT.format(2)] and not at.session_state["authentication_status"]
    assert checks == ["wrong-password-0", "wrong-password-1", "wrong-password-2"]
    assert "user.login_slowed" in audit_actions(db, "fiona") and "user.login" not in audit_actions(db, "fiona")

    clock.advance(rules.login_delay_seconds(3))  # the documented delay after three wrong passwords
    attempt(at, "fiona", PASSWORD)
    assert "You are logged in." in messages(at) and at.session_state["authentication_status"] is True
    assert checks[-1] == PASSWORD and "user.login" in audit_actions(db, "fiona")
    assert auth.get_user(db, "fiona")["failed_logins"] == 0


def test_after_a_strangers_guessing_the_owner_logs_in_within_the_cap(db, fiona, clock):
    for _ in range(12):  # a stranger, as fast as the delays allow: the delay reaches the cap
        assert auth.check_login(db, "fiona", "guess") is False
        clock.advance(rules.login_delay_seconds(auth.get_user(db, "fiona")["failed_logins"]))
    assert auth.check_login(db, "fiona", "one more guess") is False  # the next check is now 30 s away
    at = attempt(login_page(), "fiona", PASSWORD)
    assert messages(at) == [WAIT.format(rules.LOGIN_DELAY_MAX_SECONDS)]
    clock.advance(rules.LOGIN_DELAY_MAX_SECONDS)
    attempt(at, "fiona", PASSWORD)
    assert "You are logged in." in messages(at)


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
    for _ in range(3):
        auth.check_login(db, "fiona", "wrong-password")
    assert auth.get_user(db, "fiona")["next_login_check_at"] is not None
    at = users_page(db)
    at.selectbox(key="manage_user").select("fiona")
    at.button(key="reset_password").click().run()
    [password] = shown_codes(at)
    row = auth.get_user(db, "fiona")
    assert auth.check_password(password, row["password_hash"]) and not auth.check_password(PASSWORD, row["password_hash"])
    assert (row["failed_logins"], row["next_login_check_at"]) == (0, None)

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
