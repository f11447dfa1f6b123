"""`make serve PROCESSES=4 ADDRESS=hub.example.org`: the production layout for a live event, in one command.

Caddy in front (TLS for a domain, plain HTTP for http://host:port), serving Streamlit's frontend files
itself from a precompressed copy (br and gzip, made once into build/static), and relaying everything
else — pages, /_stcore/* with the websocket, /healthz, /api/* — to N Streamlit processes on one SQLite
file, each browser kept on its process by a cookie. A backup runs every HUB_BACKUP_SECONDS, and a
process that dies is started again. No Streamlit import here: Streamlit runs in the child processes.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import brotli

from components import ops, storage

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
CADDY_TEMPLATE = ROOT / "deploy" / "Caddyfile.template"
DEFAULT_ADDRESS = "http://127.0.0.1:8080"
FIRST_PORT = int(os.environ.get("HUB_FIRST_PORT", "8501"))
# Brotli quality 9 packs Streamlit's 23 MB of JavaScript in ~2 s; 11 saves another 8 % but takes ~40 s.
BROTLI_QUALITY = 9
GZIP_LEVEL = 9
COMPRESSED_SUFFIXES = (".js", ".css", ".html", ".json", ".svg", ".txt", ".ttf", ".map")
MIN_GAIN = 0.9  # keep a compressed copy only when it is at most 90 % of the original
START_TIMEOUT_SECONDS = 90.0
RESTART_PAUSE_SECONDS = 2.0
CADDY_SETTLE_SECONDS = 3.0


# ---------------------------------------------------------------- the static files, precompressed once

def streamlit_static_dir() -> Path:
    """The installed Streamlit package's frontend folder (found, not imported)."""
    spec = importlib.util.find_spec("streamlit")
    return Path(spec.submodule_search_locations[0]) / "static"


def build_stamp() -> str:
    """What the built copy was made from: rebuilt when Streamlit, brotli or the settings change."""
    return (f"streamlit {importlib.metadata.version('streamlit')}, brotli {importlib.metadata.version('brotli')}"
            f" q{BROTLI_QUALITY}, gzip {GZIP_LEVEL}")


