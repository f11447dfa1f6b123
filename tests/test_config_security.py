"""Configuration and security: Streamlit settings, no database download, CORS, pinned
requirements, staff lockout (issue item 11) and the auth cookie (item 12)."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import bcrypt
import jwt
import pytest

from bench.harness import stop_server
from components import auth, seed, storage
from tests.browser.conftest import ROOT, launch_streamlit

SQLITE_MAGIC = b"SQLite format 3\x00"
GOOD_PASSWORD = "correct-horse-battery"
DB_PATHS = ["/workshop_data/hub.db", "/hub.db", "/app/static/hub.db", "/static/../workshop_data/hub.db",
            "/app/static/../../workshop_data/hub.db", "/app/static/%2e%2e/%2e%2e/workshop_data/hub.db",
            "/static/hub.db", "/workshop_data/hub.db-wal", "/workshop_data/secrets/cookie_key"]


# ---------------------------------------------------------------- 13. .streamlit/config.toml

def test_streamlit_config_hardening():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server, client, runner = config["server"], config["client"], config["runner"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert server["enableStaticServing"] is False
    assert server["fileWatcherType"] == "none"
    assert client["showErrorDetails"] == "none"
    assert runner["postScriptGC"] is False


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_requirements_are_pinned(name):
    lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines()]
    lines = [line for line in lines if line and not line.startswith("-r ")]
    assert lines, f"{name} is empty"
    unpinned = [line for line in lines if not re.fullmatch(r"[A-Za-z0-9_.\-\[\],]+==[A-Za-z0-9_.+\-]+", line)]
    assert unpinned == []


# ---------------------------------------------------------------- 13. a real server serves no database

def mirror_site(tmp: Path) -> Path:
    """The app laid out as at a venue, with a live SQLite file wherever someone might fetch one.

    components/, pages/ and .streamlit/ are links to the real ones (so the real config is used);
    app.py is a copy, because the server resolves its folder (static/) from app.py's real path; the database sits at workshop_data/hub.db like the default, and
    extra copies sit in static/ and the site root as bait.
    """
    site = tmp / "site"
    site.mkdir()
    for name in ("components", "pages", ".streamlit"):
        (site / name).symlink_to(ROOT / name)
    (site / "app.py").write_bytes((ROOT / "app.py").read_bytes())
    db_file = site / "workshop_data" / "hub.db"
    db = storage.open_db(db_file)
    storage.migrate(db)
    seed.seed_demo(db)
    db.close()
    (site / "workshop_data" / "secrets").mkdir()
    (site / "workshop_data" / "secrets" / "cookie_key").write_text("s" * 64)
    for bait in (site / "static" / "hub.db", site / "hub.db"):
        bait.parent.mkdir(exist_ok=True)
        bait.write_bytes(db_file.read_bytes())
    assert (site / "static" / "hub.db").read_bytes().startswith(SQLITE_MAGIC)
    return site


def run_site(site: Path, **extra_env: str) -> tuple[subprocess.Popen, str]:
    """Start streamlit on the mirrored site (cwd = site, so its .streamlit/config.toml applies)."""
    log_path = site.parent / f"streamlit-{len(list(site.parent.glob('streamlit-*.log')))}.log"
    return launch_streamlit(site / "app.py", site, site / "workshop_data" / "hub.db", log_path, **extra_env)


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET a URL without following the body's meaning; return status, headers, body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


@pytest.fixture(scope="module")
def site_server(tmp_path_factory):
    """One real server on the mirrored site for the HTTP checks."""
    site = mirror_site(tmp_path_factory.mktemp("venue"))
    proc, url = run_site(site)
    yield site, url
    stop_server(proc)


@pytest.mark.parametrize("path", DB_PATHS)
def test_server_never_serves_the_database(site_server, path):
    site, url = site_server
    status, _headers, body = fetch(url + path)
    assert not body.startswith(SQLITE_MAGIC), f"{path} returned the SQLite database"
    assert b"s" * 64 not in body, f"{path} returned the cookie key"


def test_static_serving_would_expose_the_bait(tmp_path):
    """Control: with static serving switched on, the same request does get the file, so the test above can fail."""
    site = mirror_site(tmp_path)
    proc, url = run_site(site, STREAMLIT_SERVER_ENABLE_STATIC_SERVING="true")
    try:
        status, _headers, body = fetch(url + "/app/static/hub.db")
    finally:
        stop_server(proc)
    assert status == 200 and body.startswith(SQLITE_MAGIC)


@pytest.mark.parametrize("path", ["/_stcore/health", "/_stcore/host-config", "/"])
def test_cross_origin_request_gets_no_cors_grant(site_server, path):
    _site, url = site_server
    status, headers, _body = fetch(url + path, {"Origin": "http://evil.example"})
    assert status in (200, 403)
    allowed = headers.get("access-control-allow-origin")
    assert allowed not in ("*", "http://evil.example")
    assert "evil.example" not in json.dumps(headers)


# ---------------------------------------------------------------- 11. lockout after 5 wrong passwords

@pytest.fixture
def staff(db):
    """A facilitator with a known password."""
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password=GOOD_PASSWORD)
    return "fiona"


def login_accepted(db, username: str, password: str) -> bool:
    """What the login form decides: bcrypt against the hash in the credentials we hand to the library."""
    import streamlit_authenticator as stauth

    entry = auth.build_credentials(db)["usernames"].get(username)
    return entry is not None and stauth.Hasher.check_pw(password, entry["password"])


def test_five_wrong_passwords_lock_the_account(db, staff):
    assert login_accepted(db, staff, GOOD_PASSWORD)
    for attempt in range(1, 5):
        assert auth.record_failed_login(db, staff) is False
        assert not auth.is_locked(auth.get_user(db, staff))
        assert auth.get_user(db, staff)["failed_logins"] == attempt
    before = datetime.now(timezone.utc)
    assert auth.record_failed_login(db, staff) is True
    user = auth.get_user(db, staff)
    assert auth.is_locked(user)
    locked_until = datetime.fromisoformat(user["locked_until"])
    assert before + timedelta(minutes=5) - timedelta(seconds=5) <= locked_until <= \
        datetime.now(timezone.utc) + timedelta(minutes=5)
    # the right password no longer opens the door
    entry = auth.build_credentials(db)["usernames"][staff]
    assert entry["password"] == auth.LOCKED_HASH != user["password_hash"]
    assert bcrypt.checkpw(GOOD_PASSWORD.encode(), entry["password"].encode()) is False
    assert not login_accepted(db, staff, GOOD_PASSWORD)
    assert auth.check_password(GOOD_PASSWORD, user["password_hash"])  # the real hash is untouched
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'user.locked'").fetchone()[0] == 1


def test_lock_expires_after_five_minutes(db, staff, monkeypatch):
    for _ in range(5):
        auth.record_failed_login(db, staff)
    now = datetime.now(timezone.utc)
    monkeypatch.setattr(auth, "_now", lambda: now + timedelta(minutes=4, seconds=50))
    assert auth.is_locked(auth.get_user(db, staff))
    monkeypatch.setattr(auth, "_now", lambda: now + timedelta(minutes=5, seconds=10))
    assert not auth.is_locked(auth.get_user(db, staff))
    assert login_accepted(db, staff, GOOD_PASSWORD)


def test_reset_clears_the_lock(db, staff):
    for _ in range(5):
        auth.record_failed_login(db, staff)
    assert not login_accepted(db, staff, GOOD_PASSWORD)
    new = auth.reset_password(db, staff, "cli")
    user = auth.get_user(db, staff)
    assert (user["failed_logins"], user["locked_until"]) == (0, None)
    assert not auth.is_locked(user)
    assert login_accepted(db, staff, new)
    assert not login_accepted(db, staff, GOOD_PASSWORD)


def test_unknown_user_failures_lock_nothing(db, staff):
    assert auth.record_failed_login(db, "nobody") is False
    assert db.conn.execute("SELECT count(*) FROM user").fetchone()[0] == 1


# ---------------------------------------------------------------- 12. the auth cookie

def library_token(key: str, username: str = "fiona", days: float = 1) -> str:
    """A cookie as streamlit-authenticator writes it: HS256 over username and exp_date."""
    exp = (datetime.now() + timedelta(days=days)).timestamp()
    return jwt.encode({"username": username, "exp_date": exp}, key, algorithm="HS256")


def decode(token: str) -> dict:
    """Decode like the library does."""
    return jwt.decode(token, auth.load_cookie_key(), algorithms=["HS256"])


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_cookie_signed_with_our_key_is_accepted(db_path):
    assert decode(library_token(auth.load_cookie_key()))["username"] == "fiona"


def test_cookie_signed_with_another_key_is_refused(db_path):
    with pytest.raises(jwt.InvalidSignatureError):
        decode(library_token("x" * 64))


def test_cookie_with_altered_payload_is_refused(db_path):
    header, _payload, signature = library_token(auth.load_cookie_key(), "fiona").split(".")
    forged = ".".join([header, b64({"username": "olga", "exp_date": 9_999_999_999}), signature])
    with pytest.raises(jwt.InvalidSignatureError):
        decode(forged)


def test_unsigned_cookie_is_refused(db_path):
    forged = ".".join([b64({"alg": "none", "typ": "JWT"}), b64({"username": "olga", "exp_date": 9_999_999_999}), ""])
    with pytest.raises(jwt.InvalidTokenError):
        decode(forged)


def test_rotating_the_cookie_key_invalidates_old_cookies(db_path, monkeypatch):
    old = library_token(auth.load_cookie_key())
    monkeypatch.setenv(auth.COOKIE_KEY_ENV, "r" * 64)
    assert auth.load_cookie_key() == "r" * 64
    with pytest.raises(jwt.InvalidSignatureError):
        decode(old)
    assert decode(library_token(auth.load_cookie_key()))["username"] == "fiona"


def test_generated_cookie_key_is_private_long_and_stable(db_path, monkeypatch):
    monkeypatch.delenv(auth.COOKIE_KEY_ENV, raising=False)
    key = auth.load_cookie_key()
    path = auth.cookie_key_path()
    assert path.parent == db_path.parent / "secrets"
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert auth.load_cookie_key() == key
    token = library_token(key)
    path.unlink()  # a new venue server: new key, old cookies die
    assert auth.load_cookie_key() != key
    with pytest.raises(jwt.InvalidSignatureError):
        decode(token)


# ---------------------------------------------------------------- private files: database, WAL, SHM, cookie key

@pytest.fixture
def loose_umask():
    """A umask that would leave new files readable by everyone (0644)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def private_files(db_path: Path) -> dict[str, int]:
    """The mode of the database, its -wal and -shm files and the generated cookie key."""
    files = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), auth.cookie_key_path()]
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}


