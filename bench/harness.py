"""Drive a real Streamlit server over /_stcore/stream the way the browser frontend does.

Each Client is one browser tab: it fetches the page (for the XSRF cookie), opens the
websocket with the subprotocols ["streamlit", <xsrf token>], sends BackMsg.rerun_script
with a ClientState like the frontend's sendRerunBackMsg, keeps the element tree from the
deltas it receives, honours auto_rerun (st.fragment(run_every=...)) timers, and clicks
buttons by sending a trigger_value for the button's widget id with the button's fragment id.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import websockets
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from components import serve

ROOT = Path(__file__).resolve().parent.parent
XSRF_COOKIE = "_streamlit_xsrf"
FINISHED_OK = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
ALERT_ERROR = 1
RUN_TIMEOUT = 60.0  # no single run may take longer than this before we call it an error
HISTORY = 80
MAX_MESSAGES = 200_000  # per client: a runaway server cannot keep a reader busy forever


# ---------------------------------------------------------------- server process

def pick_port() -> int:
    """Return a free loopback port, preferring 8700-8799."""
    for port in range(8700, 8800):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(script: Path, db_file: Path, log_file: Path, extra_env: dict | None = None,
                 cwd: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run script` from the repo root (so .streamlit/config.toml applies)."""
    port = pick_port()
    env = dict(os.environ, HUB_WORKSHOP_DB=str(db_file), HUB_WORKSHOP_COOKIE_KEY="c" * 64,
               STREAMLIT_SERVER_PORT=str(port), STREAMLIT_SERVER_ADDRESS="127.0.0.1", **(extra_env or {}))
    with open(log_file, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script)], cwd=cwd, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc, url


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until Streamlit answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not start")


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate the server; kill it when it does not stop in time."""
    serve.stop_process(proc)


def read_rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB, from /proc/PID/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def read_cpu_seconds(pid: int) -> float | None:
    """User+system CPU seconds used by a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def fetch_xsrf_token(base_url: str) -> str:
    """Ping /_stcore/health like the frontend does before connecting; it sets the XSRF cookie."""
    with urllib.request.urlopen(base_url + "/_stcore/health", timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == XSRF_COOKIE:
                return rest.split(";", 1)[0]
    raise RuntimeError("server did not set the XSRF cookie")


# ---------------------------------------------------------------- one browser tab

@dataclass
class ElementInfo:
    """One element on the client's screen."""

    kind: str
    element: object
    fragment_id: str
    run_id: str


@dataclass
class RunWaiter:
    """A pending wait for the end of a run that covers a fragment (or a full run)."""

    fragment_id: str
    future: asyncio.Future


@dataclass
class Stats:
    """What one client observed."""

    runs_finished: int = 0
    auto_reruns_sent: int = 0
    exceptions: list = field(default_factory=list)
    error_alerts: list = field(default_factory=list)
    disconnects: int = 0
    timeouts: int = 0
    messages: int = 0
    bytes_received: int = 0
    timeout_histories: list = field(default_factory=list)


class Client:
    """One browser tab on the app, speaking Streamlit's websocket protocol."""

    def __init__(self, base_url: str, query_string: str = "", name: str = "client"):
        self.base_url, self.query_string, self.name = base_url, query_string, name
        self.page_script_hash = ""
        self.elements: dict[tuple, ElementInfo] = {}
        self.values: dict[str, WidgetState] = {}
        self.waiters: list[RunWaiter] = []
        self.timers: dict[str, asyncio.Task] = {}
        self.stats = Stats()
        self.current_run = ""
        self.closing = False
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.send_lock = asyncio.Lock()
        self.history: list[tuple] = []  # the last few sends and run ends, to explain a timeout
        self.http = None  # the phone's HTTP side (bench.phone_http.PhoneHttp), once it taps through the route
        self.ballot_view: dict | None = None  # the ballot as the route last answered it

    # ------------------------------------------------ connection

    async def connect(self) -> None:
        """Fetch the page for the XSRF cookie, open the websocket, start reading."""
        token = await asyncio.to_thread(fetch_xsrf_token, self.base_url)
        uri = self.base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(
            uri, subprotocols=["streamlit", token], max_size=None, open_timeout=60, ping_interval=None,
            additional_headers={"Origin": self.base_url, "Cookie": f"{XSRF_COOKIE}={token}"},
            user_agent_header="hub-workshop-bench")
        self.reader = asyncio.create_task(self.read_forever())

    async def close(self) -> None:
        """Stop timers and close the socket."""
        self.closing = True
        for task in self.timers.values():
            task.cancel()
        if self.http is not None:
            await self.http.close()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            try:
                await asyncio.wait_for(self.reader, 10)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self.reader.cancel()

    # ------------------------------------------------ sending

    def context_info(self) -> ContextInfo:
        """What the frontend reports about the browser."""
        url = f"{self.base_url}/" + (f"?{self.query_string}" if self.query_string else "")
        return ContextInfo(timezone="Europe/Belgrade", timezone_offset=-60, locale="en-US", url=url,
                           is_embedded=False, color_scheme="light")

    async def send_rerun(self, triggers: list[WidgetState] = (), fragment_id: str = "",
                         is_auto_rerun: bool = False) -> None:
        """Send BackMsg.rerun_script with every held widget value plus any triggers."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.page_name = ""
        state.fragment_id = fragment_id
        state.is_auto_rerun = is_auto_rerun
        state.widget_states.widgets.extend(list(self.values.values()) + list(triggers))
        state.context_info.CopyFrom(self.context_info())
        self.history.append((round(time.perf_counter(), 3), "sent", fragment_id[:6], len(triggers), is_auto_rerun))
        del self.history[:-HISTORY]
        async with self.send_lock:
            await self.ws.send(msg.SerializeToString())

    def expect_run_end(self, fragment_id: str = "") -> asyncio.Future:
        """A future resolved by the next finished run that covers this fragment (or a full run)."""
        future = asyncio.get_running_loop().create_future()
        self.waiters.append(RunWaiter(fragment_id, future))
        return future

    async def load_page(self) -> float:
        """The first run after connecting, like the frontend's rerun on CONNECTED; returns seconds."""
        started = time.perf_counter()
        done = self.expect_run_end("")
        await self.send_rerun()
        await self.wait_run(done)
        return time.perf_counter() - started

    async def wait_run(self, future: asyncio.Future) -> int:
        """Wait for a run's end; count a timeout as an error."""
        try:
            return await asyncio.wait_for(future, RUN_TIMEOUT)
        except asyncio.TimeoutError:
            self.stats.timeouts += 1
            self.stats.timeout_histories.append(list(self.history))
            raise

    async def click(self, widget_id: str, extra_values: list[WidgetState] = ()) -> float:
        """Click a button (trigger_value) and wait until its run finished; returns seconds."""
        info = self.find_widget(widget_id)
        fragment_id = info.fragment_id if info else ""
        started = time.perf_counter()
        done = self.expect_run_end(fragment_id)
        await self.send_rerun([*extra_values, WidgetState(id=widget_id, trigger_value=True)], fragment_id)
        await self.wait_run(done)
        return time.perf_counter() - started

    async def vote(self, ballot, priority_id: int, action: str, shown: int) -> float:
        """Press a ballot button as the browser does: a trigger value on the ballot element; returns seconds."""
        info = self.find_widget(ballot.id)
        fragment_id = info.fragment_id if info else ""
        click = [{"event": "vote", "value": {"priority": priority_id, "action": action, "shown": shown}}]
        trigger = WidgetState(id=_make_trigger_id(ballot.id, "events"), json_trigger_value=json.dumps(click))
        started = time.perf_counter()
        done = self.expect_run_end(fragment_id)
        await self.send_rerun([trigger], fragment_id)
        await self.wait_run(done)
        return time.perf_counter() - started

    async def tap(self, question: int, priority_id: int, action: str, shown: int) -> float:
        """Press a ballot button as ballot.js does: POST /api/vote with the token; returns seconds."""
        from bench.phone_http import PhoneHttp

        if self.http is None:
            self.http = PhoneHttp(self.base_url, self.query_string.removeprefix("t=").split("&")[0])
        started = time.perf_counter()
        status, answer = await asyncio.wait_for(self.http.tap(question, priority_id, action, shown), RUN_TIMEOUT)
        seconds = time.perf_counter() - started
        if status != 200:
            self.stats.error_alerts.append(f"tap answered {status}: {answer.get('error')}")
        if answer.get("ballot"):
            self.ballot_view = answer["ballot"]
        return seconds

    async def wait_full_run(self, predicate, timeout: float = RUN_TIMEOUT) -> None:
        """Wait (bounded) for runs to end until the screen satisfies predicate."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                self.stats.timeouts += 1
                raise asyncio.TimeoutError("screen never reached the expected state")
            try:
                await asyncio.wait_for(self.expect_run_end(""), left)
            except asyncio.TimeoutError:
                continue

    # ------------------------------------------------ receiving

    async def read_forever(self) -> None:
        """Apply every ForwardMsg to this tab's state until the socket closes."""
        try:
            async for data in self.ws:
                self.stats.messages += 1
                self.stats.bytes_received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.apply(msg)
                if self.stats.messages > MAX_MESSAGES:
                    break
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.closing:
                self.stats.disconnects += 1
            for waiter in self.waiters:
                if not waiter.future.done():
                    waiter.future.set_exception(ConnectionError(f"{self.name}: websocket closed"))
            self.waiters.clear()

    def apply(self, msg: ForwardMsg) -> None:
        """Update the screen model from one ForwardMsg."""
        kind = msg.WhichOneof("type")
        run_id = msg.metadata.run.script_run_id if msg.HasField("metadata") else ""
        if kind == "new_session":
            # sent at the start of every run (full or fragment); deltas carry no run id of their own
            self.page_script_hash = msg.new_session.page_script_hash
            self.current_run = run_id
        elif kind == "delta":
            self.apply_delta(msg, self.current_run)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "script_finished":
            self.finish_run(msg)
        elif kind == "auto_rerun":
            self.start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                task = self.timers.pop(fragment_id, None)
                if task:
                    task.cancel()
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            self.stats.exceptions.append(msg.session_event.script_compilation_exception.message)

    def apply_delta(self, msg: ForwardMsg, run_id: str) -> None:
        """Store a new element (or block) at its delta path."""
        path = tuple(msg.metadata.delta_path)
        delta = msg.delta
        which = delta.WhichOneof("type")
        if which == "new_element":
            element = delta.new_element
            kind = element.WhichOneof("type")
            self.elements[path] = ElementInfo(kind, getattr(element, kind), delta.fragment_id, run_id)
            if kind == "exception":
                self.stats.exceptions.append(element.exception.message)
            elif kind == "alert" and element.alert.format == ALERT_ERROR:
                self.stats.error_alerts.append(element.alert.body)
        elif which == "add_block":
            self.elements[path] = ElementInfo("block", delta.add_block, delta.fragment_id, run_id)

    def finish_run(self, msg: ForwardMsg) -> None:
        """Drop stale elements like the frontend does, then wake whoever waits for this run."""
        status = msg.script_finished
        fragments = list(msg.metadata.run.fragment_ids)
        run_id = msg.metadata.run.script_run_id
        self.history.append((round(time.perf_counter(), 3), "finished", status, [f[:6] for f in fragments]))
        del self.history[:-HISTORY]
        self.stats.runs_finished += 1
        if status in FINISHED_OK:
            self.clear_stale(run_id, fragments)
        elif not fragments:
            return  # a full run cut short by st.rerun(): the run replacing it finishes later
        # A finished fragment run whose script_finished was still queued when the next run
        # started is rewritten to FINISHED_EARLY_FOR_RERUN (ForwardMsgQueue.clear), but its
        # deltas are kept and delivered: for the fragment's waiter that run is over.
        still = []
        for waiter in self.waiters:
            covered = (not fragments and status in FINISHED_OK) or (waiter.fragment_id and waiter.fragment_id in fragments)
            if covered and not waiter.future.done():
                waiter.future.set_result(status)
            elif not waiter.future.done():
                still.append(waiter)
        self.waiters = still

    def clear_stale(self, run_id: str, fragments: list[str]) -> None:
        """Remove elements the finished run did not (re)send within its scope."""
        if not run_id:
            return
        for path, info in list(self.elements.items()):
            in_scope = not fragments or info.fragment_id in fragments
            if in_scope and info.run_id != run_id:
                del self.elements[path]

    def start_timer(self, fragment_id: str, interval: float) -> None:
        """Rerun a fragment every interval seconds, like the frontend's setInterval."""
        if not fragment_id or fragment_id in self.timers:
            return

        async def tick() -> None:
            while not self.closing:
                await asyncio.sleep(interval)
                try:
                    await self.send_rerun(fragment_id=fragment_id, is_auto_rerun=True)
                    self.stats.auto_reruns_sent += 1
                except websockets.ConnectionClosed:
                    return

        self.timers[fragment_id] = asyncio.create_task(tick())

    # ------------------------------------------------ reading the screen

    def widgets(self, kind: str) -> list[tuple[tuple, object]]:
        """All elements of a kind with their paths, in screen order."""
        return sorted((p, i.element) for p, i in self.elements.items() if i.kind == kind)

    def find_widget(self, widget_id: str) -> ElementInfo | None:
        """The element carrying this widget id."""
        for info in self.elements.values():
            if getattr(info.element, "id", None) == widget_id and info.kind != "block":
                return info
        return None

    def button(self, label: str | None = None, key_part: str | None = None):
        """The first button matching a label and/or a key fragment of its widget id."""
        for _path, element in self.widgets("button"):
            if (label is None or element.label == label) and (key_part is None or key_part in element.id):
                return element
        return None

    def texts(self) -> list[str]:
        """Every text and markdown body on screen, in order."""
        out = []
        for path in sorted(self.elements):
            info = self.elements[path]
            if info.kind in ("text", "markdown", "alert", "caption"):
                out.append(info.element.body)
        return out


# ---------------------------------------------------------------- the participant ballot

BALLOT_COMPONENT = "hub_ballot"


def read_ballot(client: Client) -> dict[int, dict]:
    """priority id -> {dots, open (may take a dot), question, ballot element} as the phone shows it.

    The ballot's last answer from /api/vote when the phone tapped through the route (ballot.js draws
    that), else the element's data from the page: {"ballot": view} today, the view itself on the
    older rerun path (an app copy run with --app-root or as the rerun baseline).
    """
    for _path, element in client.widgets("bidi_component"):
        if element.component_name == BALLOT_COMPONENT and element.json:
            data = json.loads(element.json)
            view = client.ballot_view or (data["ballot"] if "ballot" in data else data)
            if not view:
                return {}
            return {item["id"]: {"dots": item["mine"], "open": view["left"] > 0 and item["mine"] < view["cap"],
                                 "question": view["question"], "ballot": element} for item in view["items"]}
    return {}


# ---------------------------------------------------------------- commit -> visible

class VisibilityPoller:
    """A projector stand-in: a separate connection reads the tally every 50 ms and notes when each dot shows."""

    def __init__(self, db_file: Path, question_id: int, interval: float = 0.05, max_seconds: float = 900):
        self.db_file, self.question_id, self.interval, self.max_seconds = db_file, question_id, interval, max_seconds
        self.delays: list[float] = []
        self.last_id = 0
        self.polls = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self) -> None:
        """Start polling in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self.stop_event.set()
        self.thread.join(timeout=10)

    def run(self) -> None:
        """Poll until stopped (or max_seconds), recording insert -> visible delays."""
        from components import results, storage

        db = storage.open_db(self.db_file)
        deadline = time.monotonic() + self.max_seconds
        try:
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                # one read transaction: the tally and the new dot rows come from the same snapshot
                db.conn.execute("BEGIN")
                try:
                    results.tally_question(db, self.question_id)
                    rows = db.conn.execute("SELECT id, created_at FROM dot WHERE question_id = ? AND id > ?"
                                           " ORDER BY id", (self.question_id, self.last_id)).fetchall()
                finally:
                    db.conn.execute("COMMIT")
                seen_at = time.time()
                for dot_id, created_at in rows:
                    created = datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp()
                    self.delays.append(max(0.0, seen_at - created))
                    self.last_id = dot_id
                self.polls += 1
                self.stop_event.wait(self.interval)
        finally:
            db.close()
