"""The phase watcher (components/ui/live.py): which screens it reruns, and when it lets go."""

from __future__ import annotations

import threading
import time

import pytest

from components import facilitation
from components.ui import live as ui_live


class FakeRuntime:
    """Streamlit's runtime as the watcher sees it: session id -> AppSession (None once closed)."""

    def __init__(self, sessions: dict):
        self.sessions = sessions

    def get_app_session(self, session_id: str):
        return self.sessions.get(session_id)


def sessions(behind: list) -> list:
    """The AppSessions the watcher would rerun."""
    return [session for _id, _follower, session in behind]


def open_sessions(monkeypatch, phones: dict) -> None:
    """Pretend Streamlit runs with these sessions (session id -> AppSession stand-in)."""
    monkeypatch.setattr(ui_live.runtime, "get_instance", lambda: FakeRuntime(phones))
    monkeypatch.setattr(ui_live.runtime, "exists", lambda: True)


@pytest.fixture
def followers(monkeypatch):
    table: dict = {}
    monkeypatch.setattr(ui_live, "_followers", table)
    monkeypatch.setattr(ui_live, "_first_seen", {})
    monkeypatch.setattr(ui_live, "PUSH_GRACE_SECONDS", 0.0)  # the grace has its own test below
    return table


def test_watcher_reruns_only_screens_that_are_behind(db, voting, followers, monkeypatch):
    workshop, question, _ = voting
    phones = {"current": object(), "behind": object()}
    open_sessions(monkeypatch, phones)
    now_shown = ui_live.screen_signature(db, workshop["id"])
    followers["current"] = ui_live._Follower(workshop["id"], now_shown)
    followers["behind"] = ui_live._Follower(workshop["id"], ())
    followers["closed"] = ui_live._Follower(workshop["id"], ())
    assert sessions(ui_live.stale_sessions(db, 100.0)) == [phones["behind"]]
    assert "closed" not in followers  # a closed tab is forgotten
    facilitation.set_phase(db, question["id"], "closed", "t")
    # the facilitator moved on: now both are behind, but "behind" was asked a moment ago
    assert sessions(ui_live.stale_sessions(db, 101.0)) == [phones["current"]]
    assert sessions(ui_live.stale_sessions(db, 100.0 + ui_live.RETRY_SECONDS)) == [phones["behind"]]


def test_a_merge_or_a_hide_during_voting_puts_every_screen_behind(db, voting, followers, monkeypatch):
    """A ballot changed by moderation is pushed like a phase change, exactly once per change."""
    workshop, _question, ids = voting
    phone = object()
    open_sessions(monkeypatch, {"s": phone})
    followers["s"] = ui_live._Follower(workshop["id"], ui_live.screen_signature(db, workshop["id"]))
    assert ui_live.stale_sessions(db, 100.0) == []
    facilitation.merge_priorities(db, ids[1], ids[0], "t")
    assert sessions(ui_live.stale_sessions(db, 100.0)) == [phone]
    followers["s"] = ui_live._Follower(workshop["id"], ui_live.screen_signature(db, workshop["id"]))  # redrawn
    facilitation.set_priority_hidden(db, ids[2], True, "t")
    assert sessions(ui_live.stale_sessions(db, 200.0)) == [phone]


def test_page_reruns_wait_for_the_grace_after_a_change(db, voting, followers, monkeypatch):
    """The ballot fetches itself first (components/feed.py); the page rerun follows PUSH_GRACE_SECONDS later."""
    workshop, question, _ = voting
    phone = object()
    open_sessions(monkeypatch, {"s": phone})
    monkeypatch.setattr(ui_live, "PUSH_GRACE_SECONDS", 1.5)
    followers["s"] = ui_live._Follower(workshop["id"], ui_live.screen_signature(db, workshop["id"]))
    assert ui_live.stale_sessions(db, 100.0) == []
    facilitation.set_phase(db, question["id"], "closed", "t")
    assert ui_live.stale_sessions(db, 101.0) == []  # first seen at 101.0
    assert ui_live.stale_sessions(db, 102.4) == []
    assert sessions(ui_live.stale_sessions(db, 102.5)) == [phone]


def test_watcher_lets_go_of_a_session_that_never_redraws(db, voting, followers, monkeypatch):
    workshop, _question, _ = voting
    phone = object()
    open_sessions(monkeypatch, {"s": phone})
    followers["s"] = ui_live._Follower(workshop["id"], ())  # went to another page: never re-registers
    asked = [sessions(ui_live.stale_sessions(db, (k + 1) * ui_live.RETRY_SECONDS)) for k in range(ui_live.MAX_ASKS + 2)]
    assert asked == [[phone]] * ui_live.MAX_ASKS + [[], []]
    assert followers == {}


def test_push_keeps_a_few_reruns_in_flight(followers, monkeypatch):
    """Reruns start IN_FLIGHT at a time; the next starts when a running page has registered again."""
    running, most, lock = set(), [0], threading.Lock()

    def page_run(session):
        time.sleep(0.03)  # the page draws, then registers its new signature as follow_workshop does
        with lock:
            running.discard(session)
        with ui_live._lock:
            followers[session] = ui_live._Follower(1, ("new",))

    def request(session):
        with lock:
            running.add(session)
            most[0] = max(most[0], len(running))
        threading.Thread(target=page_run, args=(session,)).start()

    monkeypatch.setattr(ui_live, "_request_rerun", request)
    behind = []
    for n in range(30):
        follower = followers[f"s{n}"] = ui_live._Follower(1, ("old",))
        behind.append((f"s{n}", follower, f"s{n}"))
    ui_live.push(behind)
    assert most[0] == ui_live.IN_FLIGHT
    assert all(f.shown == ("new",) for f in followers.values())
