"""The app's own HTTP routes and response headers, served beside Streamlit's (see app.py).

No Streamlit here: these run in the web server's worker threads, outside any script run. The ballot's
own routes (a tap, a ballot read, the workshop feed) are in components/phone_routes.py.
"""

from __future__ import annotations

import threading
import time

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from components import results, storage
from components.compression import CompressedStatic

TOKEN_HEADER = "x-hub-token"  # a header, not the URL, so the token stays out of access logs
NO_STORE = {"Cache-Control": "no-store"}
# Every phone of a room reads the same tally (GET /api/ballot): compute it at most once a second per question.
TALLY_CACHE_SECONDS = 1.0
SECURITY_HEADERS = [
    # Participant tokens travel in URLs: never send them to another site as a referrer.
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    # Streamlit's own components (the login cookie) are same-origin frames; nobody else may frame us.
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'; object-src 'none'; base-uri 'self'"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

_tallies: dict[int, tuple[float, list[dict]]] = {}
_tallies_lock = threading.Lock()


def check_health(request: Request) -> JSONResponse:
    """200 when the database answers a query, 503 otherwise: for a proxy or a status check."""
    try:
        storage.thread_db().conn.execute("SELECT count(*) FROM workshop").fetchone()
    except Exception:  # any failure to read means this process cannot serve a room
        return JSONResponse({"ok": False}, status_code=503, headers=NO_STORE)
    return JSONResponse({"ok": True}, headers=NO_STORE)


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
