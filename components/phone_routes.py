"""The ballot's own HTTP routes: a tap, a ballot read and the workshop feed, without a Streamlit rerun.

The participant page draws the ballot element once; after that the element (ui/static/ballot.js)
talks only to these routes, so a tap costs one small request instead of a rerun per tap per phone.

Anyone on the internet can reach them, so every request is treated as forged until shown otherwise:
- the participant is the token in the X-Hub-Token header (never a cookie, never the URL);
- a tap must come from this site (Origin, and Sec-Fetch-Site where the browser sends it), as JSON,
  in a body of at most rules.TAP_BODY_MAX_BYTES;
- a tap is validated like participation.cast_vote (which commits under BEGIN IMMEDIATE) and carries
  the count that was on screen, so a retried tap is counted once;
- each participant may make rules.TAPS_MAX requests per rules.TAP_WINDOW_SECONDS;
- every refusal is JSON with a translated sentence, never a stack trace.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import threading
import time
from urllib.parse import urlsplit

import anyio

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from components import ballots, feed, i18n, participation, routes, rules, storage, workshops
from components.rules import RuleError

NO_STORE = routes.NO_STORE
FEED_SECONDS = 300.0  # a feed ends after this and the phone opens a new one: no stream outlives its phone long
FEED_HEARTBEAT_SECONDS = 20.0  # under the usual 30-60 s idle timeouts of proxies and venue gateways
# A feed write may wait this long for the reader; a message is a few KB, so a reader that takes longer has stopped.
FEED_SEND_SECONDS = FEED_HEARTBEAT_SECONDS

_log = logging.getLogger(__name__)
_recent: dict[int, collections.deque] = {}  # participant id -> monotonic times of their requests
_recent_lock = threading.Lock()
_streams: collections.Counter = collections.Counter()  # participant id -> feeds open or starting (event loop only)


class Refused(Exception):
    """A request answered with a status and a translated sentence (plus the phone's view, when known)."""

    def __init__(self, status: int, error: RuleError, language: str, extra: dict | None = None,
                 headers: dict | None = None):
        super().__init__(error.msgid)
        self.status, self.error, self.language, self.extra, self.headers = status, error, language, extra, headers


def refusal(exc: Refused) -> JSONResponse:
    """The JSON answer for a refusal, in the participant's language."""
    body = {"error": i18n.translate_error(exc.error, exc.language), **(exc.extra or {})}
    return JSONResponse(body, status_code=exc.status, headers={**NO_STORE, **(exc.headers or {})})


def browser_language(request: Request) -> str:
    """The language to refuse in before we know who is asking: the browser's, else English."""
    return i18n.pick_language(None, None, request.headers.get("accept-language", "")[:rules.LANGUAGE_HEADER_MAX])


def same_site(request: Request, required: bool) -> bool:
    """True when the browser says this request comes from a page of this site (Origin matches Host)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return not required  # browsers send Origin on every POST; a same-origin GET may omit it
    host = request.headers.get("host", "")
    try:
        return bool(host) and urlsplit(origin).netloc.lower() == host.lower()
    except ValueError:
        return False


def find_caller(db, request: Request) -> tuple[dict, dict, str]:
    """(participant, workshop, language) for the request's token, or refuse with 404."""
    token = request.headers.get(routes.TOKEN_HEADER, "")
    participant = participation.get_participant(db, token) if rules.is_token_shaped(token) else None
    try:
        rules.check_participant_found(participant)
    except RuleError as exc:
        raise Refused(404, exc, browser_language(request)) from None
    workshop = workshops.get_workshop(db, participant["workshop_id"])
    return participant, workshop, ballots.participant_language(participant, workshop,
                                                               request.headers.get("accept-language"))


def count_request(participant_id: int, language: str, now: float | None = None) -> None:
    """Note one request of this participant; refuse with 429 past rules.TAPS_MAX in the window."""
    now = time.monotonic() if now is None else now
    with _recent_lock:
        times = _recent.setdefault(participant_id, collections.deque())
        while times and now - times[0] >= rules.TAP_WINDOW_SECONDS:
            times.popleft()
        try:
            rules.check_tap_rate(len(times))
        except RuleError as exc:
            wait = max(1, math.ceil(rules.TAP_WINDOW_SECONDS - (now - times[0])))
            raise Refused(429, exc, language, headers={"Retry-After": str(wait)}) from None
        times.append(now)
        if len(_recent) > 10_000:  # forget phones that went quiet, so the map stays small
            for key in [k for k, v in _recent.items() if not v or now - v[-1] >= rules.TAP_WINDOW_SECONDS]:
                del _recent[key]


def phone_view(db, participant: dict, question: dict, language: str, fresh: bool = False) -> dict:
    """The ballot, phase and results of one question, as the phone draws them.

    After a tap the tally is counted afresh, so the tapper's results agree with their own dots;
    reads share the tally that routes.cached_tally recounts at most once a second.
    """
    tally = None if fresh else routes.cached_tally(db, question["id"])  # None: phone_results counts afresh
    return ballots.read_ballot(db, participant, question, language, tally=tally)


async def read_bounded_json(request: Request, language: str) -> object:
    """The request's JSON body, refused when it is not JSON or longer than rules.TAP_BODY_MAX_BYTES."""
    malformed = RuleError("This priority is no longer on the ballot.")
    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        raise Refused(415, malformed, language)
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > rules.TAP_BODY_MAX_BYTES:
        raise Refused(413, malformed, language)
    body = b""
    async for chunk in request.stream():  # the header may lie: count what actually arrives
        body += chunk
        if len(body) > rules.TAP_BODY_MAX_BYTES:
            raise Refused(413, malformed, language)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(400, malformed, language) from None


def vote(request: Request, tap: object) -> dict:
    """Apply a tap for the request's participant; the answer carries their ballot and results now."""
    db = storage.thread_db()
    participant, _workshop, language = find_caller(db, request)
    count_request(participant["id"], language)
    try:
        question = ballots.apply_tap(db, participant, tap)
    except RuleError as exc:
        # Show the phone the truth with the refusal, when the tap named one of its questions.
        try:
            question = ballots.own_question(db, participant, tap.get("question") if isinstance(tap, dict) else None)
            view = phone_view(db, participant, question, language)
        except RuleError:
            view = None
        raise Refused(503 if isinstance(exc, storage.Busy) else 409, exc, language, view) from None
    return phone_view(db, participant, question, language, fresh=True)


def read_ballot(request: Request) -> dict:
    """The request's participant's view of the question ?q=."""
    db = storage.thread_db()
    participant, _workshop, language = find_caller(db, request)
    count_request(participant["id"], language)
    raw = request.query_params.get("q", "")
    try:
        question = ballots.own_question(db, participant, int(raw) if rules.is_id_shaped(raw) else None)
    except RuleError as exc:
        raise Refused(404, exc, language) from None
    return phone_view(db, participant, question, language)


async def answer(request: Request, work, *args) -> JSONResponse:
    """Run `work` in a worker thread and answer with its view, its refusal, or a translated failure."""
    try:
        return JSONResponse(await run_in_threadpool(work, request, *args), headers=NO_STORE)
    except Refused as exc:
        return refusal(exc)
    except Exception:  # a bug must not reach the phone as a stack trace
        return failure(request)


def failure(request: Request) -> JSONResponse:
    """A translated 500 for an unexpected error (logged with its traceback on the server only)."""
    _log.exception("ballot route failed")
    return refusal(Refused(500, RuleError("Something went wrong, so this tap was not saved. Please try again."),
                           browser_language(request)))


async def post_vote(request: Request) -> JSONResponse:
    """POST /api/vote: one tap {question, priority, action, shown}."""
    try:
        rules.check_same_site(same_site(request, required=True))
        tap = await read_bounded_json(request, browser_language(request))
    except RuleError as exc:
        return refusal(Refused(403, exc, browser_language(request)))
    except Refused as exc:
        return refusal(exc)
    return await answer(request, vote, tap)


async def get_ballot(request: Request) -> JSONResponse:
    """GET /api/ballot?q=<question>: the phone's ballot, phase and results now."""
    try:
        rules.check_same_site(same_site(request, required=False))
    except RuleError as exc:
        return refusal(Refused(403, exc, browser_language(request)))
    return await answer(request, read_ballot)


def start_feed(request: Request) -> tuple[int, int, str]:
    """(participant id, workshop id, the first message: the workshop now) for a feed."""
    db = storage.thread_db()
    participant, workshop, language = find_caller(db, request)
    count_request(participant["id"], language)
    message = feed.build_message(db, workshop["id"], workshops.phase_signature(db, workshop["id"]))
    return participant["id"], workshop["id"], json.dumps(message, ensure_ascii=False)


class FeedResponse(StreamingResponse):
    """A feed's stream that gives its slot back however it ends, and ends when its reader stops reading.

    A write that waits longer than FEED_SEND_SECONDS (the reader's window stayed full: a phone gone without
    hanging up, or a script that opens feeds and reads nothing) ends the stream; the server closes the
    connection. Without it, the stream would wait in that write for ever, past FEED_SECONDS, holding its slot.
    """

    def __init__(self, content, participant_id: int, **kwargs):
        super().__init__(content, **kwargs)
        self.participant_id = participant_id

    async def __call__(self, scope, receive, send) -> None:
        async def send_in_time(message) -> None:
            with anyio.fail_after(FEED_SEND_SECONDS):
                await send(message)

        try:
            await super().__call__(scope, receive, send_in_time)
        except TimeoutError:
            _log.info("a feed's reader stopped reading for %s s: its stream ended", FEED_SEND_SECONDS)
        finally:
            release_feed(self.participant_id)
            await self.body_iterator.aclose()  # now, not when collected: its follower is forgotten at once


def take_feed(participant_id: int) -> None:
    """Take a feed slot for this participant, or refuse past rules.FEEDS_MAX or rules.FEEDS_PER_PROCESS_MAX.

    Counted here, on the event loop, with no await between the check and the count: requests that arrive
    together each see the ones before them (counting when a stream starts let 28 of 30 parallel feeds in).
    """
    rules.check_feed_room(_streams[participant_id], sum(_streams.values()))
    _streams[participant_id] += 1


def release_feed(participant_id: int) -> None:
    """Give a feed slot back."""
    _streams[participant_id] -= 1
    if _streams[participant_id] <= 0:
        del _streams[participant_id]


async def get_feed(request: Request) -> Response:
    """GET /api/feed: a stream of the workshop's phases and live tallies (text/event-stream).

    The first message is the workshop as it is now; then one per change. A comment line every
    FEED_HEARTBEAT_SECONDS keeps proxies from closing a quiet stream, and the stream ends after
    FEED_SECONDS (the phone opens a new one), so no stream outlives its phone for long.
    """
    try:
        rules.check_same_site(same_site(request, required=False))
        participant_id, workshop_id, first = await run_in_threadpool(start_feed, request)
    except RuleError as exc:
        return refusal(Refused(403, exc, browser_language(request)))
    except Refused as exc:
        return refusal(exc)
    except Exception:  # a bug must not reach the phone as a stack trace
        return failure(request)
    try:
        take_feed(participant_id)
    except RuleError as exc:
        return refusal(Refused(429, exc, browser_language(request),
                               headers={"Retry-After": str(rules.TAP_WINDOW_SECONDS)}))

    async def messages():
        follower = feed.follow(workshop_id)
        try:
            yield f"data: {first}\n\n"
            ends = time.monotonic() + FEED_SECONDS
            while time.monotonic() < ends:
                message = await follower.next(FEED_HEARTBEAT_SECONDS)
                yield ": still here\n\n" if message is None else f"data: {message}\n\n"
        finally:
            feed.unfollow(follower)

    return FeedResponse(messages(), participant_id, media_type="text/event-stream",
                        headers={**NO_STORE, "X-Accel-Buffering": "no"})


ROUTES = [
    Route("/api/vote", post_vote, methods=["POST"]),
    Route("/api/ballot", get_ballot, methods=["GET"]),
    Route("/api/feed", get_feed, methods=["GET"]),
]
