"""Staff accounts: bcrypt hashes, roles, password checks that slow down after failures, the cookie key.

No Streamlit here; components.ui.session wires this to streamlit-authenticator.
"""

from __future__ import annotations

import math
import os
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import bcrypt
import jwt

from components import audit, rules
from components.rules import RuleError
from components.private_files import PRIVATE_MODE, make_private
from components.storage import db_path, fetch_all, fetch_one, immediate

ROLES = ("facilitator", "organiser")
COOKIE_KEY_ENV = "HUB_WORKSHOP_COOKIE_KEY"
PASSWORD_MIN = 10


def hash_password(password: str) -> str:
    """Hash a password once, at creation or reset."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


def check_password(password: str, password_hash: str) -> bool:
    """Check a password against its bcrypt hash."""
    return bcrypt.checkpw(password.encode(), password_hash.encode())


def new_password() -> str:
    """Return a one-time generated password that is easy to type."""
    return secrets.token_urlsafe(12)


def _now() -> datetime:
    """Return the current UTC time (a seam for tests)."""
    return datetime.now(timezone.utc)


def create_user(db, username: str, name: str, role: str, actor: str, password: str | None = None,
                email: str = "") -> str:
    """Create a staff account and return its password (generated when not given)."""
    username = (username or "").strip().lower()
    if role not in ROLES:
        raise RuleError("Role must be facilitator or organiser.")
    if not (3 <= len(username) <= 40) or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise RuleError("Usernames are 3–40 letters, digits, dots, dashes or underscores.")
    password = password or new_password()
    if len(password) < PASSWORD_MIN:
        raise RuleError("Passwords need at least {min} characters.", min=PASSWORD_MIN)
    with immediate(db):
        if fetch_one(db, "SELECT 1 FROM user WHERE username = ?", (username,)):
            raise RuleError("The username {username} is taken.", username=username)
        db.conn.execute("INSERT INTO user (username, name, email, password_hash, role) VALUES (?, ?, ?, ?, ?)",
                        (username, (name or username).strip(), email, hash_password(password), role))
        audit.record(db, actor, "user.create", None, username=username, role=role)
    return password


def reset_password(db, username: str, actor: str, password: str | None = None) -> str:
    """Set a new password (generated when not given), clear any slow-down, and return it."""
    password = password or new_password()
    if len(password) < PASSWORD_MIN:
        raise RuleError("Passwords need at least {min} characters.", min=PASSWORD_MIN)
    with immediate(db):
        _require_user(db, username)
        db.conn.execute("UPDATE user SET password_hash = ?, failed_logins = 0, next_login_check_at = NULL"
                        " WHERE username = ?",
                        (hash_password(password), username))
        _end_sessions(db, username)  # whoever knew the old password may hold a session or cookie
        audit.record(db, actor, "user.reset_password", None, username=username)
    return password


def set_user_disabled(db, username: str, disabled: bool, actor: str) -> None:
    """Disable or re-enable a staff account; never your own, nor the last enabled organiser."""
    with immediate(db):
        user = _require_user(db, username)
        if disabled:
            # Read inside the write lock: two organisers disabling each other at once leave one.
            rules.check_may_disable(user, actor, count_organisers(db))
        db.conn.execute("UPDATE user SET disabled = ? WHERE username = ?", (int(disabled), username))
        _end_sessions(db, username)  # re-enabling must not revive the cookies of before the disable
        audit.record(db, actor, "user.disable" if disabled else "user.enable", None, username=username)


def _require_user(db, username: str) -> dict:
    """Return a user row or refuse."""
    user = get_user(db, username)
    if user is None:
        raise RuleError("There is no user {username}.", username=username)
    return user


def get_user(db, username: str | None) -> dict | None:
    """Return one user row."""
    return fetch_one(db, "SELECT * FROM user WHERE username = ?", ((username or "").lower(),))


def list_users(db) -> list[dict]:
    """Return all users without their hashes."""
    return fetch_all(db, "SELECT username, name, email, role, disabled, next_login_check_at, created_at FROM user"
                         " ORDER BY username")


def count_organisers(db) -> int:
    """Count enabled organiser accounts."""
    return db.conn.execute("SELECT count(*) FROM user WHERE role = 'organiser' AND disabled = 0").fetchone()[0]


def reserve_login_check(db, username: str) -> tuple[dict | None, int]:
    """Decide, in one write transaction before any bcrypt check, whether a password check of this username
    may run now: (user, 0) when it may, (user, seconds to wait) when not, (None, 0) for no enabled user.
    An allowed check counts as a failure up front (a right password clears it), so parallel attempts
    cannot all slip in before the first one's failure is written."""
    with immediate(db):
        user = get_user(db, username)
        if user is None or user["disabled"]:
            return None, 0
        now = _now()
        due = datetime.fromisoformat(user["next_login_check_at"]) if user["next_login_check_at"] else None
        if due and due > now:
            return user, math.ceil((due - now).total_seconds())
        failures = user["failed_logins"] + 1
        delay = rules.login_delay_seconds(failures)
        db.conn.execute("UPDATE user SET failed_logins = ?, next_login_check_at = ? WHERE id = ?",
                        (failures, (now + timedelta(seconds=delay)).isoformat() if delay else None, user["id"]))
        if failures == rules.LOGIN_FREE_FAILURES:
            audit.record(db, "system", "user.login_slowed", None, username=user["username"])
    return user, 0


