"""The server layouts the burst join compares, each started on a temporary database.

direct:   one `streamlit run app.py`, serving its own static files (gzip from memory), as `make run` does.
proxy-1:  `make serve PROCESSES=1`: Caddy serving the precompressed static files, one Streamlit behind it.
proxy-2:  `make serve PROCESSES=2`: the same with two Streamlit processes, cookie-sticky.
The proxy layouts are started by components.serve.start_layout, the code `make serve` runs.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench import harness
from components import serve

LAYOUTS = ("direct", "proxy-1", "proxy-2")
BENCH_ENV = {"HUB_WORKSHOP_COOKIE_KEY": "c" * 64}


@dataclass
class Running:
    """A started layout: the address phones open, its server processes, how to stop it."""

    name: str
    url: str
    pids: Callable[[], list[int]]
    stop: Callable[[], None]
    proxy_pid: int | None = None


def free_ports(count: int, start: int = 8600, end: int = 8800) -> int:
    """The first of `count` consecutive free loopback ports."""
    for first in range(start, end, count):
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free ports")


def start(name: str, db_file: Path, tmp: Path) -> Running:
    """Start one layout by name against db_file; logs go to tmp."""
    if name == "direct":
        proc, url = harness.start_server(harness.ROOT / "app.py", db_file, tmp / "streamlit.log")
        return Running(name, url, lambda: [proc.pid] if proc.poll() is None else [], lambda: harness.stop_server(proc))
    if name.startswith("proxy-"):
        processes = int(name.split("-", 1)[1])
        first = free_ports(processes + 1)
        layout = serve.start_layout(processes, f"http://127.0.0.1:{first + processes}", db_file, tmp / "logs",
                                    first_port=first, extra_env=BENCH_ENV)
        return Running(name, layout.url, layout.pids, layout.stop, layout.caddy.pid)
    raise ValueError(f"unknown layout {name!r}; known: {', '.join(LAYOUTS)}")