def test_database_wal_shm_and_cookie_key_are_created_0600(db_path, monkeypatch, loose_umask):
    monkeypatch.delenv(auth.COOKIE_KEY_ENV)
    db = storage.open_db(db_path)
    storage.migrate(db)
    seed.seed_demo(db)
    auth.load_cookie_key()
    assert private_files(db_path) == {"hub.db": 0o600, "hub.db-wal": 0o600, "hub.db-shm": 0o600, "cookie_key": 0o600}
    assert stat.S_IMODE(auth.cookie_key_path().parent.stat().st_mode) == 0o700
    db.close()


def test_wider_modes_are_narrowed_to_0600_on_opening(db_path, monkeypatch, loose_umask):
    monkeypatch.delenv(auth.COOKIE_KEY_ENV)
    db = storage.open_db(db_path)
    storage.migrate(db)
    auth.load_cookie_key()
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), auth.cookie_key_path()):
        path.chmod(0o644)  # as an older version, a copy or a restore left them
    assert set(private_files(db_path).values()) == {0o644}
    storage.open_db(db_path).close()
    auth.load_cookie_key()
    assert private_files(db_path) == {"hub.db": 0o600, "hub.db-wal": 0o600, "hub.db-shm": 0o600, "cookie_key": 0o600}
    db.close()


def test_opening_a_connection_keeps_the_other_connections_locks(db_path):
    """A row committed after another process opened and closed the database is still there."""
    # Closing any descriptor of a file drops all of the process's POSIX locks on it; had opening a
    # second connection done so, the other process would have taken the WAL for unused and deleted it.
    first = storage.open_db(db_path)
    first.conn.execute("CREATE TABLE t (x)")
    first.conn.execute("INSERT INTO t VALUES (1)")
    first.conn.commit()
    storage.open_db(db_path).conn.execute("SELECT 1").fetchone()  # another rerun thread's connection, kept open
    visit = f"import sqlite3; c = sqlite3.connect({str(db_path)!r}); c.execute('SELECT count(*) FROM t'); c.close()"
    subprocess.run([sys.executable, "-c", visit], check=True)
    first.conn.execute("INSERT INTO t VALUES (2)")
    first.conn.commit()
    read = f"import sqlite3; print(sqlite3.connect({str(db_path)!r}).execute('SELECT x FROM t').fetchall())"
    seen = subprocess.run([sys.executable, "-c", read], check=True, capture_output=True, text=True).stdout
    assert seen.strip() == "[(1,), (2,)]"
    first.close()


def test_every_connection_overwrites_deleted_content(db):
    assert db.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
