"""The workshop feed: phase changes and live tallies, pushed to the phones that follow a workshop.

Each phone's ballot element holds one streaming answer (GET /api/feed, components/phone_routes.py)
and gets a message whenever its workshop's phases change, and while voting with live results, the
tallies at most once every RESULTS_EVERY_SECONDS. One watcher thread per server process reads the
phases and the workshop's latest audit id (every dot placed or removed writes one) for the
workshops that have followers, every WATCH_SECONDS; a change becomes one message, built and
serialised once, written to every follower. So 500 phones learn that voting opened within a
fraction of a second and see the room's dots within about a second, for one small write each,
instead of a page rerun or a request per phone per refresh.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading

from components import results, rules, storage, workshops
from components.watcher import Watcher

# Four times the pace of the page pushes (components/ui/live.py): reading a few workshops' phases and
# latest audit ids costs well under a millisecond, and every check saved is time a phone waits.
WATCH_SECONDS = float(os.environ.get("HUB_PUSH_SECONDS", "1")) / 4
RESULTS_EVERY_SECONDS = 0.5  # live tallies go out at most this often per workshop, however fast dots arrive

_lock = threading.Lock()
_followers: dict[int, set[Follower]] = {}  # workshop id -> its followers in this process
_sent: dict[int, tuple[str, int, float]] = {}  # workshop id -> (signature key, audit id, when) last sent


class Follower:
    """One phone's stream: the newest message not yet written (older ones are superseded, never queued)."""

    def __init__(self, workshop_id: int, loop: asyncio.AbstractEventLoop):
        self.workshop_id, self.loop = workshop_id, loop
        self.pending: str | None = None
        self.ready = asyncio.Event()

    def offer(self, message: str) -> None:
        """On the server's loop: keep only the newest message and wake the stream."""
        self.pending = message
        self.ready.set()

    async def next(self, timeout: float) -> str | None:
        """The next message, or None after `timeout` seconds without one."""
        try:
            await asyncio.wait_for(self.ready.wait(), timeout)
        except asyncio.TimeoutError:
            return None
        self.ready.clear()
        message, self.pending = self.pending, None
        return message


def signature_key(signature: tuple) -> str:
    """A short, opaque name for a phase signature (workshops.phase_signature)."""
    return hashlib.sha256(repr(signature).encode()).hexdigest()[:20]


def latest_audit_id(db, workshop_id: int) -> int:
    """The workshop's newest audit row: it moves with every dot placed or removed, merge and hide."""
    return db.conn.execute("SELECT coalesce(max(id), 0) FROM audit_log WHERE workshop_id = ?", (workshop_id,)).fetchone()[0]


def build_message(db, workshop_id: int, signature: tuple) -> dict:
    """Phases, and the tallies phones may see live right now (without anyone's own dots)."""
    live = {}
    for question in workshops.list_questions(db, workshop_id):
        if question["phase"] == "voting" and rules.may_see_results(question):
            live[str(question["id"])] = [{"rank": row["rank"], "id": row["priority_id"], "title": row["title"],
                                          "dots": row["dots"]} for row in results.rank_rows(db, question["id"])]
    return {"sig": signature_key(signature), "phases": {str(qid): phase for qid, phase, _v, _d in signature},
            "results": live}


def follow(workshop_id: int) -> Follower:
    """Register a phone's stream for a workshop (on the server's event loop)."""
    follower = Follower(workshop_id, asyncio.get_running_loop())
    with _lock:
        _followers.setdefault(workshop_id, set()).add(follower)
        _watcher.ensure_started(str(storage.db_path()))
    return follower


def unfollow(follower: Follower) -> None:
    """Forget a stream that ended."""
    with _lock:
        followers = _followers.get(follower.workshop_id, set())
        followers.discard(follower)
        if not followers:
            _followers.pop(follower.workshop_id, None)
            _sent.pop(follower.workshop_id, None)


def count_following() -> int:
    """Streams open in this process, over all workshops."""
    with _lock:
        return sum(len(followers) for followers in _followers.values())


def publish_changes(db, now: float) -> int:
    """Send a message to each workshop whose phases changed, or whose audit moved (at most once per
    RESULTS_EVERY_SECONDS); return the number of streams written to."""
    with _lock:
        workshop_ids = list(_followers)
    written = 0
    for workshop_id in workshop_ids:
        signature = workshops.phase_signature(db, workshop_id)
        key, audit_id = signature_key(signature), latest_audit_id(db, workshop_id)
        last = _sent.get(workshop_id)
        if last is not None and last[0] == key and (last[1] == audit_id or now - last[2] < RESULTS_EVERY_SECONDS):
            continue
        message = json.dumps(build_message(db, workshop_id, signature), ensure_ascii=False)
        with _lock:
            _sent[workshop_id] = (key, audit_id, now)
            followers = list(_followers.get(workshop_id, ()))
        by_loop: dict[asyncio.AbstractEventLoop, list[Follower]] = {}
        for follower in followers:
            by_loop.setdefault(follower.loop, []).append(follower)
        for loop, group in by_loop.items():  # one wake-up of the server's loop per workshop
            loop.call_soon_threadsafe(_offer_all, group, message)
        written += len(followers)
    return written


def _offer_all(followers: list[Follower], message: str) -> None:
    """On the server's event loop: hand the message to each stream."""
    for follower in followers:
        follower.offer(message)


_watcher = Watcher("hub-feed", lambda: WATCH_SECONDS, publish_changes)
