"""Gzip copies of Streamlit's static files, made once per process and then served from memory.

Streamlit 1.67 serves its ~60 JavaScript and CSS files uncompressed (about 2.3 MB per first visit)
and leaves compression to a proxy. On venue Wi-Fi, with a few hundred phones opening the page
when the QR code goes up, those bytes are the wait. The files are content-hashed and served
"immutable", so each is compressed once, on its first request, and every later phone gets the
stored bytes: no per-request compression, which is why Streamlit itself skips gzip for them.
"""

from __future__ import annotations

import asyncio
import gzip

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_PREFIX = "/static/"
GZIP_LEVEL = 9
# Smaller bodies gain less than the gzip header costs.
MIN_BYTES = 1024
# An upper bound on what the cache may hold; Streamlit's own files compress to a few MB.
MAX_CACHED_BYTES = 64 * 1024 * 1024
COMPRESSIBLE_TYPES = (b"text/", b"application/javascript", b"application/json", b"image/svg+xml")
# Headers that describe the uncompressed body or ask for a partial or conditional answer.
DROPPED_RESPONSE_HEADERS = {b"content-length", b"etag", b"accept-ranges", b"last-modified", b"vary"}
DROPPED_REQUEST_HEADERS = {b"range", b"if-none-match", b"if-modified-since", b"if-range"}


def accepts_gzip(scope: Scope) -> bool:
    """True when the request's Accept-Encoding names gzip."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"accept-encoding" and b"gzip" in value.lower():
            return True
    return False


def is_compressible(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
    """A complete 200 of an immutable text asset, not already encoded, worth compressing."""
    found = {name.lower(): value.lower() for name, value in headers}
    return (status == 200 and len(body) >= MIN_BYTES and b"content-encoding" not in found
            and b"immutable" in found.get(b"cache-control", b"")
            and found.get(b"content-type", b"").startswith(COMPRESSIBLE_TYPES))


class CompressedStatic:
    """Serve gzip copies of immutable static files, compressed once per path (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cache: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {}
        self.cached_bytes = 0
        self.pending: dict[str, asyncio.Future] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                or not scope.get("path", "").startswith(STATIC_PREFIX) or not accepts_gzip(scope)):
            await self.app(scope, receive, send)
            return
        entry = await self.lookup(scope)
        if entry is None:
            await self.app(scope, receive, send)
            return
        headers, body = entry
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    async def lookup(self, scope: Scope) -> tuple[list, bytes] | None:
        """The cached copy of this path, building it once even when a crowd asks at the same moment."""
        path = scope["path"]
        if path in self.cache:
            return self.cache[path]
        if path in self.pending:
            return await asyncio.shield(self.pending[path])
        future = asyncio.get_running_loop().create_future()
        self.pending[path] = future
        try:
            entry = await self.build(scope)
            if entry is not None and self.cached_bytes + len(entry[1]) <= MAX_CACHED_BYTES:
                self.cache[path] = entry
                self.cached_bytes += len(entry[1])
            future.set_result(entry)
            return entry
        except BaseException:
            future.set_result(None)  # the waiters fall back to the plain file
            raise
        finally:
            del self.pending[path]

    async def build(self, scope: Scope) -> tuple[list, bytes] | None:
        """Fetch the full file from Streamlit and compress it, or None when it should pass through."""
        plain = dict(scope, method="GET", headers=[
            (name, value) for name, value in scope.get("headers", []) if name.lower() not in DROPPED_REQUEST_HEADERS])
        start: dict = {}
        chunks: list[bytes] = []
        complete = asyncio.Event()
        asked = []

        async def empty_request() -> Message:
            # Starlette's file responses keep listening for a disconnect: answer once, then wait.
            if not asked:
                asked.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await complete.wait()
            return {"type": "http.disconnect"}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete.set()

        try:
            await self.app(plain, empty_request, capture)
            finished = complete.is_set()  # the whole body arrived, not a cut-off part of it
        finally:
            complete.set()
        body = b"".join(chunks)
        headers = list(start.get("headers", []))
        if not finished or not is_compressible(start.get("status", 0), headers, body):
            return None
        compressed = await asyncio.to_thread(gzip.compress, body, GZIP_LEVEL, mtime=0)
        kept = [(name, value) for name, value in headers if name.lower() not in DROPPED_RESPONSE_HEADERS]
        return kept + [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
                       (b"content-length", str(len(compressed)).encode())], compressed
