"""The app's own HTTP routes and response headers, served beside Streamlit's (see app.py).

No Streamlit here: these run in the web server's worker threads, outside any script run. The ballot's
own routes (a tap, a ballot read, the workshop feed) are in components/phone_routes.py.
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Callable

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from components import results, rules, storage
from components.compression import CompressedStatic

TOKEN_HEADER = "x-hub-token"  # a header, not the URL, so the token stays out of access logs
NO_STORE = {"Cache-Control": "no-store"}
# Every phone of a room reads the same tally (GET /api/ballot): compute it at most once a second per question.
TALLY_CACHE_SECONDS = 1.0
FRAME_ANCESTORS_ENV = "HUB_FRAME_ANCESTORS"


def read_frame_ancestors(setting: str | None) -> tuple[str, ...]:
    """The origins HUB_FRAME_ANCESTORS lets frame the app (space- or comma-separated https origins); refuse
    anything else at start-up rather than serve a policy nobody meant."""
    origins = tuple(dict.fromkeys(o for o in re.split(r"[\s,]+", (setting or "").strip().lower()) if o))
    wrong = [origin for origin in origins if not rules.is_frame_ancestor(origin)]
    if wrong or len(origins) > rules.FRAME_ANCESTORS_MAX:
        raise ValueError(f"{FRAME_ANCESTORS_ENV} must list at most {rules.FRAME_ANCESTORS_MAX} https origins such as "
                         f"https://teams.microsoft.com or https://*.zoom.us, separated by spaces; not {wrong or origins}")
    return origins


def build_security_headers(frame_ancestors: tuple[str, ...] = ()) -> list[tuple[bytes, bytes]]:
    """The headers every HTTP response gets; frame_ancestors are the extra origins allowed to frame the app."""
    # Streamlit's own components (the login cookie) are same-origin frames: 'self' may always frame us.
    ancestors = " ".join(("'self'",) + frame_ancestors)
    headers = [
        # Participant tokens travel in URLs: never send them to another site as a referrer.
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        (b"content-security-policy", f"frame-ancestors {ancestors}; object-src 'none'; base-uri 'self'".encode()),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if not frame_ancestors:
        # For browsers without CSP frame-ancestors. It cannot name other origins, so it goes when some are allowed.
        headers.insert(2, (b"x-frame-options", b"SAMEORIGIN"))
    return headers


SECURITY_HEADERS = build_security_headers(read_frame_ancestors(os.environ.get(FRAME_ANCESTORS_ENV)))

_tallies: dict[int, tuple[float, list[dict]]] = {}
_tallies_lock = threading.Lock()
# Set by app.py to components.ui.live.count_sessions: Streamlit's runtime is read in ui/, never in the core.
session_counter: Callable[[], int | None] = lambda: None  # noqa: E731


def check_health(request: Request) -> JSONResponse:
    """200 when the database answers a query, 503 otherwise: for a proxy or a status check.

    Asked on its own port from this machine (not through the proxy, which adds X-Forwarded-For), it also
    says which process answered and how many browser tabs it holds, for `components.cli status`.
    """
    started = time.perf_counter()
    try:
        storage.thread_db().conn.execute("SELECT count(*) FROM workshop").fetchone()
    except Exception:  # any failure to read means this process cannot serve a room
        return JSONResponse({"ok": False}, status_code=503, headers=NO_STORE)
    body: dict = {"ok": True}
    if is_local_direct(request):
        body.update(pid=os.getpid(), port=(request.scope.get("server") or (None, None))[1], sessions=session_counter(),
                    read_ms=round((time.perf_counter() - started) * 1000, 2))
    return JSONResponse(body, headers=NO_STORE)


def is_local_direct(request: Request) -> bool:
    """A request from this machine straight to the process's port, not relayed by a proxy."""
    host = request.client.host if request.client else ""
    relayed = any(name in request.headers for name in ("x-forwarded-for", "forwarded", "via"))
    return host in ("127.0.0.1", "::1") and not relayed


def cached_tally(db, question_id: int) -> list[dict]:
    """The question's ranked rows, at most TALLY_CACHE_SECONDS old."""
    now = time.monotonic()
    with _tallies_lock:
        hit = _tallies.get(question_id)
    if hit and now - hit[0] < TALLY_CACHE_SECONDS:
        return hit[1]
    rows = results.rank_rows(db, question_id)
    with _tallies_lock:
        _tallies[question_id] = (now, rows)
    return rows


class SecurityHeaders:
    """Add SECURITY_HEADERS to every HTTP response (pure ASGI, so websockets pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in SECURITY_HEADERS if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


ROUTES = [
    Route("/healthz", check_health, methods=["GET"]),
]
MIDDLEWARE = [Middleware(SecurityHeaders), Middleware(CompressedStatic)]
