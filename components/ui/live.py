"""Push a phase change to the phones of a workshop: one watcher thread per server process.

A poll per phone costs one rerun per phone per interval: 500 phones polling every 5 s made
100 reruns/s and saturated the 2-core benchmark machine. One watcher reads the phases of the
followed workshops once a second, whatever the number of phones, and asks Streamlit to rerun
only the sessions whose screen shows an older state (a phase, a reveal, or a ballot changed by a merge) — the way Streamlit reruns a session when
its source file is saved. Several server processes each run their own watcher on the shared file.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from streamlit import runtime
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime.app_session import AppSessionState
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components import storage, workshops
from components.watcher import Watcher

WATCH_SECONDS = float(os.environ.get("HUB_PUSH_SECONDS", "1"))
IN_FLIGHT = 4  # pushed reruns running at once: more starve the thread that sends their output
POLL_IN_FLIGHT_SECONDS = 0.02
PUSH_TIMEOUT_SECONDS = 2.0
RETRY_SECONDS = 5.0  # ask again if a screen still shows an old state (a rerun was lost)
MAX_ASKS = 3  # a session that never redraws the workshop (it went to another page) is let go
# The ballot element learns a phase change itself (components/feed.py) and fetches its ballot
# over HTTP; the page reruns wait this long after a change, so they do not compete with those
# fetches for the two cores (300 reruns take ~4 s of CPU, 300 ballot fetches ~0.5 s).
PUSH_GRACE_SECONDS = 1.5


@dataclass
class _Follower:
    workshop_id: int
    shown: tuple  # the phase signature this session's screen was drawn with
    asked_at: float = 0.0
    asks: int = 0


_followers: dict[str, _Follower] = {}
_first_seen: dict[int, tuple[tuple, float]] = {}  # workshop id -> (its screen signature, when first read)
_lock = threading.Lock()


def follow_workshop(workshop_id: int, shown_signature: tuple) -> bool:
    """Rerun this session when the workshop's phases change; False where pushing is unavailable."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists() or runtime.get_instance().get_app_session(ctx.session_id) is None:
        return False  # e.g. AppTest, whose sessions the runtime does not serve: the page polls instead
    # Read before the page draws its questions: a merge landing meanwhile is pushed again, never missed.
    shown = tuple(shown_signature) + (workshops.ballot_signature(storage.thread_db(), workshop_id),)
    with _lock:
        _followers[ctx.session_id] = _Follower(workshop_id, shown)
        _watcher.ensure_started(str(storage.db_path()))
    return True


def screen_signature(db, workshop_id: int) -> tuple:
    """What a phone's screen depends on: the phases and visibilities, and the ballots shown (merges, hides)."""
    return workshops.phase_signature(db, workshop_id) + (workshops.ballot_signature(db, workshop_id),)


def count_sessions() -> int | None:
    """Browser tabs this server process holds now (for /healthz and the status command), or None outside a server."""
    if not runtime.exists():
        return None
    return runtime.get_instance()._session_mgr.num_active_sessions()  # noqa: SLF001 — no public count in 1.67


def push(behind: list[tuple[str, _Follower, object]]) -> None:
    """Rerun the screens that are behind, IN_FLIGHT at a time: the first phones get the news at once.

    Starting 500 reruns together made all of them finish together, about 12 s later. A rerun is
    done when its page has registered again and its session stopped running, or after
    PUSH_TIMEOUT_SECONDS.
    """
    waiting, in_flight = list(behind), {}
    while waiting or in_flight:
        while waiting and len(in_flight) < IN_FLIGHT:
            session_id, follower, session = waiting.pop(0)
            _request_rerun(session)
            in_flight[session_id] = (follower, session, time.monotonic())
        time.sleep(POLL_IN_FLIGHT_SECONDS)
        with _lock:
            for session_id, (follower, session, asked) in list(in_flight.items()):
                redrawn = _followers.get(session_id) is not follower and not is_running(session)
                if redrawn or time.monotonic() - asked > PUSH_TIMEOUT_SECONDS:
                    del in_flight[session_id]


def is_running(session) -> bool:
    """Whether Streamlit is running a script for this session right now."""
    return getattr(session, "_state", None) == AppSessionState.APP_IS_RUNNING  # noqa: SLF001


def stale_sessions(db, now: float) -> list[tuple[str, _Follower, object]]:
    """(session id, follower, AppSession) of each screen drawn with an older phase signature; drop closed ones."""
    if not runtime.exists():
        return []
    rt = runtime.get_instance()
    with _lock:
        followers = dict(_followers)
    current = {wid: screen_signature(db, wid) for wid in {f.workshop_id for f in followers.values()}}
    settled = set()
    for wid, signature in current.items():
        if _first_seen.get(wid, ((), 0.0))[0] != signature:
            _first_seen[wid] = (signature, now)
        if now - _first_seen[wid][1] >= PUSH_GRACE_SECONDS:
            settled.add(wid)
    behind = []
    for session_id, follower in followers.items():
        session = rt.get_app_session(session_id)
        if session is None or follower.asks >= MAX_ASKS:
            with _lock:
                if _followers.get(session_id) is follower:
                    del _followers[session_id]
        elif follower.shown != current[follower.workshop_id] and follower.workshop_id in settled \
                and now - follower.asked_at >= RETRY_SECONDS:
            follower.asked_at, follower.asks = now, follower.asks + 1
            behind.append((session_id, follower, session))
    return behind


def _request_rerun(session) -> None:
    """Rerun a whole page with the session's last query string and widgets (no clicks replayed)."""
    state = ClientState()
    state.CopyFrom(session._client_state)  # noqa: SLF001 — Streamlit's own rerun-on-save uses it
    state.fragment_id = ""
    state.is_auto_rerun = False
    session._event_loop.call_soon_threadsafe(session.request_rerun, state)  # noqa: SLF001


def check_and_push(db, now: float) -> None:
    """Rerun the screens that are behind the database now."""
    push(stale_sessions(db, now))


_watcher = Watcher("hub-phase-watcher", lambda: WATCH_SECONDS, check_and_push)
