"""Configuration and security: Streamlit settings, no database download, CORS, pinned
requirements, wrong passwords slowing a username down (issue item 11) and the auth cookie (item 12)."""

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

import jwt
import pytest

from bench.harness import stop_server
from components import auth, rules, seed, storage
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


# ---------------------------------------------------------------- 11. wrong passwords slow a username down

@pytest.fixture
def staff(db):
    """A facilitator with a known password."""
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password=GOOD_PASSWORD)
    return "fiona"


class Clock:
    """auth._now under the test's control."""

    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr(auth, "_now", frozen)
    return frozen


def refusal(action) -> str | None:
    """The RuleError text an action raises, or None."""
    try:
        action()
    except auth.RuleError as exc:
        return str(exc)
    return None


def test_delays_double_from_the_fourth_check_up_to_the_cap():
    assert [rules.login_delay_seconds(n) for n in range(1, 10)] == [0, 0, 2, 4, 8, 16, 30, 30, 30]
    assert rules.login_delay_seconds(10_000) == rules.LOGIN_DELAY_MAX_SECONDS == 30


def test_wrong_passwords_slow_down_then_the_right_one_gets_in(db, staff, clock):
    for attempt in range(1, 4):  # three typos are checked at once
        assert auth.check_login(db, staff, "wrong-password") is False
        assert auth.get_user(db, staff)["failed_logins"] == attempt
    wait = "Too many wrong passwords for this username. Please wait {} s, then try again."
    assert refusal(lambda: auth.check_login(db, staff, GOOD_PASSWORD)) == wait.format(2)  # no check, not even this
    clock.advance(1.5)
    assert refusal(lambda: auth.check_login(db, staff, GOOD_PASSWORD)) == wait.format(1)  # rounded up
    clock.advance(0.5)
    clock.advance(1)
    assert auth.check_login(db, staff, GOOD_PASSWORD) is True  # never locked: the owner gets in after the wait
    user = auth.get_user(db, staff)
    assert (user["failed_logins"], user["next_login_check_at"]) == (0, None)
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'user.login_slowed'").fetchone()[0] == 1


def test_a_strangers_guessing_never_delays_the_owner_past_the_cap(db, staff, clock):
    for _ in range(40):  # a stranger guessing as fast as the delays allow
        assert auth.check_login(db, staff, "guess") is False
        clock.advance(rules.login_delay_seconds(auth.get_user(db, staff)["failed_logins"]))
    clock.advance(-1)  # the owner arrives one second before the stranger's next check is due
    message = refusal(lambda: auth.check_login(db, staff, GOOD_PASSWORD))
    assert message == "Too many wrong passwords for this username. Please wait 1 s, then try again."
    clock.advance(1)
    assert auth.check_login(db, staff, GOOD_PASSWORD) is True


def test_reset_clears_the_slow_down(db, staff, clock):
    for _ in range(5):
        assert auth.check_login(db, staff, "guess") is False
        clock.advance(rules.login_delay_seconds(auth.get_user(db, staff)["failed_logins"]))
    assert auth.check_login(db, staff, "guess") is False  # the sixth wrong password: the next check waits 16 s
    assert refusal(lambda: auth.check_login(db, staff, GOOD_PASSWORD)) == \
        "Too many wrong passwords for this username. Please wait 16 s, then try again."
    new = auth.reset_password(db, staff, "cli")
    user = auth.get_user(db, staff)
    assert (user["failed_logins"], user["next_login_check_at"]) == (0, None)
    assert auth.check_login(db, staff, new) is True and auth.check_login(db, staff, GOOD_PASSWORD) is False


def test_unknown_and_disabled_users_are_refused_without_a_check(db, staff, monkeypatch):
    checks = []
    monkeypatch.setattr(auth, "check_password", lambda *args: checks.append(args) or True)
    assert auth.check_login(db, "nobody", GOOD_PASSWORD) is False
    auth.create_user(db, "olga", "Olga", "organiser", "test", password=GOOD_PASSWORD)
    auth.set_user_disabled(db, staff, True, "olga")
    assert auth.check_login(db, staff, GOOD_PASSWORD) is False
    assert checks == [] and db.conn.execute("SELECT count(*) FROM user").fetchone()[0] == 2


def test_migration_0007_turns_an_old_lock_into_a_wait(db_path):
    db = storage.open_db(db_path)
    storage.migrations.apply(db, stop_before="0007_login_attempts")
    until = "2030-01-01T00:00:00+00:00"
    db.conn.execute("INSERT INTO user (username, name, password_hash, role, failed_logins, locked_until)"
                    " VALUES ('fiona', 'Fiona', ?, 'facilitator', 5, ?)", (auth.hash_password(GOOD_PASSWORD), until))
    db.conn.commit()
    storage.migrate(db)
    user = auth.get_user(db, "fiona")
    assert (user["failed_logins"], user["next_login_check_at"]) == (5, until) and "locked_until" not in user
    assert refusal(lambda: auth.check_login(db, "fiona", GOOD_PASSWORD)).startswith("Too many wrong passwords")
    db.close()


def test_the_library_never_holds_a_real_hash(db, staff):
    import streamlit_authenticator as stauth
    entry = auth.build_credentials(db)["usernames"][staff]
    assert entry["password"] == auth.UNCHECKED_HASH != auth.get_user(db, staff)["password_hash"]
    assert stauth.Hasher.check_pw(GOOD_PASSWORD, entry["password"]) is False  # fail closed without our check


def test_ten_parallel_wrong_attempts_make_at_most_the_free_checks(db_path, staff, monkeypatch):
    """Attempts are reserved in one BEGIN IMMEDIATE before bcrypt: a burst cannot read a stale count."""
    import threading
    checks, lock = [], threading.Lock()
    real_check = auth.check_password

    def counted(password: str, password_hash: str) -> bool:
        with lock:
            checks.append(password)
        return real_check(password, password_hash)
    monkeypatch.setattr(auth, "check_password", counted)
    start, outcomes = threading.Barrier(10), []

    def attempt(n: int) -> None:
        db = storage.open_db(db_path)
        try:
            start.wait()
            outcomes.append(refusal(lambda: auth.check_login(db, staff, f"wrong-{n}")) or "checked")
        finally:
            db.close()
    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == rules.LOGIN_FREE_FAILURES == 3
    assert sorted(outcomes) == ["Too many wrong passwords for this username. Please wait 2 s, then try again."] * 7 \
        + ["checked"] * 3
    assert auth.get_user(storage.open_db(db_path), staff)["failed_logins"] == 3


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
