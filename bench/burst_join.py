"""Burst join: N phones open the join link within 30 s, fetch what a browser fetches, and join by the form.

Each phone, at a random moment of the window (the QR code just went up):
  1. GET /?code=CODE (the page), then every file a real first visit fetched, over up to 6 keep-alive
     connections as a browser does, asking for br/gzip, keeping cookies (Caddy's hub_lb among them);
  2. opens Streamlit's websocket with those cookies, waits for the join form (page open);
  3. types a name, presses Join and waits for its participant page (join).
The list of files comes from a real first visit in headless Chromium, recorded once per Streamlit
version into bench/results/. Measured per run: page open + join per phone (p50/p95/max), failures,
phones over 10 s, CPU-seconds of the layout's server processes (and of this load generator).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import h11
import websockets
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench import harness, layouts
from components import seed, storage, workshops

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WINDOW_SECONDS = 30.0
PHONE_TIMEOUT_SECONDS = 90.0  # a phone still not joined by then counts as failed
SLOW_SECONDS = 10.0
CONNECTIONS_PER_PHONE = 6  # what a browser opens per host over HTTP/1.1
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
README = Path(__file__).resolve().parent.parent / "README.md"
MARKERS = ("<!-- burst-join:start -->", "<!-- burst-join:end -->")


# ---------------------------------------------------------------- a browser's HTTP, minimally

class HttpPool:
    """Up to CONNECTIONS_PER_PHONE keep-alive HTTP/1.1 connections to one host, with a cookie jar."""

    def __init__(self, base_url: str, jar: dict):
        parts = urlsplit(base_url)
        self.host, self.port, self.jar = parts.hostname, parts.port or 80, jar
        self.idle: list = []
        self.gate = asyncio.Semaphore(CONNECTIONS_PER_PHONE)
        self.bytes = 0

    async def get(self, target: str) -> int:
        """GET target; returns the status. Reads the whole body (counted, not kept)."""
        async with self.gate:
            conn = self.idle.pop() if self.idle else await self.open()
            try:
                status, reusable = await self.exchange(conn, target)
            except BaseException:
                conn[1].close()
                raise
            if reusable:
                self.idle.append(conn)
            else:
                conn[1].close()
            return status

    async def open(self):
        """A new connection: (reader, writer, h11 state)."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return reader, writer, h11.Connection(h11.CLIENT)

    async def exchange(self, conn, target: str) -> tuple[int, bool]:
        """One request and its response on a connection; whether the connection can be reused."""
        reader, writer, state = conn
        headers = [("Host", f"{self.host}:{self.port}"), ("Accept-Encoding", ACCEPT_ENCODING),
                   ("User-Agent", "hub-workshop-bench")]
        if self.jar:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in self.jar.items())))
        writer.write(state.send(h11.Request(method="GET", target=target, headers=headers)))
        writer.write(state.send(h11.EndOfMessage()))
        await writer.drain()
        status = 0
        while True:
            event = state.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                state.receive_data(data)
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                for name, value in event.headers:
                    if name == b"set-cookie":
                        key, _, rest = value.decode("latin-1").partition("=")
                        self.jar[key.strip()] = rest.split(";", 1)[0]
            elif isinstance(event, h11.Data):
                self.bytes += len(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        reusable = state.our_state is h11.DONE and state.their_state is h11.DONE
        if reusable:
            state.start_next_cycle()
        return status, reusable

    def close(self) -> None:
        """Close every idle connection."""
        for _reader, writer, _state in self.idle:
            writer.close()
        self.idle.clear()


class PhoneTab(harness.Client):
    """harness.Client whose handshake goes through the phone's own cookies (the proxy's sticky one too)."""

    def __init__(self, base_url: str, query_string: str, name: str, pool: HttpPool):
        super().__init__(base_url, query_string, name)
        self.pool = pool

    async def connect(self) -> None:
        """Ask health and host-config as the frontend does (the XSRF cookie), then open the websocket."""
        for target in ("/_stcore/health", "/_stcore/host-config"):
            status = await self.pool.get(target)
            if status != 200:
                raise RuntimeError(f"{target} answered {status}")
        token = self.pool.jar[harness.XSRF_COOKIE]
        cookies = "; ".join(f"{k}={v}" for k, v in self.pool.jar.items())
        self.ws = await websockets.connect(
            self.base_url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit", token],
            max_size=None, open_timeout=60, ping_interval=None, user_agent_header="hub-workshop-bench",
            additional_headers={"Origin": self.base_url, "Cookie": cookies})
        self.reader = asyncio.create_task(self.read_forever())


# ---------------------------------------------------------------- what a browser fetches

def record_first_visit(url: str, code: str) -> list[str]:
    """The same-origin GETs of a real first visit to the join link (page itself and websocket left out)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, wait_idle

    fetched: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            page = context.new_page()
            page.on("request", lambda r: fetched.append(r.url) if r.method == "GET" and r.url.startswith(url) else None)
            page.goto(f"{url}/?code={code}")
            page.get_by_label("Your name (optional)").wait_for(timeout=60_000)
            wait_idle(page, timeout=60_000)
        finally:
            browser.close()
    paths = [u[len(url):] for u in fetched]
    skip = ("/_stcore/stream", "/_stcore/health", "/_stcore/host-config", f"/?code={code}")
    return sorted({p for p in paths if p and not p.startswith(skip)})


def first_visit_files(url: str, code: str) -> list[str]:
    """The recorded list for this Streamlit version, recorded now when missing."""
    cache = RESULTS_DIR / f"first-visit-streamlit-{importlib.metadata.version('streamlit')}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    files = record_first_visit(url, code)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(files, indent=1))
    return files


# ---------------------------------------------------------------- one phone, one run

def joined(tab: harness.Client) -> bool:
    """The participant page is drawn: the submission form of the collecting question, or a ballot."""
    return (any(e.label == "Your priority" for _p, e in tab.widgets("text_input"))
            or bool(harness.read_ballot(tab)))


async def one_phone(url: str, code: str, files: list[str], name: str, record: dict) -> None:
    """Open the join link, fetch the files, connect, join by the form; record the times or the failure."""
    started = time.perf_counter()
    pool = HttpPool(url, {})
    tab = PhoneTab(url, f"code={code}", name, pool)
    try:
        status = await pool.get(f"/?code={code}")
        if status != 200:
            raise RuntimeError(f"page answered {status}")
        statuses = await asyncio.gather(*(pool.get(path) for path in files))
        if any(s != 200 for s in statuses):
            raise RuntimeError(f"{sum(s != 200 for s in statuses)} files failed")
        await tab.connect()
        await tab.load_page()
        name_box = next((e for _p, e in tab.widgets("text_input") if "name" in e.label.lower()), None)
        join = next((e for _p, e in tab.widgets("button") if e.is_form_submitter), None)
        if name_box is None or join is None:
            raise RuntimeError("join form not on screen")
        opened = time.perf_counter()
        await tab.click(join.id, [WidgetState(id=name_box.id, string_value=name)])
        await tab.wait_full_run(lambda: tab.query_string.startswith("t=") and joined(tab), 60)
        done = time.perf_counter()
        record["total"].append(done - started)
        record["open"].append(opened - started)
        record["join"].append(done - opened)
        record["bytes"].append(pool.bytes)
    except Exception as exc:  # a phone that fails is a counted failure, not a crash of the bench
        record["failures"].append(f"{name}: {type(exc).__name__}: {exc}"[:200])
    finally:
        pool.close()
        await tab.close() if tab.ws is not None else None


async def burst(url: str, code: str, files: list[str], phones: int, seed_value: int) -> dict:
    """All phones, each arriving at a random moment of the window, each bounded by PHONE_TIMEOUT_SECONDS."""
    record: dict = {"total": [], "open": [], "join": [], "bytes": [], "failures": []}
    rng = random.Random(seed_value)
    start = time.perf_counter()

    async def arrive(n: int, offset: float) -> None:
        await asyncio.sleep(max(0.0, start + offset - time.perf_counter()))
        try:
            await asyncio.wait_for(one_phone(url, code, files, f"Phone {n}", record), PHONE_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            record["failures"].append(f"Phone {n}: not joined within {PHONE_TIMEOUT_SECONDS:.0f} s")

    await asyncio.gather(*(arrive(n, rng.uniform(0, WINDOW_SECONDS)) for n in range(phones)))
    record["seconds"] = time.perf_counter() - start
    return record


# ---------------------------------------------------------------- runs and the table

def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile in seconds, or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def seed_db(db_file: Path) -> str:
    """The demo workshop (question 1 collecting); returns its join code."""
    db = storage.open_db(db_file)
    try:
        storage.migrate(db)
        return workshops.get_workshop(db, seed.seed_demo(db))["code"]
    finally:
        db.close()


def run_one(layout_name: str, phones: int, seed_value: int = 7, log=print) -> dict:
    """One burst on a fresh database and a freshly started layout."""
    loadavg = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix=f"hub-burst-{layout_name}-") as tmp:
        tmp = Path(tmp)
        code = seed_db(tmp / "hub.db")
        running = layouts.start(layout_name, tmp / "hub.db", tmp)
        try:
            files = first_visit_files(running.url, code)
            pids = running.pids()
            cpu_before = {pid: harness.read_cpu_seconds(pid) or 0 for pid in pids}
            own_before = sum(os.times()[:2])
            log(f"  {layout_name}, {phones} phones ({len(files)} files per first visit), load {loadavg:.2f} at the start")
            record = asyncio.run(burst(running.url, code, files, phones, seed_value))
            cpu = {pid: (harness.read_cpu_seconds(pid) or 0) - before for pid, before in cpu_before.items()}
            own = sum(os.times()[:2]) - own_before
        finally:
            running.stop()
    summary = summarise(layout_name, phones, len(files), loadavg, record, sum(cpu.values()), own)
    summary["caddy_cpu_s"] = round(cpu.get(running.proxy_pid, 0.0), 1) if running.proxy_pid else None
    return summary


def summarise(layout_name: str, phones: int, files: int, loadavg: float, record: dict, cpu: float, own: float) -> dict:
    """The figures of one run."""
    ms = lambda v: None if v is None else round(v * 1000)  # noqa: E731
    total = record["total"]
    return {"layout": layout_name, "phones": phones, "files_per_visit": files, "loadavg_at_start": round(loadavg, 2),
            "joined": len(total), "failed": len(record["failures"]),
            "over_10s": sum(t > SLOW_SECONDS for t in total) + len(record["failures"]),
            "total_p50_ms": ms(percentile(total, 50)), "total_p95_ms": ms(percentile(total, 95)),
            "total_max_ms": ms(max(total) if total else None), "open_p95_ms": ms(percentile(record["open"], 95)),
            "join_p95_ms": ms(percentile(record["join"], 95)),
            "kb_per_phone": round(sum(record["bytes"]) / max(1, len(record["bytes"])) / 1024),
            "server_cpu_s": round(cpu, 1), "window_s": round(record["seconds"], 1),
            "server_cores": round(cpu / record["seconds"], 2) if record["seconds"] else None,
            "generator_cpu_s": round(own, 1), "failure_samples": record["failures"][:5]}


def format_table(rows: list[dict]) -> str:
    """A Markdown table of the runs, for the terminal and the README."""
    head = ("| layout | phones | load at start | page open + join p50 / p95 / max | join p95 | failed | over 10 s "
            "| server CPU (cores) | of it Caddy | generator CPU | KB per phone |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        lines.append(f"| {r['layout']} | {r['phones']} | {r['loadavg_at_start']:.2f} | {fmt_s(r['total_p50_ms'])} / "
                     f"{fmt_s(r['total_p95_ms'])} / {fmt_s(r['total_max_ms'])} | {fmt_s(r['join_p95_ms'])} | {r['failed']} "
                     f"| {r['over_10s']} | {r['server_cpu_s']} s ({r['server_cores']}) "
                     f"| {'–' if r.get('caddy_cpu_s') is None else str(r['caddy_cpu_s']) + ' s'} | {r['generator_cpu_s']} s "
                     f"| {r['kb_per_phone']} |")
    return "\n".join(lines)


def fmt_s(value_ms: int | None) -> str:
    """Milliseconds as seconds with one decimal, or a dash."""
    return "–" if value_ms is None else f"{value_ms / 1000:.1f} s"


def write_readme(table: str, note: str) -> None:
    """Put the table between the README's burst-join markers."""
    text = README.read_text()
    start, end = text.index(MARKERS[0]) + len(MARKERS[0]), text.index(MARKERS[1])
    README.write_text(text[:start] + "\n" + note + "\n\n" + table + "\n" + text[end:])


def run_table(phone_counts: list[int], layout_names: list[str], readme: bool = False, log=print) -> list[dict]:
    """Every layout at every phone count, one after the other; print the table, optionally into the README."""
    rows = []
    for phones in phone_counts:
        for name in layout_names:
            rows.append(run_one(name, phones, log=log))
            log(format_table(rows[-1:]).splitlines()[-1])
    table = format_table(rows)
    log("\n" + table)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "burst-join.json").write_text(json.dumps(rows, indent=2))
    if readme:
        note = (f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (or `make bench-join`) on {os.cpu_count()} cores, the load "
                f"generator sharing them; \"load at start\" is the 1-minute load average when each run began.")
        write_readme(table, note)
        log(f"  written into {README}")
    return rows
