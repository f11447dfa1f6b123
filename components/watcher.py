"""A watcher: one daemon thread per server process that checks the shared database again and again.

The phones' feed (components/feed.py) and the page push (components/ui/live.py) each run one. With several
server processes on one SQLite file, each process runs its own, so a change any process commits is seen
by all. No Streamlit here.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from components import storage

_log = logging.getLogger(__name__)


class Watcher:
    """Call check(db, now) every interval() seconds on the process's own connection, for as long as it lives."""

    def __init__(self, name: str, interval: Callable[[], float], check: Callable[[object, float], object]) -> None:
        self.name, self.interval, self.check = name, interval, check
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._path = ""

    def ensure_started(self, path: str) -> None:
        """Start the thread once, and again if it ever died; it follows the database file last named."""
        with self._lock:
            self._path = path  # one file per server process; a test suite opens many, one after another
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        """Forever: sleep, then check; a failed check closes the connection and the next one reopens it."""
        db, opened = None, ""
        while True:
            time.sleep(self.interval())  # read each time: a test may shorten it
            try:
                if db is not None and opened != self._path:
                    db.close()
                    db = None
                if db is None:
                    opened = self._path
                    db = storage.open_db(opened)
                self.check(db, time.monotonic())
            except Exception:  # the watcher must outlive a locked or replaced database file
                _log.exception("%s: check failed; retrying", self.name)
                if db is not None:
                    db.close()
                db = None
