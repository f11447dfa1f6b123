"""Logging out ends every session and cookie of that user issued before the logout."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest
from streamlit.testing.v1 import AppTest

from components import auth
from components.rules import RuleError

ROOT = Path(__file__).resolve().parent.parent
KEY = "k" * 64  # conftest sets HUB_WORKSHOP_COOKIE_KEY to this


def cookie_for(username: str, issued: datetime) -> str:
    """Sign a cookie the way streamlit-authenticator does."""
    expires = (issued + timedelta(days=1)).timestamp()
    return jwt.encode({"username": username, "exp_date": expires}, KEY, algorithm="HS256")


def test_cookie_issued_before_logout_is_refused(db):
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="long-enough-pw")
    before = datetime.now(timezone.utc) - timedelta(minutes=10)
    username, issued = auth.read_auth_cookie(cookie_for("fiona", before), KEY)
    assert username == "fiona" and auth.session_is_current(auth.get_user(db, "fiona"), issued)
    auth.record_logout(db, "fiona")
    user = auth.get_user(db, "fiona")
    assert not auth.session_is_current(user, issued)
    later = auth.read_auth_cookie(cookie_for("fiona", datetime.now(timezone.utc) + timedelta(seconds=1)), KEY)
    assert auth.session_is_current(user, later[1])
    assert db.conn.execute("SELECT action FROM audit_log WHERE actor = 'fiona'").fetchall() == [("user.logout",)]


def test_logout_in_one_tab_ends_the_session_in_another(db):
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="long-enough-pw")
    other_tab = AppTest.from_file(str(ROOT / "pages" / "facilitate.py"), default_timeout=20)
    other_tab.session_state["authentication_status"] = True
    other_tab.session_state["username"] = "fiona"
    other_tab.session_state["logged_in_at"] = datetime.now(timezone.utc).timestamp() - 60
    other_tab.run()
    assert "Please log in" not in " ".join(i.value for i in other_tab.info)
    auth.record_logout(db, "fiona")
    other_tab.run()
    assert "Please log in as a facilitator or organiser to open this page." in [i.value for i in other_tab.info]


def test_reset_and_disable_enable_end_earlier_cookies(db):
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="long-enough-pw")
    changes = {"fiona": lambda: auth.reset_password(db, "fiona", "olga"),
               "finn": lambda: (auth.set_user_disabled(db, "finn", True, "olga"),
                                auth.set_user_disabled(db, "finn", False, "olga"))}
    issued = auth.read_auth_cookie(cookie_for("olga", datetime.now(timezone.utc) - timedelta(minutes=1)), KEY)[1]
    for username, change in changes.items():
        auth.create_user(db, username, username.title(), "facilitator", "test", password="long-enough-pw")
        assert auth.session_is_current(auth.get_user(db, username), issued)
        change()
        user = auth.get_user(db, username)
        assert not user["disabled"] and not auth.session_is_current(user, issued)
    assert auth.session_is_current(auth.get_user(db, "olga"), issued)  # only that user's sessions end


def test_a_strangers_wrong_passwords_do_not_log_out_a_cookie_tab(db, monkeypatch):
    from components.ui import session
    from tests.test_auth import attempt, login_page, messages
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="long-enough-pw")
    monkeypatch.setattr(session, "read_cookie", lambda: ("fiona", datetime.now(timezone.utc).timestamp() - 60))
    projector_tab = AppTest.from_file(str(ROOT / "pages" / "facilitate.py"), default_timeout=20)
    projector_tab.run()
    assert projector_tab.session_state["username"] == "fiona"
    monkeypatch.setattr(session, "read_cookie", lambda: None)  # the stranger's browser has no cookie
    stranger = login_page()
    for n in range(5):  # wrong passwords at the real form, until fiona's checks wait
        attempt(stranger, "fiona", f"wrong-password-{n}")
    assert messages(stranger)[0].startswith("Too many wrong passwords for this username.")
    with pytest.raises(RuleError):
        auth.check_login(db, "fiona", "long-enough-pw")
    monkeypatch.setattr(session, "read_cookie", lambda: ("fiona", datetime.now(timezone.utc).timestamp() - 60))
    projector_tab.run()
    assert not projector_tab.exception
    assert "Please log in as a facilitator or organiser to open this page." not in [i.value for i in projector_tab.info]
    assert projector_tab.session_state["username"] == "fiona"
    fresh_tab = AppTest.from_file(str(ROOT / "pages" / "facilitate.py"), default_timeout=20)
    fresh_tab.run()  # a new tab with the same signed cookie logs in too, while password checks wait
    assert fresh_tab.session_state["username"] == "fiona" and not fresh_tab.exception
