"""The ballot's own routes (components/phone_routes.py): taps, ballot reads and the feed, as an adversary sends them."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.routing import Router

from components import facilitation, feed, participation, phone_routes, rules, storage, workshops

ORIGIN = "http://hub.example"
APP = Router(routes=phone_routes.ROUTES)


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    """Each test starts with no requests counted and no feeds open."""
    monkeypatch.setattr(phone_routes, "_recent", {})
    monkeypatch.setattr(phone_routes, "_streams", phone_routes.collections.Counter())


def call(method: str, path: str, token: str | None = None, body: bytes | None = None, query: str = "",
         headers: dict | None = None, chunks: list[bytes] | None = None) -> tuple[int, dict, dict]:
    """Send one request through the routes as the server would; (status, JSON body, headers)."""
    sent = {"host": "hub.example", **({"origin": ORIGIN} if method == "POST" else {}),
            **({"content-type": "application/json"} if body is not None else {}),
            **({"content-length": str(len(body))} if body is not None else {}),
            **({"x-hub-token": token} if token is not None else {}), **(headers or {})}
    scope = {"type": "http", "method": method, "path": path, "query_string": query.encode(), "root_path": "",
             "headers": [(k.encode(), v.encode()) for k, v in sent.items() if v is not None]}
    pieces = list(chunks if chunks is not None else [body or b""])
    messages = []

    async def receive():
        piece = pieces.pop(0) if pieces else b""
        return {"type": "http.request", "body": piece, "more_body": bool(pieces)}

    async def send(message):
        messages.append(message)

    # Its own thread and loop: a Playwright test earlier in the same process leaves a loop running here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, APP(scope, receive, send)).result()
    start = next(m for m in messages if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], json.loads(payload), {k.decode(): v.decode() for k, v in start["headers"]}


def tap(token: str | None, question, priority, action="add", shown=0, **kwargs) -> tuple[int, dict]:
    """POST /api/vote with one tap; (status, JSON body)."""
    body = json.dumps({"question": question, "priority": priority, "action": action, "shown": shown}).encode()
    status, answer, _headers = call("POST", "/api/vote", token, body, **kwargs)
    return status, answer


def dot_rows(db, question_id: int) -> list[tuple]:
    """(participant, priority, count) of every dot row of a question, sorted."""
    return db.conn.execute("SELECT participant_id, priority_id, count(*) FROM dot WHERE question_id = ?"
                           " GROUP BY 1, 2 ORDER BY 1, 2", (question_id,)).fetchall()


def mine(answer: dict) -> dict[int, int]:
    """priority id -> the participant's dots, from an answer's ballot."""
    return {item["id"]: item["mine"] for item in answer["ballot"]["items"]}


def test_a_tap_places_a_dot_and_answers_with_the_ballot_and_fresh_results(db, voting):
    workshop, question, ids = voting
    facilitation.set_results_visibility(db, question["id"], "live", "t")
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    status, answer = tap(ana["token"], question["id"], ids[1])
    assert status == 200 and answer["phase"] == "voting"
    assert mine(answer) == {ids[0]: 0, ids[1]: 1, ids[2]: 0}
    assert (answer["ballot"]["left"], answer["ballot"]["labels"]["lines"][4]) == (4, "4 of 5 dots left")
    assert [(row["dots"], row["mine"]) for row in answer["results"]] == [(1, 1), (0, 0), (0, 0)]
    assert dot_rows(db, question["id"]) == [(ana["id"], ids[1], 1)]
    status, answer = tap(ana["token"], question["id"], ids[1], "remove", shown=1)
    assert status == 200 and answer["ballot"]["left"] == 5 and dot_rows(db, question["id"]) == []


def test_a_retried_tap_is_counted_once(db, voting):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    for _ in range(3):  # the answer was lost twice; the phone sends the same tap again
        status, answer = tap(ana["token"], question["id"], ids[0], shown=0)
        assert status == 200 and mine(answer)[ids[0]] == 1
    assert dot_rows(db, question["id"]) == [(ana["id"], ids[0], 1)]


def test_taps_kept_offline_and_sent_twice_are_delivered_exactly_once(db, voting):
    """A phone's queue: add, add, remove, add on screen counts; the whole queue arrives twice."""
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    queue = [(ids[0], "add", 0), (ids[0], "add", 1), (ids[0], "remove", 2), (ids[2], "add", 0)]
    for _attempt in range(2):
        for priority, action, shown in queue:
            assert tap(ana["token"], question["id"], priority, action, shown)[0] == 200
    assert dot_rows(db, question["id"]) == [(ana["id"], ids[0], 1), (ana["id"], ids[2], 1)]