def check_login(db, username: str, password: str) -> bool:
    """True for the right password of an enabled user. The check is reserved first (reserve_login_check);
    while the username is slowed down this raises RuleError with the seconds to wait, and no bcrypt runs."""
    user, wait = reserve_login_check(db, (username or "").strip().lower())
    rules.check_login_wait(wait)
    if user is None or not check_password(password, user["password_hash"]):
        return False
    with immediate(db):
        db.conn.execute("UPDATE user SET failed_logins = 0, next_login_check_at = NULL WHERE id = ?", (user["id"],))
    return True


def record_login(db, username: str) -> None:
    """Clear failures after a successful login and audit it."""
    with immediate(db):
        db.conn.execute("UPDATE user SET failed_logins = 0, next_login_check_at = NULL WHERE username = ?",
                        (username,))
        audit.record(db, username, "user.login", None)


def build_credentials(db) -> dict:
    """streamlit-authenticator's credentials for the enabled users, without their real hashes: every password
    is checked by check_login (components.ui.session routes the library's check there)."""
    users = {}
    for user in fetch_all(db, "SELECT * FROM user WHERE disabled = 0"):
        users[user["username"]] = {
            "name": user["name"], "email": user["email"], "roles": [user["role"]],
            # Should the library ever check a password itself, this hash lets nobody in (fail closed).
            "password": UNCHECKED_HASH, "failed_login_attempts": 0,
        }
    return {"usernames": users}


# A real hash of a random secret nobody knows.
UNCHECKED_HASH = bcrypt.hashpw(secrets.token_hex(16).encode(), bcrypt.gensalt(rounds=4)).decode()


def cookie_key_path() -> Path:
    """Return where the generated cookie key lives (beside the database, git-ignored)."""
    return db_path().parent / "secrets" / "cookie_key"


def load_cookie_key() -> str:
    """Return the auth cookie signing key: env var, else a 32-byte key generated on first run."""
    if os.environ.get(COOKIE_KEY_ENV):
        return os.environ[COOKIE_KEY_ENV]
    path = cookie_key_path()
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    make_private(path, create=False)  # 0600 whatever the umask; a copied-in key with a wider mode is narrowed
    return path.read_text().strip()


def read_auth_cookie(token: str | None, key: str, now: datetime | None = None,
                     lifetime: timedelta = timedelta(days=1)) -> tuple[str, float] | None:
    """Return (username, issued-at timestamp) of a valid, unexpired auth cookie, or None.

    streamlit-authenticator signs {username, exp_date} with HS256; issued-at is exp_date - lifetime.
    """
    if not token:
        return None
    try:
        payload = jwt.decode(token, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    expires, username = payload.get("exp_date"), payload.get("username")
    if not isinstance(expires, (int, float)) or expires <= (now or _now()).timestamp() or not isinstance(username, str):
        return None
    return username, expires - lifetime.total_seconds()


def record_logout(db, username: str) -> float:
    """Log a user out everywhere: sessions and cookies from before now stop working."""
    with immediate(db):
        moment = _end_sessions(db, username)
        audit.record(db, username, "user.logout", None)
    return moment.timestamp()


def _end_sessions(db, username: str) -> datetime:
    """Refuse every session and cookie of this user issued before now (inside the caller's transaction)."""
    moment = _now()
    db.conn.execute("UPDATE user SET sessions_valid_after = ? WHERE username = ?", (moment.isoformat(), username))
    return moment


def session_is_current(user: dict, logged_in_at: float | None) -> bool:
    """True unless the user logged out (anywhere) after this session or cookie began."""
    if not user.get("sessions_valid_after"):
        return True
    return logged_in_at is not None and logged_in_at > datetime.fromisoformat(user["sessions_valid_after"]).timestamp()
