"""The app's own HTTP routes (components/routes.py): the shared tally, health, headers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import json
import os
import sqlite3

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from components import participation, routes


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """Each test starts with no cached tally."""
    monkeypatch.setattr(routes, "_tallies", {})


def test_a_tally_is_reused_for_a_second_then_recounted(db, voting, monkeypatch):
    """Every phone's ballot read (GET /api/ballot) shares one tally per question per second."""
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    clock = [100.0]
    monkeypatch.setattr(routes.time, "monotonic", lambda: clock[0])
    assert [r["dots"] for r in routes.cached_tally(db, question["id"])] == [0, 0, 0]
    participation.place_dot(db, ana, ids[1])
    clock[0] += routes.TALLY_CACHE_SECONDS / 2
    assert [r["dots"] for r in routes.cached_tally(db, question["id"])] == [0, 0, 0]
    clock[0] += routes.TALLY_CACHE_SECONDS
    assert [(r["priority_id"], r["dots"]) for r in routes.cached_tally(db, question["id"])][0] == (ids[1], 1)


def test_health_reads_the_database(db, monkeypatch):
    request = Request({"type": "http", "method": "GET", "path": "/healthz", "headers": [], "query_string": b""})
    assert (routes.check_health(request).status_code, json.loads(routes.check_health(request).body)) == (200, {"ok": True})

    def broken():
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(routes.storage, "thread_db", broken)
    assert (routes.check_health(request).status_code, json.loads(routes.check_health(request).body)) == (503, {"ok": False})


def test_health_names_process_and_tabs_only_to_a_direct_local_ask(db, monkeypatch):
    """The status command asks each port from this machine; through the proxy the world sees only ok."""
    monkeypatch.setattr(routes, "session_counter", lambda: 7)

    def health(client: str, headers: list) -> dict:
        scope = {"type": "http", "method": "GET", "path": "/healthz", "headers": headers, "query_string": b"",
                 "client": (client, 50000), "server": ("127.0.0.1", 8502)}
        return json.loads(routes.check_health(Request(scope)).body)

    direct = health("127.0.0.1", [])
    assert {k: direct[k] for k in ("ok", "pid", "port", "sessions")} == {"ok": True, "pid": os.getpid(), "port": 8502,
                                                                          "sessions": 7}
    assert health("127.0.0.1", [(b"x-forwarded-for", b"203.0.113.9")]) == {"ok": True}  # relayed by Caddy
    assert health("203.0.113.9", []) == {"ok": True}


def test_every_http_response_carries_the_security_headers():
    sent = []

    async def send(message):
        sent.append(message)

    async def run():
        app = routes.SecurityHeaders(PlainTextResponse("hi", headers={"x-frame-options": "DENY"}))
        await app({"type": "http", "method": "GET", "path": "/", "headers": []}, None, send)
    # Its own thread: a Playwright test earlier in the same process leaves an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()
    headers = dict(sent[0]["headers"])
    assert headers[b"referrer-policy"] == b"no-referrer" and headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"x-frame-options"] == b"DENY"  # a header the response set itself is kept
    assert b"frame-ancestors 'self'" in headers[b"content-security-policy"]