def test_the_same_tap_from_twenty_threads_places_one_dot(db, voting):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    barrier = threading.Barrier(20)

    def send(_):
        barrier.wait()
        return tap(ana["token"], question["id"], ids[0], shown=0)[0]

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(send, range(20)))
    assert statuses == [200] * 20 and dot_rows(db, question["id"]) == [(ana["id"], ids[0], 1)]


@pytest.mark.parametrize("headers, status", [
    ({"origin": None}, 403),                                 # a POST without Origin
    ({"origin": "https://evil.example"}, 403),               # another site
    ({"origin": "http://hub.example.evil.example"}, 403),    # a look-alike host
    ({"origin": "null"}, 403),                               # a sandboxed frame or a file
    ({"sec-fetch-site": "cross-site"}, 403),                 # the browser says: another site
    ({"content-type": "text/plain"}, 415),                   # a form post cannot send JSON
    ({"content-length": "100000"}, 413),                     # a huge body, declared
    ({"content-length": "-1"}, 413),
])
def test_requests_that_are_not_from_our_page_are_refused(db, voting, headers, status):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    got, answer = tap(ana["token"], question["id"], ids[0], headers=headers)
    assert got == status and set(answer) == {"error"} and dot_rows(db, question["id"]) == []


def test_a_body_longer_than_it_says_is_refused(db, voting):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    chunks = [b'{"question": 1, "pad": "', b"x" * 400, b"x" * 400, b'"}']
    status, answer, _ = call("POST", "/api/vote", ana["token"], b"{}", chunks=chunks)
    assert (status, answer) == (413, {"error": "This priority is no longer on the ballot."})


@pytest.mark.parametrize("token", [None, "", "x" * 5000, "forged-token-of-24-chars", "a b<c>" * 4])
def test_an_unknown_token_is_refused(db, voting, token):
    _workshop, question, ids = voting
    assert tap(token, question["id"], ids[0]) == (404, {
        "error": "This link is not valid. Please join again with the workshop's code."})
    assert dot_rows(db, question["id"]) == []


@pytest.mark.parametrize("body", [
    {"question": "Q", "priority": 2**70, "action": "add", "shown": 0},   # past SQLite's integers
    {"question": "Q", "priority": "P", "action": "add", "shown": -1},    # a negative count on screen
    {"question": "Q", "priority": "P", "action": "add", "shown": 2**64},
    {"question": "Q", "priority": True, "action": "add", "shown": 0},    # bool is an int in Python
    {"question": "Q", "priority": "P", "action": "steal", "shown": 0},
    {"question": "Q", "priority": 0, "action": "add", "shown": 0},
    {"question": "Q", "priority": 1.5, "action": "add", "shown": 0},
    {"question": "Q", "priority": "P", "action": "add"},
    ["add", 1, 0],
])
def test_a_forged_tap_is_refused_without_a_dot(db, voting, body):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    if isinstance(body, dict):
        body = {k: question["id"] if v == "Q" else ids[0] if v == "P" else v for k, v in body.items()}
    status, answer, _ = call("POST", "/api/vote", ana["token"], json.dumps(body).encode())
    assert status in (400, 409) and answer["error"] == "This priority is no longer on the ballot."
    assert dot_rows(db, question["id"]) == []


def test_malformed_json_is_refused(db, voting):
    workshop, question, _ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    for body in (b"{", b"\xff\xfe", b"[" * 400):
        status, answer, _ = call("POST", "/api/vote", ana["token"], body)
        assert (status, answer) == (400, {"error": "This priority is no longer on the ballot."})


def test_another_workshops_participant_cannot_touch_this_ballot(db, voting):
    workshop, question, ids = voting
    other = workshops.get_workshop(db, workshops.create_workshop(db, "Other", "t"))
    stranger = participation.join_workshop(db, other["code"], "Stranger")
    status, answer = tap(stranger["token"], question["id"], ids[0])
    assert (status, answer) == (409, {"error": "This question is not part of your workshop."})
    # Their own question's id with this workshop's priority: refused like a vanished priority.
    own_question = workshops.add_question(db, other["id"], "Their question", "t")
    facilitation.set_phase(db, own_question, "voting", "t")
    status, answer = tap(stranger["token"], own_question, ids[0])
    assert status == 409 and answer["error"] == "This priority is no longer on the ballot."
    assert dot_rows(db, question["id"]) == []


def test_a_priority_of_another_question_is_refused(db, voting, demo):
    workshop, question, ids = voting
    second = demo[1][1]
    facilitation.add_priority_for_room(db, second["id"], "A priority of the second question", "t")
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    status, answer = tap(ana["token"], second["id"], ids[0])
    assert status == 409 and answer["error"] == "This priority is no longer on the ballot."
    assert dot_rows(db, question["id"]) == []


