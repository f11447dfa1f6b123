"""Push a phase change to the phones of a workshop: one watcher thread per server process.

A poll per phone costs one rerun per phone per interval: 500 phones polling every 5 s made
100 reruns/s and saturated the 2-core benchmark machine. One watcher reads the phases of the
followed workshops once a second, whatever the number of phones, and asks Streamlit to rerun
only the sessions whose screen shows an older state — the way Streamlit reruns a session when
its source file is saved. Several server processes each run their own watcher on the shared file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from streamlit import runtime
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components import storage, workshops

WATCH_SECONDS = float(os.environ.get("HUB_PUSH_SECONDS", "1"))
BATCH_SIZE = 25  # reruns started together, so 500 phones do not all start in the same instant
BATCH_PAUSE_SECONDS = 0.1
RETRY_SECONDS = 5.0  # ask again if a screen still shows an old state (a rerun was lost)
MAX_ASKS = 3  # a session that never redraws the workshop (it went to another page) is let go

_log = logging.getLogger(__name__)


@dataclass
class _Follower:
    workshop_id: int
    shown: tuple  # the phase signature this session's screen was drawn with
    asked_at: float = 0.0
    asks: int = 0


_followers: dict[str, _Follower] = {}
_lock = threading.Lock()
_watcher: threading.Thread | None = None


def follow_workshop(workshop_id: int, shown_signature: tuple) -> bool:
    """Rerun this session when the workshop's phases change; False where pushing is unavailable."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists() or runtime.get_instance().get_app_session(ctx.session_id) is None:
        return False  # e.g. AppTest, whose sessions the runtime does not serve: the page polls instead
    with _lock:
        _followers[ctx.session_id] = _Follower(workshop_id, shown_signature)
        _ensure_watcher(str(storage.db_path()))
    return True


def _ensure_watcher(path: str) -> None:
    """Start the process's watcher thread once (called under _lock)."""
    global _watcher
    if _watcher is None or not _watcher.is_alive():
        _watcher = threading.Thread(target=_watch, args=(path,), name="hub-phase-watcher", daemon=True)
        _watcher.start()


def _watch(path: str) -> None:
    """Forever: read the followed workshops' phases, rerun the screens that are behind."""
    db = None
    while True:
        time.sleep(WATCH_SECONDS)
        try:
            db = db or storage.open_db(path)
            behind = stale_sessions(db, time.monotonic())
            for start in range(0, len(behind), BATCH_SIZE):
                for session in behind[start:start + BATCH_SIZE]:
                    _request_rerun(session)
                time.sleep(BATCH_PAUSE_SECONDS)
        except Exception:  # the watcher must outlive a locked or replaced database file
            _log.exception("phase watcher: check failed; retrying")
            if db is not None:
                db.close()
            db = None


def stale_sessions(db, now: float) -> list:
    """AppSessions whose screen shows an older phase signature than the database; drop closed ones."""
    if not runtime.exists():
        return []
    rt = runtime.get_instance()
    with _lock:
        followers = dict(_followers)
    current = {wid: workshops.phase_signature(db, wid) for wid in {f.workshop_id for f in followers.values()}}
    behind = []
    for session_id, follower in followers.items():
        session = rt.get_app_session(session_id)
        if session is None or follower.asks >= MAX_ASKS:
            with _lock:
                if _followers.get(session_id) is follower:
                    del _followers[session_id]
        elif follower.shown != current[follower.workshop_id] and now - follower.asked_at >= RETRY_SECONDS:
            follower.asked_at, follower.asks = now, follower.asks + 1
            behind.append(session)
    return behind


def _request_rerun(session) -> None:
    """Rerun a whole page with the session's last query string and widgets (no clicks replayed)."""
    state = ClientState()
    state.CopyFrom(session._client_state)  # noqa: SLF001 — Streamlit's own rerun-on-save uses it
    state.fragment_id = ""
    state.is_auto_rerun = False
    session._event_loop.call_soon_threadsafe(session.request_rerun, state)  # noqa: SLF001
