"""Logging out ends every session and cookie of that user issued before the logout."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
from streamlit.testing.v1 import AppTest

from components import auth

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