def test_rule_refusals_come_translated_with_the_ballot_as_it_is(db, voting):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana", language="cs")
    for shown in range(3):
        assert tap(ana["token"], question["id"], ids[0], shown=shown)[0] == 200
    status, answer = tap(ana["token"], question["id"], ids[0], shown=3)
    assert status == 409 and answer["error"] == "Maximální počet bodů na jednu prioritu: 3."
    assert mine(answer)[ids[0]] == 3 and answer["ballot"]["labels"]["add"] == "Přidat bod"
    facilitation.set_phase(db, question["id"], "closed", "t")
    status, answer = tap(ana["token"], question["id"], ids[1])
    assert (status, answer["error"], answer["phase"], answer["ballot"]) == (409, "Hlasování je uzavřené.", "closed", None)
    assert dot_rows(db, question["id"]) == [(ana["id"], ids[0], 3)]


def test_the_browser_language_is_used_when_the_participant_chose_none(db, voting):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    status, answer = tap(ana["token"], 999999, ids[0], headers={"accept-language": "en;q=0.5, hu-HU"})
    assert (status, answer) == (409, {"error": "Ez a kérdés nem az Ön workshopjához tartozik."})


def test_a_flood_of_taps_from_one_token_is_slowed(db, voting, monkeypatch):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    bo = participation.join_workshop(db, workshop["code"], "Bo")
    clock = [1000.0]
    monkeypatch.setattr(phone_routes.time, "monotonic", lambda: clock[0])
    for _ in range(rules.TAPS_MAX):
        assert tap(ana["token"], question["id"], ids[0], shown=7)[0] == 200  # shown=7: a no-op each
    status, answer, headers = call("POST", "/api/vote", ana["token"], json.dumps(
        {"question": question["id"], "priority": ids[0], "action": "add", "shown": 0}).encode())
    assert (status, answer) == (429, {"error": "Too many taps at once. Please wait a few seconds."})
    assert headers["retry-after"] == str(rules.TAP_WINDOW_SECONDS) and dot_rows(db, question["id"]) == []
    assert tap(bo["token"], question["id"], ids[0])[0] == 200  # another phone is not slowed
    clock[0] += rules.TAP_WINDOW_SECONDS
    assert tap(ana["token"], question["id"], ids[0])[0] == 200
    assert dot_rows(db, question["id"]) == [(ana["id"], ids[0], 1), (bo["id"], ids[0], 1)]


def test_a_busy_database_answers_503_and_writes_nothing(db, voting, monkeypatch):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana", language="cs")

    def busy(*_args, **_kwargs):
        raise storage.Busy("The system is overloaded right now, so nothing was saved. Please try again in a moment.")
    monkeypatch.setattr(participation, "cast_vote", busy)
    status, answer = tap(ana["token"], question["id"], ids[0])
    assert status == 503 and answer["error"].startswith("Systém je") and answer["ballot"]["left"] == 5


def test_an_unexpected_error_is_a_sentence_not_a_stack_trace(db, voting, monkeypatch):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("secret internals")
    monkeypatch.setattr(participation, "cast_vote", broken)
    assert tap(ana["token"], question["id"], ids[0]) == (500, {
        "error": "Something went wrong, so this tap was not saved. Please try again."})


def test_reading_the_ballot(db, voting, demo):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    participation.place_dot(db, ana, ids[2])
    status, answer, _ = call("GET", "/api/ballot", ana["token"], query=f"q={question['id']}")
    assert status == 200 and mine(answer) == {ids[0]: 0, ids[1]: 0, ids[2]: 1} and answer["results"] is None
    second = demo[1][1]  # still a draft: no ballot, nothing to see
    assert call("GET", "/api/ballot", ana["token"], query=f"q={second['id']}")[:2] == (
        200, {"phase": "draft", "ballot": None, "results": None})
    for query in ("q=" + "9" * 70, "q=-1", "q=", "q=1e3", "q=999999"):
        assert call("GET", "/api/ballot", ana["token"], query=query)[:2] == (
            404, {"error": "This question is not part of your workshop."})
    assert call("GET", "/api/ballot", ana["token"], query=f"q={question['id']}",
                headers={"origin": "https://evil.example"})[0] == 403


