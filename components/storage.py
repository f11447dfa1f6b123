"""SQLite storage: the only module that opens the database.

Every Streamlit rerun runs in a new thread, so callers open a fresh connection
per script run (``open_db``) and never share a transaction across sessions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

import sqlite_utils
from sqlite_utils.migrations import Migrations

from components.private_files import make_private
from components.rules import RuleError
from components.schema import (SCHEMA_0001, SCHEMA_0005, SCHEMA_0006, SCHEMA_0007, SCHEMA_0008, SCHEMA_0009,
                               SCHEMA_0011)

DEFAULT_DB_PATH = Path(__file__).resolve().parent.parent / "workshop_data" / "hub.db"
DB_ENV_VAR = "HUB_WORKSHOP_DB"

# WAL lets the projector and hundreds of phones read while one writer commits.
JOURNAL_MODE = "wal"
# NORMAL in WAL mode never corrupts the database; a power cut can lose only the
# last transactions not yet checkpointed. A process crash (the usual failure at
# an event) loses nothing, because committed WAL frames are already in the OS.
SYNCHRONOUS = "NORMAL"
SYNCHRONOUS_LEVEL = 1
# Writers queue behind each other; 10 s is far above any single transaction here.
BUSY_TIMEOUT_MS = 10_000

_log = logging.getLogger(__name__)

migrations = Migrations("hub_workshop")

@migrations(name="0001_initial_schema")
def migrate_0001(db: sqlite_utils.Database) -> None:
    """Create the initial schema."""
    for statement in split_sql(SCHEMA_0001):
        db.execute(statement)


@migrations(name="0002_user_sessions_valid_after")
def migrate_0002(db: sqlite_utils.Database) -> None:
    """Remember when a user last logged out, so older login cookies stop working."""
    db.execute("ALTER TABLE user ADD COLUMN sessions_valid_after TEXT")


# The one UPDATE the audit log takes is a redaction: who, what and when stay; details only lose keys
# (listed in details.redacted), never gain or change a value.
AUDIT_REDACT_ONLY = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action
  OR NEW.workshop_id IS NOT OLD.workshop_id OR json_type(NEW.details, '$.redacted') IS NOT 'array'
  OR EXISTS (SELECT 1 FROM json_tree(NEW.details) AS n
             WHERE n.fullkey <> '$.redacted' AND n.fullkey NOT LIKE '$.redacted[%'
               AND NOT EXISTS (SELECT 1 FROM json_tree(OLD.details) AS o
                               WHERE o.fullkey = n.fullkey AND o.type = n.type AND o.atom IS n.atom))
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""


@migrations(name="0003_audit_log_redaction")
def migrate_0003(db: sqlite_utils.Database) -> None:
    """Let deleting or anonymising a workshop redact texts and names from its audit details."""
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute(AUDIT_REDACT_ONLY)


# Receipt secrets get their own table, so no `SELECT * FROM workshop` carries one into a page; a sheet number
# is unique per question, so one paper sheet cannot be typed in twice.
SCHEMA_0004 = """
CREATE TABLE receipt_key (workshop_id INTEGER PRIMARY KEY REFERENCES workshop(id) ON DELETE CASCADE,
                          secret BLOB NOT NULL CHECK (length(secret) = 32));
ALTER TABLE participant ADD COLUMN paper_question_id INTEGER REFERENCES question(id) ON DELETE CASCADE;
ALTER TABLE participant ADD COLUMN paper_sheet INTEGER CHECK (paper_sheet IS NULL OR paper_sheet >= 1);
CREATE UNIQUE INDEX participant_paper_sheet ON participant(paper_question_id, paper_sheet);
"""


@migrations(name="0004_receipt_key")
def migrate_0004(db: sqlite_utils.Database) -> None:
    """Give every workshop a receipt secret and paper ballots a sheet number."""
    for statement in split_sql(SCHEMA_0004):
        db.execute(statement)
    db.conn.executemany("INSERT INTO receipt_key (workshop_id, secret) VALUES (?, ?)",
                        [(i, secrets.token_bytes(32)) for (i,) in db.conn.execute("SELECT id FROM workshop").fetchall()])


@migrations(name="0005_merge_history")
def migrate_0005(db: sqlite_utils.Database) -> None:
    """Record what each merge moved and deleted, so it can be undone exactly; remember dismissed duplicates."""
    for statement in split_sql(SCHEMA_0005):
        db.execute(statement)


@migrations(name="0006_seats")
def migrate_0006(db: sqlite_utils.Database) -> None:
    """Seats, a participant cap, the joining switch and the shared-device choice."""
    for statement in split_sql(SCHEMA_0006):
        db.execute(statement)


@migrations(name="0007_login_attempts")
def migrate_0007(db: sqlite_utils.Database) -> None:
    """Password checks wait after failures instead of locking the account: the lock column becomes the next check."""
    for statement in split_sql(SCHEMA_0007):
        db.execute(statement)


@migrations(name="0008_membership")
def migrate_0008(db: sqlite_utils.Database) -> None:
    """Keep each workshop's network membership mix (per country and organisation type) for representation."""
    for statement in split_sql(SCHEMA_0008):
        db.execute(statement)


