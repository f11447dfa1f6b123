"""The feed's limits hold against a hostile phone: many feeds at once from one token, and a reader that stops reading.

The server holds every feed on one event loop, so these tests open their feeds on one loop too, at once, as a
script sending them in parallel does (tests/test_vote_route.py's FeedClient gives each feed a loop of its own).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from components import feed, participation, phone_routes, rules
from tests.test_vote_route import APP

HEADERS = {"host": "hub.example"}


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    """Each test starts with no requests counted and no feeds open. Nothing here needs the feed's watcher: it is
    not started, since its thread would keep reading this test's database file in the tests that follow."""
    monkeypatch.setattr(phone_routes, "_recent", {})
    monkeypatch.setattr(phone_routes, "_streams", phone_routes.collections.Counter())
    monkeypatch.setattr(feed, "_watcher", SimpleNamespace(ensure_started=lambda path: None))


def feed_scope(token: str) -> dict:
    """GET /api/feed with this token, as a phone of this site sends it."""
    return {"type": "http", "method": "GET", "path": "/api/feed", "query_string": b"", "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in {**HEADERS, "x-hub-token": token}.items()]}


def open_feeds_at_once(tokens: list[str]) -> tuple[list[int], dict, int]:
    """Ask for one feed per token, all at once on one event loop; once every request has its answer, note
    (sorted statuses, open feeds per participant, streams following), then hang every phone up."""

    async def run() -> tuple[list[int], dict, int]:
        statuses: list[int] = []
        gone = asyncio.Event()

        async def one(token: str) -> None:
            asked = [True]

            async def receive():
                if asked:
                    asked.pop()
                    return {"type": "http.request", "body": b"", "more_body": False}
                await gone.wait()
                return {"type": "http.disconnect"}

            async def send(message):
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            await APP(feed_scope(token), receive, send)

        tasks = [asyncio.create_task(one(token)) for token in tokens]
        for _ in range(1000):  # until every request is answered (a ready condition, not a pause)
            if len(statuses) == len(tokens):
                break
            await asyncio.sleep(0.01)
        for _ in range(20):  # let the accepted streams start, so they are counted where they register
            await asyncio.sleep(0)
        snapshot = (sorted(statuses), dict(phone_routes._streams), feed.count_following())
        gone.set()
        await asyncio.gather(*tasks)
        return snapshot

    with ThreadPoolExecutor(1) as pool:  # its own loop, as tests/test_vote_route.py's call() does
        return pool.submit(asyncio.run, run()).result()


def test_one_token_opening_thirty_feeds_at_once_gets_four(db, voting):
    """Before: the cap was read before any stream had registered, so 28 of 30 parallel requests got a stream."""
    workshop, _question, _ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    statuses, streams, following = open_feeds_at_once([ana["token"]] * 30)
    assert statuses == [200] * rules.FEEDS_MAX + [429] * (30 - rules.FEEDS_MAX)
    assert (streams, following) == ({ana["id"]: rules.FEEDS_MAX}, rules.FEEDS_MAX)
    assert (dict(phone_routes._streams), feed.count_following()) == ({}, 0)  # every slot given back


def test_the_process_cap_holds_when_feeds_arrive_at_once(db, voting, monkeypatch):
    workshop, _question, _ids = voting
    monkeypatch.setattr(rules.participation, "FEEDS_PER_PROCESS_MAX", 3)  # where check_feed_room reads it
    phones = [participation.join_workshop(db, workshop["code"], f"Phone {n}") for n in range(30)]
    statuses, streams, following = open_feeds_at_once([p["token"] for p in phones])
    assert statuses == [200] * 3 + [429] * 27
    assert (sum(streams.values()), following) == (3, 3)
    assert (dict(phone_routes._streams), feed.count_following()) == ({}, 0)


def test_a_reader_that_stops_reading_loses_its_feed(db, voting, monkeypatch):
    """A phone (or a script) that takes the first message and then reads nothing more, without hanging up:
    before, its stream waited in send() for ever, past FEED_SECONDS, holding its slot and its buffers."""
    workshop, _question, _ids = voting
    monkeypatch.setattr(phone_routes, "FEED_HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(phone_routes, "FEED_SEND_SECONDS", 0.3, raising=False)
    ana = participation.join_workshop(db, workshop["code"], "Ana")

    async def run() -> tuple[list[bytes], bool, int]:
        bodies: list[bytes] = []
        never = asyncio.Event()
        asked = [True]

        async def receive():
            if asked:
                asked.pop()
                return {"type": "http.request", "body": b"", "more_body": False}
            await never.wait()  # still connected: no disconnect ever arrives
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.body":
                bodies.append(message["body"])
                if len(bodies) > 1:  # the reader's window is full: the write waits for ever
                    await never.wait()

        try:
            await asyncio.wait_for(APP(feed_scope(ana["token"]), receive, send), 10)
        except asyncio.TimeoutError:
            return bodies, False, feed.count_following()
        return bodies, True, feed.count_following()  # while the server's loop still runs

    with ThreadPoolExecutor(1) as pool:
        bodies, ended, following = pool.submit(asyncio.run, run()).result()
    assert ended and bodies[0].startswith(b"data: {") and len(bodies) == 2
    assert (dict(phone_routes._streams), following) == ({}, 0)
