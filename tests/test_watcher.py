"""The per-process watcher thread (components/watcher.py) that the phones' feed and the page push run."""

from __future__ import annotations

from pathlib import Path

from components import storage
from components.watcher import Watcher
from tests.test_vote_route import wait_until


def database_file(db) -> str:
    """The file a connection has open."""
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2]).name


def test_the_watcher_follows_the_file_last_named_and_outlives_a_failed_check(tmp_path):
    for name in ("first.db", "second.db"):
        storage.open_db(tmp_path / name).close()
    seen: list[str] = []
    failures = [RuntimeError("locked")]  # the first check fails, as a locked file would

    def check(db, _now):
        """Record which file each check read; fail once."""
        if failures:
            raise failures.pop()
        seen.append(database_file(db))

    watcher = Watcher("test-watcher", lambda: 0.01, check)
    watcher.ensure_started(str(tmp_path / "first.db"))
    wait_until(lambda: "first.db" in seen)
    watcher.ensure_started(str(tmp_path / "second.db"))  # one thread still, now on the other file
    wait_until(lambda: seen[-1:] == ["second.db"])
    assert set(seen) == {"first.db", "second.db"} and not failures