@migrations(name="0009_priority_source")
def migrate_0009(db: sqlite_utils.Database) -> None:
    """Mark where each priority came from, so imported survey items are never taken for a participant's."""
    for statement in split_sql(SCHEMA_0009):
        db.execute(statement)


@migrations(name="0011_ops")
def migrate_0011(db: sqlite_utils.Database) -> None:
    """Add the write-latency probe row of the status command."""
    db.execute(SCHEMA_0011)


def split_sql(script: str) -> list[str]:
    """Split a schema script into statements, keeping trigger bodies whole."""
    statements, buffer = [], ""
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return statements


def db_path() -> Path:
    """Return the database path, honouring HUB_WORKSHOP_DB."""
    return Path(os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH)


def open_db(path: str | Path | None = None, check_same_thread: bool = True) -> sqlite_utils.Database:
    """Open a new connection with the documented pragmas; the files are private to the app's user."""
    path = Path(path or db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    make_private(path)  # before SQLite creates it: SQLite gives -wal and -shm the database file's mode
    for sidecar in ("-wal", "-shm"):  # left wider by an older version or a copy
        make_private(f"{path}{sidecar}", create=False)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=check_same_thread)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute(f"PRAGMA journal_mode = {JOURNAL_MODE}")
    conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")  # deleted rows are zeroed, not left in the file's free space
    return sqlite_utils.Database(conn, execute_plugins=False)


def checkpoint_truncate(db: sqlite_utils.Database) -> bool:
    """Copy the WAL into the database file and empty it, so removed rows leave no copy there; True if done."""
    busy = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if busy:
        _log.warning("a reader blocked the WAL checkpoint: removed rows may stay in the -wal file until it is reused")
    return not busy


_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending numbered migrations."""
    migrations.apply(db)


def ensure_migrated(path: str | Path | None = None) -> None:
    """Migrate a database file once per process."""
    if path is not None and str(path) in _migrated:
        return  # every rerun thread asks: answer without touching the file system
    key = str(Path(path or db_path()).resolve())
    with _migrate_lock:
        if key not in _migrated:
            db = open_db(key)
            try:
                migrate(db)
            finally:
                db.close()
        _migrated.update({key, str(path)} if path is not None else {key})


_local = threading.local()
_idle: dict[str, list[sqlite_utils.Database]] = {}  # path -> pooled connections no thread holds
_idle_lock = threading.Lock()
POOL_SIZE = 32


class _Lease:
    """A pooled connection held by one thread; handed back when the thread ends.

    Streamlit runs every rerun in a new thread, and opening a connection and parsing the schema
    costs ~0.7 ms, a tenth of a vote click's rerun. A connection still belongs to one thread at a
    time: it returns to the pool only when its thread's locals are cleared.
    """

    def __init__(self, path: str):
        self.path = path
        with _idle_lock:
            pooled = _idle.get(path)
            self.db = pooled.pop() if pooled else None
        self.db = self.db or open_db(path, check_same_thread=False)

    def __del__(self):
        conn = self.db.conn
        try:
            if conn.in_transaction:
                conn.rollback()  # an interrupted rerun must not hand on its transaction
        except sqlite3.Error:
            conn.close()
            return
        with _idle_lock:
            pooled = _idle.setdefault(self.path, [])
            if len(pooled) < POOL_SIZE:
                pooled.append(self.db)
                return
        conn.close()


def thread_db() -> sqlite_utils.Database:
    """Return this thread's connection: a Streamlit rerun is a new thread, so it leases one from the pool."""
    path = str(db_path())
    lease = getattr(_local, "lease", None)
    if lease is None or lease.path != path:
        ensure_migrated(path)
        lease = _local.lease = _Lease(path)
    return lease.db


class Busy(RuleError):
    """The write lock stayed taken for the whole busy timeout; nothing was written."""


@contextlib.contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a read-check-write under BEGIN IMMEDIATE, so the write lock is taken first."""
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            # Nothing was written: tell the person to try again instead of showing a crash.
            raise Busy("The system is overloaded right now, so nothing was saved. Please try again in a moment.") from exc
        raise
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run several reads against one consistent snapshot (a WAL read transaction)."""
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")


def fetch_all(db: sqlite_utils.Database, sql: str, params: Sequence | dict = ()) -> list[dict[str, Any]]:
    """Run a SELECT and return rows as dicts (without query()'s per-call savepoint)."""
    cursor = db.conn.execute(sql, params)
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, row)) for row in cursor.fetchall()]


def fetch_one(db: sqlite_utils.Database, sql: str, params: Sequence | dict = ()) -> dict[str, Any] | None:
    """Run a SELECT and return the first row as a dict, or None."""
    cursor = db.conn.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row))


def fetch_value(db: sqlite_utils.Database, sql: str, params: Sequence | dict = ()) -> Any:
    """Run a SELECT and return the first column of the first row."""
    row = db.conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


def backup_to(db: sqlite_utils.Database, target: str | Path) -> Path:
    """Copy the live database with SQLite's online backup API."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    make_private(target)
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    return target


def integrity_ok(db: sqlite_utils.Database) -> bool:
    """Return True when PRAGMA integrity_check says ok."""
    return fetch_value(db, "PRAGMA integrity_check") == "ok"
