"""Static files compressed once and served from memory (components/compression.py)."""

from __future__ import annotations

import asyncio
import gzip
from concurrent.futures import ThreadPoolExecutor

from components import compression

ASSET = b"function f(){return 'hub';}\n" * 400
IMMUTABLE = [(b"content-type", b"application/javascript"), (b"cache-control", b"public, immutable, max-age=31536000"),
             (b"etag", b'"abc"'), (b"content-length", str(len(ASSET)).encode())]


class FakeStreamlit:
    """An inner app that answers every path with one response and counts the calls."""

    def __init__(self, status=200, headers=IMMUTABLE, body=ASSET):
        self.status, self.headers, self.body, self.calls = status, headers, body, []

    async def __call__(self, scope, receive, send):
        self.calls.append((scope["method"], dict(scope["headers"])))
        await asyncio.sleep(0.01)  # lets a crowd of requests overlap
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def run_async(coroutine):
    """Run a coroutine on its own thread's loop (a Playwright test may hold this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def request(app, path="/static/js/index.abc.js", method="GET", encoding=b"gzip, deflate, br", extra=()):
    """One request through the middleware; return (status, headers, body)."""
    async def go():
        sent = []

        async def send(message):
            sent.append(message)
        headers = [(b"accept-encoding", encoding)] if encoding else []
        await app({"type": "http", "method": method, "path": path, "headers": headers + list(extra)}, None, send)
        return sent
    return answer(run_async(go()))


def answer(sent):
    """(status, headers, body) of the messages sent."""
    return sent[0]["status"], dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_an_immutable_asset_is_compressed_once_and_then_served_from_memory():
    inner = FakeStreamlit()
    app = compression.CompressedStatic(inner)
    first = request(app, extra=[(b"range", b"bytes=0-9"), (b"if-none-match", b'"abc"')])
    second = request(app)
    assert first == second
    status, headers, body = first
    assert (status, gzip.decompress(body)) == (200, ASSET)
    assert headers[b"content-encoding"] == b"gzip" and headers[b"content-length"] == str(len(body)).encode()
    assert headers[b"vary"] == b"Accept-Encoding" and b"etag" not in headers
    assert len(body) < len(ASSET) / 10
    assert len(inner.calls) == 1  # the second phone never reached Streamlit
    assert b"range" not in inner.calls[0][1] and b"if-none-match" not in inner.calls[0][1]  # a full 200 is cached
    assert request(app, method="HEAD") == (200, headers, b"")


def test_a_crowd_arriving_at_once_compresses_each_file_once():
    inner = FakeStreamlit()
    app = compression.CompressedStatic(inner)

    async def crowd():
        async def one():
            sent = []

            async def send(message):
                sent.append(message)
            await app({"type": "http", "method": "GET", "path": "/static/js/a.js",
                       "headers": [(b"accept-encoding", b"gzip")]}, None, send)
            return answer(sent)
        return await asyncio.gather(*(one() for _ in range(50)))
    answers = run_async(crowd())
    assert len(inner.calls) == 1
    assert {gzip.decompress(body) for _, _, body in answers} == {ASSET}


def test_what_is_not_an_immutable_text_asset_passes_through_untouched():
    cases = {
        "no gzip asked": (FakeStreamlit(), {"encoding": None}),
        "outside /static/": (FakeStreamlit(), {"path": "/api/results"}),
        "a POST": (FakeStreamlit(), {"method": "POST"}),
        "a 404": (FakeStreamlit(status=404), {}),
        "not immutable": (FakeStreamlit(headers=[(b"content-type", b"text/html")]), {}),
        "already compressed": (FakeStreamlit(headers=[(b"content-type", b"font/woff2"),
                                                      (b"cache-control", b"immutable")]), {}),
        "tiny": (FakeStreamlit(body=b"x" * 10), {}),
    }
    for name, (inner, options) in cases.items():
        app = compression.CompressedStatic(inner)
        status, headers, body = request(app, **options)
        assert (name, status, body, b"content-encoding" in headers) == (name, inner.status, inner.body, False)
        request(app, **options)
        assert (name, app.cache) == (name, {})


def test_a_real_file_response_is_captured_whole(tmp_path):
    """Starlette's FileResponse also listens for a disconnect while it sends (it hung here once)."""
    from starlette.responses import FileResponse

    asset = tmp_path / "index.abc.js"
    asset.write_bytes(ASSET * 50)

    async def streamlit_like(scope, receive, send):
        response = FileResponse(asset, media_type="application/javascript",
                                headers={"cache-control": "public, immutable, max-age=31536000"})
        await response(scope, receive, send)

    async def go():
        sent = []

        async def send(message):
            sent.append(message)

        async def client():
            await asyncio.sleep(3600)  # a client that never disconnects
        app = compression.CompressedStatic(streamlit_like)
        await asyncio.wait_for(app({"type": "http", "method": "GET", "path": "/static/js/index.abc.js",
                                    "headers": [(b"accept-encoding", b"gzip")]}, client, send), 10)
        return sent
    status, headers, body = answer(run_async(go()))
    assert (status, headers[b"content-encoding"], gzip.decompress(body)) == (200, b"gzip", ASSET * 50)