class FeedClient:
    """GET /api/feed held open in a thread of its own, as a phone holds it; messages arrive in .messages."""

    def __init__(self, token: str, headers: dict | None = None):
        self.messages: list[dict] = []
        self.status: int | None = None
        self.started = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.gone = None
        scope = {"type": "http", "method": "GET", "path": "/api/feed", "query_string": b"", "root_path": "",
                 "headers": [(k.encode(), v.encode()) for k, v in {"host": "hub.example", "x-hub-token": token,
                                                                   **(headers or {})}.items()]}
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.run(scope),), daemon=True)
        self.thread.start()
        assert self.started.wait(10)

    async def run(self, scope) -> None:
        self.gone = asyncio.Event()
        first = [True]

        async def receive():
            if first.pop() if first else False:
                return {"type": "http.request", "body": b"", "more_body": False}
            await self.gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.started.set()
            for block in message.get("body", b"").decode().split("\n\n"):
                if block.startswith("data: "):
                    self.messages.append(json.loads(block[6:]))
                elif block.startswith("{"):  # a refusal's JSON body
                    self.messages.append(json.loads(block))

        await APP(scope, receive, send)

    def close(self) -> None:
        """The phone goes away: the server ends the stream."""
        self.loop.call_soon_threadsafe(self.gone.set)
        self.thread.join(10)


def test_the_feed_starts_with_the_workshop_now_and_follows_a_phase_change(db, voting, demo, monkeypatch):
    workshop, question, _ids = voting
    monkeypatch.setattr(feed, "WATCH_SECONDS", 0.02)
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    phone = FeedClient(ana["token"])
    wait_until(lambda: phone.messages)
    assert phone.status == 200 and phone.messages[0]["results"] == {}  # results are hidden
    assert phone.messages[0]["phases"] == {str(question["id"]): "voting", str(demo[1][1]["id"]): "draft"}
    wait_until(lambda: feed.count_following() == 1)
    facilitation.set_phase(db, question["id"], "closed", "t")
    wait_until(lambda: any(m["phases"][str(question["id"])] == "closed" for m in phone.messages))
    phone.close()
    assert feed.count_following() == 0 and phone_routes._streams == {}


def test_the_feed_is_refused_to_strangers_and_capped_per_phone(db, voting, monkeypatch):
    workshop, _question, _ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    stranger = FeedClient("forged-token-of-24-chars")
    assert (stranger.status, stranger.messages) == (404, [{
        "error": "This link is not valid. Please join again with the workshop's code."}])
    foreign = FeedClient(ana["token"], {"origin": "https://evil.example"})
    assert foreign.status == 403
    monkeypatch.setitem(phone_routes._streams, ana["id"], rules.FEEDS_MAX)
    capped = FeedClient(ana["token"])
    assert (capped.status, capped.messages) == (429, [{"error": "Too many taps at once. Please wait a few seconds."}])
    for client in (stranger, foreign, capped):
        client.close()


class Recorder:
    """A follower stand-in for feed.publish_changes: records what it is sent."""

    def __init__(self, workshop_id: int):
        self.workshop_id, self.loop, self.sent = workshop_id, self, []

    def call_soon_threadsafe(self, function, followers, message):
        function(followers, message)

    def offer(self, message: str) -> None:
        self.sent.append(json.loads(message))


def test_live_tallies_go_out_at_a_bounded_rate_and_phases_at_once(db, voting, monkeypatch):
    workshop, question, ids = voting
    facilitation.set_results_visibility(db, question["id"], "live", "t")
    phone = Recorder(workshop["id"])
    monkeypatch.setattr(feed, "_followers", {workshop["id"]: {phone}})
    monkeypatch.setattr(feed, "_sent", {})
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    every = feed.RESULTS_EVERY_SECONDS
    assert feed.publish_changes(db, 100.0) == 1 and feed.publish_changes(db, 100.0 + every * 0.5) == 0  # nothing new
    participation.place_dot(db, ana, ids[2])
    assert feed.publish_changes(db, 100.0 + every * 0.9) == 0  # the tally moved, but a tally went out just now
    assert feed.publish_changes(db, 100.0 + every) == 1
    assert phone.sent[-1]["results"] == {str(question["id"]): [
        {"rank": 1, "id": ids[2], "title": workshops.get_priority(db, ids[2])["title"], "dots": 1},
        {"rank": 2, "id": ids[0], "title": workshops.get_priority(db, ids[0])["title"], "dots": 0},
        {"rank": 2, "id": ids[1], "title": workshops.get_priority(db, ids[1])["title"], "dots": 0}]}
    facilitation.set_phase(db, question["id"], "closed", "t")
    assert feed.publish_changes(db, 100.0 + every * 1.1) == 1  # a phase change does not wait
    assert phone.sent[-1]["phases"][str(question["id"])] == "closed" and phone.sent[-1]["results"] == {}
    assert len(phone.sent) == 3


def wait_until(predicate, timeout: float = 10.0) -> None:
    """Poll a condition (a waiter registered) until it holds."""
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        done.wait(0.01)
    raise AssertionError("condition not met")
