"""The app's own HTTP routes (components/routes.py): live results for phones, health, headers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import json
import os
import sqlite3

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from components import facilitation, participation, routes, workshops


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """Each test starts with no cached tally."""
    monkeypatch.setattr(routes, "_tallies", {})


def ask(question_id, token: str | None) -> tuple[int, dict]:
    """GET /api/results?q=question_id with the token header; (status, JSON body)."""
    headers = [(b"x-hub-token", token.encode())] if token is not None else []
    request = Request({"type": "http", "method": "GET", "path": "/api/results", "headers": headers,
                       "query_string": f"q={question_id}".encode()})
    response = routes.read_results(request)
    return response.status_code, json.loads(response.body)


def test_live_results_answer_with_exact_rows_and_own_dots(db, voting):
    workshop, question, ids = voting
    facilitation.set_results_visibility(db, question["id"], "live", "t")
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    bo = participation.join_workshop(db, workshop["code"], "Bo")
    participation.place_dot(db, ana, ids[2])
    participation.place_dot(db, bo, ids[2])
    participation.place_dot(db, bo, ids[0])
    titles = {p["id"]: p["title"] for p in workshops.list_visible_priorities(db, question["id"])}
    status, body = ask(question["id"], ana["token"])
    assert status == 200 and body == {"visible": True, "live": True, "rows": [
        {"rank": 1, "title": titles[ids[2]], "dots": 2, "mine": 1},
        {"rank": 2, "title": titles[ids[0]], "dots": 1, "mine": 0},
        {"rank": 3, "title": titles[ids[1]], "dots": 0, "mine": 0}]}


def test_a_tally_is_reused_for_a_second_then_recounted(db, voting, monkeypatch):
    workshop, question, ids = voting
    facilitation.set_results_visibility(db, question["id"], "live", "t")
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    clock = [100.0]
    monkeypatch.setattr(routes.time, "monotonic", lambda: clock[0])
    assert [r["dots"] for r in ask(question["id"], ana["token"])[1]["rows"]] == [0, 0, 0]
    participation.place_dot(db, ana, ids[1])
    clock[0] += routes.TALLY_CACHE_SECONDS / 2
    cached = ask(question["id"], ana["token"])[1]["rows"]
    assert [r["dots"] for r in cached] == [0, 0, 0] and sum(r["mine"] for r in cached) == 1  # own dots are never cached
    clock[0] += routes.TALLY_CACHE_SECONDS
    assert [r["dots"] for r in ask(question["id"], ana["token"])[1]["rows"]] == [1, 0, 0]


def test_hidden_results_are_not_visible(db, voting):
    workshop, question, _ids = voting
    facilitation.set_results_visibility(db, question["id"], "hidden", "t")
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    assert ask(question["id"], ana["token"]) == (200, {"visible": False, "live": True, "rows": []})


@pytest.mark.parametrize("token, question", [
    (None, "1"), ("", "1"), ("x" * 5000, "1"), ("forged-token-of-24-chars", "1"), ("a b<c>" * 4, "1"),
    ("VALID", "2" * 70), ("VALID", "-1"), ("VALID", "1e3"), ("VALID", "١"), ("VALID", "999999"),
])
def test_anything_but_a_participant_of_the_workshop_gets_404(db, voting, token, question):
    workshop, real_question, _ids = voting
    facilitation.set_results_visibility(db, real_question["id"], "live", "t")
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    token = ana["token"] if token == "VALID" else token
    assert ask(question if question != "1" else real_question["id"], token) == (404, {"visible": False})


def test_a_participant_of_another_workshop_gets_404(db, voting):
    _workshop, question, _ids = voting
    facilitation.set_results_visibility(db, question["id"], "live", "t")
    other = workshops.get_workshop(db, workshops.create_workshop(db, "Other", "t"))
    stranger = participation.join_workshop(db, other["code"], "Stranger")
    assert ask(question["id"], stranger["token"]) == (404, {"visible": False})


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
