"""Tell waiting phones that their workshop's phases changed: one watcher thread per server process.

A phone's ballot element asks GET /api/phase?since=<signature>; the answer waits (up to
WAIT_SECONDS) until the workshop's phase signature differs from the one the phone knows. A waiting
phone costs an open request and a future, not a query: one thread reads the phases of the
workshops that have waiting phones every WATCH_SECONDS and answers all of a workshop's phones at
once. So when voting opens, each phone gets one small answer and fetches its ballot over HTTP,
instead of waiting for its turn in a queue of whole-page reruns (components/ui/live.py still
redraws the rest of the page behind it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import time

from components import storage, workshops

# Four times the pace of the page pushes: reading a few workshops' phases costs ~50 µs, and every
# check saved is time a phone waits for its ballot once voting opens.
WATCH_SECONDS = float(os.environ.get("HUB_PUSH_SECONDS", "1")) / 4
WAIT_SECONDS = 25.0  # under the usual 30-60 s idle timeouts of proxies and venue gateways

_log = logging.getLogger(__name__)
_lock = threading.Lock()
# workshop id -> {future: (its event loop, the signature key the phone knows)}
_waiters: dict[int, dict[asyncio.Future, tuple[asyncio.AbstractEventLoop, str]]] = {}
_watcher: threading.Thread | None = None


def signature_key(signature: tuple) -> str:
    """A short, opaque name for a phase signature (workshops.phase_signature), safe in a URL."""
    return hashlib.sha256(repr(signature).encode()).hexdigest()[:20]


def describe(signature: tuple) -> dict:
    """What a phone is told: the signature's key and each question's phase."""
    return {"sig": signature_key(signature), "phases": {str(qid): phase for qid, phase, _v, _d in signature}}


def count_waiting() -> int:
    """Phones waiting in this process, over all workshops."""
    with _lock:
        return sum(len(waiting) for waiting in _waiters.values())


async def wait_for_change(workshop_id: int, since: str, timeout: float = WAIT_SECONDS) -> dict | None:
    """The workshop's new phases once they differ from `since`, or None after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    with _lock:
        _waiters.setdefault(workshop_id, {})[future] = (loop, since)
        _ensure_watcher(str(storage.db_path()))
    try:
        return await asyncio.wait_for(future, timeout)
    except asyncio.TimeoutError:
        return None
    finally:
        with _lock:
            waiting = _waiters.get(workshop_id, {})
            waiting.pop(future, None)
            if not waiting:
                _waiters.pop(workshop_id, None)


def _ensure_watcher(path: str) -> None:
    """Start the process's watcher thread once (called under _lock)."""
    global _watcher
    if _watcher is None or not _watcher.is_alive():
        _watcher = threading.Thread(target=_watch, args=(path,), name="hub-phase-feed", daemon=True)
        _watcher.start()


def _watch(path: str) -> None:
    """Forever: read the phases of workshops with waiting phones and answer the phones that are behind."""
    db = None
    while True:
        time.sleep(WATCH_SECONDS)
        try:
            db = db or storage.open_db(path)
            answer_waiting(db)
        except Exception:  # the feed must outlive a locked or replaced database file
            _log.exception("phase feed: check failed; retrying")
            if db is not None:
                db.close()
            db = None


def answer_waiting(db) -> int:
    """Answer every waiting phone whose known signature is not the current one; return how many."""
    with _lock:
        workshop_ids = list(_waiters)
    answered = 0
    for workshop_id in workshop_ids:
        news = describe(workshops.phase_signature(db, workshop_id))
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
        with _lock:
            for future, (loop, since) in list(_waiters.get(workshop_id, {}).items()):
                if since != news["sig"]:
                    by_loop.setdefault(loop, []).append(future)
        for loop, futures in by_loop.items():  # one wake-up of the server's loop per workshop
            loop.call_soon_threadsafe(_resolve, futures, news)
            answered += len(futures)
    return answered


def _resolve(futures: list[asyncio.Future], news: dict) -> None:
    """On the server's event loop: hand the news to each phone still waiting."""
    for future in futures:
        if not future.done():
            future.set_result(news)
