"""A phone's HTTP side, as ballot.js speaks it: taps to /api/vote, /api/ballot reads, the /api/feed stream.

A minimal HTTP/1.1 client on asyncio streams (no extra dependency): each phone keeps up to two
connections, as a browser does: one for its requests (keep-alive) and one holding its feed. A connection the
server closed while idle is reopened and the request sent again: every request here is a read or
an idempotent tap (it carries the count that was on screen), as in the browser.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

TOKEN_HEADER = "X-Hub-Token"


class Connection:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        """Close the socket if it is open."""
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, dict, bytes]:
        """Send one request and read its answer; reopen once if the idle connection was closed."""
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(method, path, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                await self.close()
                if fresh or attempt == 2:
                    raise
        raise ConnectionError("unreachable")

    async def _exchange(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        """Write the request, read the status line, headers and body."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}",
                 *(f"{name}: {value}" for name, value in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed before an answer")
        status = int(status_line.split()[1])
        answer_headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        if "content-length" in answer_headers:
            data = await self.reader.readexactly(int(answer_headers["content-length"]))
        else:  # chunked
            data = b""
            while (size := int((await self.reader.readline()).strip() or b"0", 16)) > 0:
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        if answer_headers.get("connection", "").lower() == "close":
            await self.close()
        return status, answer_headers, data


class PhoneHttp:
    """The HTTP requests one phone's ballot element makes, with its token."""

    def __init__(self, base_url: str, token: str):
        parts = urlsplit(base_url)
        self.origin, self.token = base_url, token
        self.taps = Connection(parts.hostname, parts.port)
        self.waits = Connection(parts.hostname, parts.port)

    async def close(self) -> None:
        """Close both connections."""
        await self.taps.close()
        await self.waits.close()

    async def tap(self, question: int, priority: int, action: str, shown: int) -> tuple[int, dict]:
        """POST /api/vote as ballot.js does; (status, JSON answer)."""
        body = json.dumps({"question": question, "priority": priority, "action": action, "shown": shown}).encode()
        status, _headers, data = await self.taps.request("POST", "/api/vote", {
            TOKEN_HEADER: self.token, "Origin": self.origin, "Content-Type": "application/json"}, body)
        return status, json.loads(data)

    async def ballot(self, question: int) -> tuple[int, dict]:
        """GET /api/ballot?q=question; (status, JSON answer)."""
        status, _headers, data = await self.taps.request("GET", f"/api/ballot?q={question}", {TOKEN_HEADER: self.token})
        return status, json.loads(data)

    async def feed(self):
        """GET /api/feed: yield each message of the stream (server-sent events over chunked HTTP) as it comes."""
        conn = self.waits
        await conn.close()
        conn.reader, conn.writer = await asyncio.open_connection(conn.host, conn.port)
        conn.writer.write((f"GET /api/feed HTTP/1.1\r\nHost: {conn.host}:{conn.port}\r\n"
                           f"{TOKEN_HEADER}: {self.token}\r\n\r\n").encode())
        await conn.writer.drain()
        status = int((await conn.reader.readline()).split()[1])
        while await conn.reader.readline() not in (b"\r\n", b""):
            pass
        if status != 200:
            raise ConnectionError(f"feed answered {status}")
        buffer = ""
        try:
            while (size := int((await conn.reader.readline()).strip() or b"0", 16)) > 0:
                buffer += (await conn.reader.readexactly(size)).decode()
                await conn.reader.readline()
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    if block.startswith("data: "):
                        yield json.loads(block[6:])
        finally:
            await conn.close()