def build_static(target: Path | None = None) -> Path:
    """Copy Streamlit's frontend files with .br and .gz beside each compressible one; once per version."""
    target = Path(target or BUILD / "static")
    stamp = target / ".stamp"
    if stamp.exists() and stamp.read_text() == build_stamp():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(streamlit_static_dir(), partial)
    for path in sorted(partial.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSED_SUFFIXES:
            write_compressed(path)
    (partial / ".stamp").write_text(build_stamp())
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def write_compressed(path: Path) -> None:
    """Write path.br and path.gz when they are worth it (Caddy's `precompressed br gzip` picks them)."""
    body = path.read_bytes()
    for suffix, packed in ((".br", brotli.compress(body, quality=BROTLI_QUALITY)),
                           (".gz", gzip.compress(body, GZIP_LEVEL, mtime=0))):
        if len(packed) <= len(body) * MIN_GAIN:
            path.with_name(path.name + suffix).write_bytes(packed)


# ---------------------------------------------------------------- the Caddyfile

def site_address(address: str) -> str:
    """Caddy's site address: a bare domain gets automatic HTTPS; localhost and IPs stay plain HTTP."""
    address = (address or DEFAULT_ADDRESS).strip()
    if "://" in address:
        return address
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 else address
    local = host in ("localhost", "") or host.replace(".", "").isdigit() or host.startswith("[")
    return f"http://{address}" if local else address


def render_caddyfile(address: str, ports: list[int], static_root: Path, admin: bool = False) -> str:
    """The Caddyfile for this layout, from deploy/Caddyfile.template."""
    site = site_address(address)
    tls = not site.startswith("http://")
    return Template(CADDY_TEMPLATE.read_text()).substitute(
        global_options="\t# admin API on localhost:2019, for `systemctl reload caddy`" if admin else "\tadmin off",
        address=site, static_root=str(static_root), upstreams=" ".join(f"127.0.0.1:{p}" for p in ports),
        hsts='header Strict-Transport-Security "max-age=31536000"' if tls else "# plain HTTP: no HSTS")


# ---------------------------------------------------------------- processes

@dataclass
class Layout:
    """The running layout: Caddy, the Streamlit processes by port, where they log."""

    address: str
    ports: list[int]
    env: dict
    log_dir: Path
    caddy: subprocess.Popen | None = None
    streamlit: dict = field(default_factory=dict)  # port -> Popen

    @property
    def url(self) -> str:
        """The address phones open."""
        site = site_address(self.address)
        return site if "://" in site else f"https://{site}"

    def pids(self) -> list[int]:
        """Every server process of the layout (for CPU accounting)."""
        procs = list(self.streamlit.values()) + ([self.caddy] if self.caddy else [])
        return [p.pid for p in procs if p.poll() is None]

    def stop(self) -> None:
        """Stop Caddy first (no new requests), then every Streamlit process."""
        for proc in ([self.caddy] if self.caddy else []) + list(self.streamlit.values()):
            stop_process(proc)


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate, then kill when it does not stop in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def start_streamlit(port: int, env: dict, log_dir: Path) -> subprocess.Popen:
    """One `streamlit run app.py` on 127.0.0.1:port (only Caddy reaches it)."""
    child_env = dict(env, STREAMLIT_SERVER_PORT=str(port), STREAMLIT_SERVER_ADDRESS="127.0.0.1")
    with open(log_dir / f"streamlit-{port}.log", "a") as log:
        return subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")], cwd=ROOT,
                                env=child_env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Wait until url answers 200, or fail when the process exits or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_layout(processes: int, address: str = DEFAULT_ADDRESS, db_file: Path | None = None,
                 log_dir: Path | None = None, first_port: int = FIRST_PORT, extra_env: dict | None = None,
                 static_root: Path | None = None) -> Layout:
    """Build the static copy, start N Streamlit processes and Caddy in front; wait until all answer."""
    log_dir = Path(log_dir or BUILD / "logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    static_root = build_static(static_root)
    env = dict(os.environ, HUB_WORKSHOP_DB=str(Path(db_file or storage.db_path()).resolve()), **(extra_env or {}))
    layout = Layout(address, [first_port + i for i in range(processes)], env, log_dir)
    try:
        for port in layout.ports:
            layout.streamlit[port] = start_streamlit(port, env, log_dir)
        for port, proc in layout.streamlit.items():
            wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
        caddyfile = log_dir / "Caddyfile"
        caddyfile.write_text(render_caddyfile(address, layout.ports, static_root))
        with open(log_dir / "caddy.log", "a") as log:
            layout.caddy = subprocess.Popen(["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                                            cwd=log_dir, stdout=log, stderr=subprocess.STDOUT)
        if layout.url.startswith("http://"):
            wait_ready(f"{layout.url}/healthz", layout.caddy)
        else:  # a domain: Caddy may still be getting its certificate, and DNS may not point here from inside
            time.sleep(CADDY_SETTLE_SECONDS)
            if layout.caddy.poll() is not None:
                raise RuntimeError(f"Caddy exited with {layout.caddy.returncode}; see {log_dir / 'caddy.log'}")
    except BaseException:
        layout.stop()
        raise
    return layout


# ---------------------------------------------------------------- make serve

def supervise(layout: Layout, stop: threading.Event, backup_seconds: float = ops.BACKUP_SECONDS) -> None:
    """Until stopped: start again a Streamlit process that died, and back up every backup_seconds."""
    next_backup = time.monotonic()
    while not stop.wait(1.0):
        for port, proc in list(layout.streamlit.items()):
            if proc.poll() is not None:
                print(f"process :{port} exited with {proc.returncode}; starting it again", flush=True)
                time.sleep(RESTART_PAUSE_SECONDS)
                layout.streamlit[port] = start_streamlit(port, layout.env, layout.log_dir)
        if layout.caddy is not None and layout.caddy.poll() is not None:
            raise RuntimeError(f"Caddy exited with {layout.caddy.returncode}; see {layout.log_dir / 'caddy.log'}")
        if time.monotonic() >= next_backup:
            next_backup = time.monotonic() + backup_seconds
            back_up_now()


def back_up_now() -> None:
    """One rotating backup; a failure is printed, never fatal to the event."""
    db = storage.open_db()
    try:
        print(f"backup: {ops.backup_rotating(db)}", flush=True)
    except Exception as exc:  # a full disk must not stop the room voting; the status command shows it
        print(f"backup FAILED: {exc}", flush=True)
    finally:
        db.close()


def port_taken(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def serve(args) -> int:
    """Check, build, start, print the addresses, then supervise until Ctrl-C."""
    problems = ops.preflight_problems()
    taken = [port for port in range(args.first_port, args.first_port + args.processes) if port_taken(port)]
    if taken:
        problems.append(f"Port {', '.join(map(str, taken))} is taken (is `make run` or another `make serve` running?). "
                        f"Stop it, or set HUB_FIRST_PORT to the first of {args.processes} free ports.")
    if shutil.which("caddy") is None:
        problems.append("Caddy is not installed: `sudo apt-get install caddy` (Debian and Ubuntu ship it).")
    if problems:
        print("make serve refuses to start:\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    print(f"Preparing Streamlit's frontend files (once per version) in {BUILD / 'static'} ...", flush=True)
    layout = start_layout(args.processes, args.address, first_port=args.first_port)
    ops.SERVE_STATE.write_text(json.dumps({"ports": layout.ports, "address": layout.url, "pid": os.getpid()}))
    print(f"\nHub Workshop is serving on {layout.url} ({args.processes} processes: "
          f"{', '.join(map(str, layout.ports))}, logs in {layout.log_dir})")
    print(f"  participants: open {layout.url} and type the join code")
    print(f"  staff: open {layout.url}/login")
    print(f"  backups every {ops.BACKUP_SECONDS:.0f} s into {ops.backup_dir()} (newest {ops.BACKUP_KEEP} kept)")
    print("  status: make status    stop: Ctrl-C\n", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        supervise(layout, stop)
    except KeyboardInterrupt:
        pass
    finally:
        layout.stop()
        ops.SERVE_STATE.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`serve` (default) or `caddyfile` (print the Caddyfile for a server's /etc/caddy)."""
    parser = argparse.ArgumentParser(prog="python -m components.serve", description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", choices=("serve", "caddyfile"), default="serve")
    parser.add_argument("--processes", type=int, default=int(os.environ.get("PROCESSES") or os.cpu_count() or 1))
    parser.add_argument("--address", default=os.environ.get("ADDRESS") or DEFAULT_ADDRESS,
                        help="a domain for automatic HTTPS, or http://host:port (default %(default)s)")
    parser.add_argument("--first-port", type=int, default=FIRST_PORT)
    parser.add_argument("--static-root", default=str(BUILD / "static"), help="for `caddyfile`: the built copy")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    if args.command == "caddyfile":
        ports = [args.first_port + i for i in range(args.processes)]
        print(render_caddyfile(args.address, ports, Path(args.static_root), admin=True), end="")
        return 0
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
