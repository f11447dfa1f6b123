"""`make bench`: N participants vote on the real server; compare with a trivial page and raw SQLite.

python -m bench.run                 # 500 participants, 60 s voting window
python -m bench.run --quick         # 50 participants, 20 s window
python -m bench.run -n 200 --window 40 --skip-floor
python -m bench.run --burst-join                  # `make bench-join`: the layouts table (bench/burst_join.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench import baseline, burst_join, core_bench, harness, layouts, push_open, readme_table, vote_route
from components import facilitation, participation, seed, storage, workshops

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"
DOTS = 5
APP_ROOT = harness.ROOT  # --app-root points at a patched copy of the app to measure a proposed change
CONNECT_CONCURRENCY = 16
BALLOT_SIZE = 24  # priorities a facilitator takes to the vote after moderating the room's submissions
SUBMIT_WINDOW = 20.0  # seconds over which every phone submits one priority
TARGETS = {"join_p95_s": 5.0, "push_p95_s": 5.0, "p95_ms": 500, "vote_floor_ratio": 0.8, "visible_p95_s": 2.0, "rss_mb": 1024, "core_ratio": 0.8}


# ---------------------------------------------------------------- numbers

def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def summarise_ms(values: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds."""
    to_ms = lambda v: None if v is None else round(v * 1000, 1)  # noqa: E731
    return {"n": len(values), "p50_ms": to_ms(percentile(values, 50)), "p95_ms": to_ms(percentile(values, 95)),
            "p99_ms": to_ms(percentile(values, 99)), "max_ms": to_ms(max(values) if values else None)}


# ---------------------------------------------------------------- the app under test

def seed_voting_db(db_file: Path, core_participants: int, collect: bool = False) -> dict:
    """Demo workshop with participants joined through the core; question 1 collecting, or voting on BALLOT_SIZE priorities."""
    db = storage.open_db(db_file)
    try:
        storage.migrate(db)
        workshop_id = seed.seed_demo(db)
        question = workshops.list_questions(db, workshop_id)[0]
        if not collect:
            have = len(workshops.list_visible_priorities(db, question["id"]))
            for i in range(BALLOT_SIZE - have):
                facilitation.add_priority_for_room(db, question["id"], f"Bench priority number {i + 1}", "bench")
            facilitation.set_phase(db, question["id"], "voting", "bench")
        code = workshops.get_workshop(db, workshop_id)["code"]
        tokens = [participation.join_workshop(db, code, f"Bench {i}")["token"] for i in range(core_participants)]
        return {"workshop_id": workshop_id, "question_id": question["id"], "code": code, "tokens": tokens}
    finally:
        db.close()


def page_ready(client: harness.Client) -> bool:
    """The participant page is drawn: a ballot, or the submission form."""
    return bool(harness.read_ballot(client)) or submit_form(client) is not None


def submit_form(client: harness.Client):
    """(title box, submit button) of the submission form on screen, or None."""
    box = next((e for _p, e in client.widgets("text_input") if e.label == "Your priority"), None)
    button = next((e for _p, e in client.widgets("button") if e.is_form_submitter and e.label == "Submit"), None)
    return (box, button) if box is not None and button is not None else None


async def open_participant(url: str, token: str, name: str) -> tuple[harness.Client, float]:
    """A phone that opens its personal link ?t=TOKEN."""
    client = harness.Client(url, f"t={token}", name)
    await client.connect()
    seconds = await client.load_page()
    await client.wait_full_run(lambda: page_ready(client), 30)
    return client, seconds


async def join_through_ui(url: str, code: str, name: str) -> tuple[harness.Client, float]:
    """A phone that opens ?code=CODE, types a name and presses Join in the real form."""
    client = harness.Client(url, f"code={code}", name)
    await client.connect()
    seconds = await client.load_page()
    name_box = next((e for _p, e in client.widgets("text_input") if "name" in e.label.lower()), None)
    join = next((e for _p, e in client.widgets("button") if e.is_form_submitter), None)
    if name_box is None or join is None:
        raise RuntimeError(f"{name}: join form not found on screen")
    seconds += await client.click(join.id, [WidgetState(id=name_box.id, string_value=name)])
    await client.wait_full_run(lambda: page_ready(client), 30)
    if not client.query_string.startswith("t="):
        raise RuntimeError(f"{name}: no token in the URL after joining")
    return client, seconds


async def submit_one(client: harness.Client, start: float, offset: float, record: dict) -> None:
    """Type a priority into the real form and press Submit, at start + offset."""
    await asyncio.sleep(max(0.0, start + offset - time.perf_counter()))
    form = submit_form(client)
    if form is None:
        record["no_form"] += 1
        return
    box, button = form
    try:
        seconds = await client.click(button.id, [WidgetState(id=box.id, string_value=f"Priority typed by {client.name}")])
    except (asyncio.TimeoutError, ConnectionError) as exc:
        record["failures"].append(f"{client.name}: {type(exc).__name__}")
        return
    record["latencies"].append(seconds)
    record["acked"] += any("Thank you! Your priority was added." in t for t in client.texts())


def moderate_and_open(db_file: Path, question_id: int) -> dict:
    """The facilitator keeps BALLOT_SIZE priorities (hides the rest) and opens voting."""
    db = storage.open_db(db_file)
    try:
        submitted = workshops.list_visible_priorities(db, question_id)
        authored = storage.fetch_value(db, "SELECT count(*) FROM priority WHERE question_id = ? AND participant_id IS NOT NULL",
                                       (question_id,))
        for priority in submitted[BALLOT_SIZE:]:
            facilitation.set_priority_hidden(db, priority["id"], True, "bench")
        facilitation.set_results_visibility(db, question_id, "live", "bench")  # phones follow the room's tally
        facilitation.set_phase(db, question_id, "voting", "bench")
        return {"priorities_submitted": len(submitted), "submitted_by_phones_in_db": authored,
                "ballot_size": min(BALLOT_SIZE, len(submitted))}
    finally:
        db.close()


async def collect_then_open(clients: list, info: dict, db_file: Path, seed_value: int, log) -> dict:
    """Every phone submits one priority (paced over SUBMIT_WINDOW s); then voting opens and is pushed."""
    record = {"latencies": [], "acked": 0, "no_form": 0, "failures": []}
    rng = random.Random(seed_value)
    start = time.perf_counter()
    await asyncio.gather(*(submit_one(c, start, rng.uniform(0, SUBMIT_WINDOW), record) for c in clients))
    submit_seconds = time.perf_counter() - start
    for client in clients:  # each phone holds its feed as ballot.js does, through the vote (scenario_app ends it)
        push_open.follow_feed(client)
    moderation = moderate_and_open(db_file, info["question_id"])
    opened = time.perf_counter()
    log(f"  {len(record['latencies'])} priorities submitted in {submit_seconds:.1f} s; voting opened on "
        f"{moderation['ballot_size']} of {moderation['priorities_submitted']}; waiting for every phone's ballot")
    delays, missed = [], 0

    async def see_ballot(client):
        nonlocal missed
        try:  # from its page's pushed rerun or its ballot's own fetch, whichever comes first (push_open)
            await push_open.ballot_arrives(client, moderation["ballot_size"], 60)
            delays.append(time.perf_counter() - opened)
        except (asyncio.TimeoutError, ConnectionError):
            missed += 1

    await asyncio.gather(*(see_ballot(c) for c in clients))
    return {**moderation, "submit_latency": summarise_ms(record["latencies"]), "submits": len(record["latencies"]),
            "submits_acknowledged": record["acked"], "submit_failures": record["failures"][:10],
            "submit_failure_count": len(record["failures"]) + record["no_form"],
            "phase_push": {**summarise_ms(delays), "min_ms": round(min(delays) * 1000, 1) if delays else None,
                           "phones_missed": missed}}


async def place_dots(client: harness.Client, rng: random.Random, start: float,
                     offsets: list[float] | None, record: dict, path: str = "route") -> None:
    """Place DOTS dots by clicking Add buttons; offsets (seconds after start) pace the clicks.

    path "route": each tap is a POST /api/vote, as ballot.js sends it; "rerun": the older app's
    Streamlit trigger value and fragment rerun (the baseline bench.vote_route compares against).
    """
    for index in range(DOTS):
        if offsets is not None:
            await asyncio.sleep(max(0.0, start + offsets[index] - time.perf_counter()))
        ballot = harness.read_ballot(client)
        open_items = [pid for pid, item in ballot.items() if item["open"]]
        if not open_items:
            record["no_button"] += 1
            return
        pid = rng.choice(open_items)
        before = ballot[pid]["dots"]
        try:
            if path == "route":
                seconds = await client.tap(ballot[pid]["question"], pid, "add", before)
            else:
                seconds = await client.vote(ballot[pid]["ballot"], pid, "add", before)
        except (asyncio.TimeoutError, ConnectionError) as exc:
            record["click_failures"].append(f"{client.name}: {type(exc).__name__}")
            return
        record["latencies"].append(seconds)
        record["done_at"].append(time.perf_counter())
        after = harness.read_ballot(client).get(pid, {}).get("dots")
        record["acked" if after == (before or 0) + 1 else "not_acked"] += 1


def check_against_db(db_file: Path, question_id: int, clients: list[harness.Client]) -> dict:
    """Compare each client's screen (acknowledged dots) with the dot rows in the database."""
    db = storage.open_db(db_file)
    lost = extra = shown_total = 0
    try:
        rows = db.conn.execute("SELECT p.token, d.priority_id, count(*) FROM dot d JOIN participant p"
                               " ON p.id = d.participant_id WHERE d.question_id = ? GROUP BY 1, 2",
                               (question_id,)).fetchall()
        stored = {(token, pid): count for token, pid, count in rows}
        db_total = sum(stored.values())
        seen_tokens = set()
        for client in clients:
            token = client.query_string.removeprefix("t=").split("&")[0]
            seen_tokens.add(token)
            for pid, item in harness.read_ballot(client).items():
                shown = item["dots"] or 0
                shown_total += shown
                in_db = stored.get((token, pid), 0)
                lost += max(0, shown - in_db)
                extra += max(0, in_db - shown)
        # dots of participants whose tab we no longer see are extra too
        extra += sum(c for (token, _pid), c in stored.items() if token not in seen_tokens)
    finally:
        db.close()
    return {"lost": lost, "extra": extra, "shown_total": shown_total, "db_total": db_total}


def client_errors(clients: list[harness.Client]) -> dict:
    """Exceptions, error boxes, disconnects and timeouts seen by the clients."""
    out = {"exceptions": 0, "error_alerts": 0, "disconnects": 0, "timeouts": 0, "samples": []}
    for client in clients:
        stats = client.stats
        out["exceptions"] += len(stats.exceptions)
        out["error_alerts"] += len(stats.error_alerts)
        out["disconnects"] += stats.disconnects
        out["timeouts"] += stats.timeouts
        out["samples"] += [f"{client.name}: {m[:200]}" for m in stats.exceptions + stats.error_alerts][:3]
        if stats.timeout_histories and len(out.setdefault("timeout_histories", [])) < 3:
            out["timeout_histories"].append({"client": client.name, "events": stats.timeout_histories[0][-40:]})
    out["samples"] = out["samples"][:10]
    return out


async def connect_all(factories: list, concurrency: int = CONNECT_CONCURRENCY,
                      deadline_s: float = 240) -> tuple[list, list, list]:
    """Open every tab with bounded concurrency within a deadline; return clients, load times, failures."""
    gate = asyncio.Semaphore(concurrency)
    clients, loads, failures = [], [], []
    deadline = time.monotonic() + deadline_s

    async def one(factory):
        async with gate:
            if time.monotonic() > deadline:
                failures.append("not opened: connect phase deadline passed")
                return
            try:
                client, seconds = await factory()
            except Exception as exc:  # a failed tab is a counted error, not a crash of the bench
                failures.append(f"{type(exc).__name__}: {exc}"[:200])
                return
            clients.append(client)
            loads.append(seconds)

    await asyncio.gather(*(one(f) for f in factories))
    return clients, loads, failures


async def scenario_app(n: int, window: float | None, ui_share: float, seed_value: int, tmp: Path, log,
                       collect: bool = False) -> dict:
    """Run the vote on the real app; paced over `window` seconds, or as fast as possible when None.

    With collect, every phone first submits a priority and the vote opens on BALLOT_SIZE of them.
    """
    n_ui = 0 if n < 2 else max(1, round(n * ui_share))
    info = seed_voting_db(tmp / "hub.db", n - n_ui, collect)
    proc, url = harness.start_server(APP_ROOT / "app.py", tmp / "hub.db", tmp / "streamlit.log", cwd=APP_ROOT)
    clients: list[harness.Client] = []
    poller = harness.VisibilityPoller(tmp / "hub.db", info["question_id"])
    try:
        rss_idle = harness.read_rss_mb(proc.pid)
        log(f"  server {url} pid {proc.pid}, RSS {rss_idle:.0f} MB; opening {n} tabs ({n_ui} join through the form)")
        factories = [lambda t=t, i=i: open_participant(url, t, f"p{i}") for i, t in enumerate(info["tokens"])]
        factories += [lambda i=i: join_through_ui(url, info["code"], f"ui{i}") for i in range(n_ui)]
        random.Random(seed_value).shuffle(factories)
        t0 = time.perf_counter()
        clients, loads, connect_failures = await connect_all(factories)
        connect_seconds = time.perf_counter() - t0
        rss_connected = harness.read_rss_mb(proc.pid)
        log(f"  {len(clients)} tabs open in {connect_seconds:.1f} s; RSS {rss_connected:.0f} MB")
        collected = await collect_then_open(clients, info, tmp / "hub.db", seed_value, log) if collect else None
        log("  voting...")
        record = {"latencies": [], "done_at": [], "acked": 0, "not_acked": 0, "no_button": 0, "click_failures": []}
        runs_before = sum(c.stats.runs_finished for c in clients)
        cpu_before = harness.read_cpu_seconds(proc.pid)
        poller.start()
        start = time.perf_counter()
        tasks = []
        for index, client in enumerate(clients):
            rng = random.Random(seed_value * 100_003 + index)
            offsets = sorted(rng.uniform(0, window - 10) for _ in range(DOTS)) if window else None
            tasks.append(place_dots(client, rng, start, offsets, record))
        await asyncio.wait_for(asyncio.gather(*tasks), (window or 0) + 300)
        vote_seconds = (max(record["done_at"]) if record["done_at"] else time.perf_counter()) - start
        cpu_after = harness.read_cpu_seconds(proc.pid)
        runs_during = sum(c.stats.runs_finished for c in clients) - runs_before
        await asyncio.sleep(0.5)  # let the poller see the last commits
        poller.stop()
        rss_after = harness.read_rss_mb(proc.pid)
        check = check_against_db(tmp / "hub.db", info["question_id"], clients)
        errors = client_errors(clients)
        live_results = push_open.results_lag(clients, record["done_at"]) if collect else None
        clicks = len(record["latencies"])
        return {
            "url": url, "participants": n, "joined_through_form": n_ui, "tabs_open": len(clients),
            "connect_failures": connect_failures[:10], "connect_failure_count": len(connect_failures), "connect_seconds": round(connect_seconds, 2),
            "page_load": summarise_ms(loads), "mode": f"paced over {window:.0f} s" if window else "as fast as possible",
            "clicks": clicks, "clicks_acknowledged": record["acked"], "clicks_not_acknowledged": record["not_acked"],
            "click_failures": record["click_failures"][:10], "click_failure_count": len(record["click_failures"]),
            "click_latency": summarise_ms(record["latencies"]), "vote_seconds": round(vote_seconds, 2),
            "clicks_per_s": round(clicks / vote_seconds, 1) if vote_seconds > 0 else None,
            "reruns_per_s": round(runs_during / vote_seconds, 1) if vote_seconds > 0 else None,
            "server_cpu_share": round((cpu_after - cpu_before) / vote_seconds, 2) if vote_seconds > 0 else None,
            "auto_reruns_sent": sum(c.stats.auto_reruns_sent for c in clients),
            "errors": errors, "lost": check["lost"], "extra": check["extra"], "dots_shown": check["shown_total"],
            "dots_in_db": check["db_total"], "rss_mb": {"idle": round(rss_idle or 0), "connected": round(rss_connected or 0),
                                                        "after": round(rss_after or 0)},
            "visible": {**summarise_ms(poller.delays), "polls": poller.polls},
            "collect": collected, "live_results": live_results,
        }
    finally:
        poller.stop_event.set()
        for client in clients:
            if getattr(client, "feed_task", None) is not None:
                client.feed_task.cancel()
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        harness.stop_server(proc)
        keep_log(tmp / "streamlit.log", f"{tmp.name}-streamlit.log")


def keep_log(source: Path, name: str) -> None:
    """Keep the server log next to the results (the temp dir goes away)."""
    if source.exists():
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / name).write_bytes(source.read_bytes()[-2_000_000:])


async def scenario_floor(n: int, tmp: Path, log) -> dict:
    """The same harness on a one-button page: the best Streamlit can do on this machine."""
    proc, url = harness.start_server(FLOOR_APP, tmp / "floor.db", tmp / "floor.log", cwd=APP_ROOT)
    clients: list[harness.Client] = []
    try:
        log(f"  floor server {url}; opening {n} tabs")

        async def open_floor(i):
            client = harness.Client(url, "", f"f{i}")
            await client.connect()
            return client, await client.load_page()

        clients, _loads, failures = await connect_all([lambda i=i: open_floor(i) for i in range(n)])
        latencies, done_at = [], []

        async def click_five(client):
            for _ in range(DOTS):
                button = client.button(key_part="floor_add")
                try:
                    latencies.append(await client.click(button.id))
                    done_at.append(time.perf_counter())
                except (asyncio.TimeoutError, ConnectionError):
                    return

        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(click_five(c) for c in clients)), 300)
        seconds = max(done_at) - start if done_at else 0
        shown = sum(int(t.split(":")[1]) for c in clients for t in c.texts() if t.startswith("clicks:"))
        return {"tabs_open": len(clients), "connect_failures": failures[:10], "connect_failure_count": len(failures),
                "clicks": len(latencies),
                "clicks_shown": shown, "click_latency": summarise_ms(latencies), "seconds": round(seconds, 2),
                "clicks_per_s": round(len(latencies) / seconds, 1) if seconds else None,
                "errors": client_errors(clients)}
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        harness.stop_server(proc)


# ---------------------------------------------------------------- report

def verdicts(result: dict) -> dict:
    """Each target: value, target, pass."""
    paced, burst, floor, core = result["paced"], result.get("burst"), result.get("floor"), result.get("core")
    err = paced["errors"]
    collect = paced.get("collect") or {}
    error_count = (err["exceptions"] + err["error_alerts"] + err["disconnects"] + err["timeouts"]
                   + paced["connect_failure_count"] + paced["click_failure_count"] + collect.get("submit_failure_count", 0))
    out = {
        "all dots placed within window": (paced["vote_seconds"], f"<= {result['window']} s",
                                          paced["clicks"] == paced["participants"] * DOTS
                                          and paced["vote_seconds"] <= result["window"]),
        "click p95 (paced)": (paced["click_latency"]["p95_ms"], f"<= {TARGETS['p95_ms']} ms",
                              (paced["click_latency"]["p95_ms"] or 1e9) <= TARGETS["p95_ms"]),
        "errors": (error_count, "0", error_count == 0),
        "lost dots": (paced["lost"], "0", paced["lost"] == 0),
        "extra dots": (paced["extra"], "0", paced["extra"] == 0),
        **({"submissions stored / acknowledged": (f"{collect['submitted_by_phones_in_db']} / {collect['submits_acknowledged']}",
                                                   f"= {paced['tabs_open']}",
                                                   collect["submitted_by_phones_in_db"] == collect["submits_acknowledged"] == paced["tabs_open"]),
            "voting reaches every phone p95": (collect["phase_push"]["p95_ms"], f"<= {TARGETS['push_p95_s'] * 1000:.0f} ms, none missed",
                                               (collect["phase_push"]["p95_ms"] or 1e9) <= TARGETS["push_p95_s"] * 1000
                                               and collect["phase_push"]["phones_missed"] == 0)} if collect else {}),
        "dot visible p95": (paced["visible"]["p95_ms"], f"<= {TARGETS['visible_p95_s'] * 1000:.0f} ms",
                            (paced["visible"]["p95_ms"] or 1e9) <= TARGETS["visible_p95_s"] * 1000),
        "server RSS with all connected": (max(paced["rss_mb"].values()), f"<= {TARGETS['rss_mb']} MB",
                                          max(paced["rss_mb"].values()) <= TARGETS["rss_mb"]),
    }
    if burst and floor and floor.get("clicks_per_s"):
        ratio = round(burst["clicks_per_s"] / floor["clicks_per_s"], 2)
        result["vote_floor_ratio"] = ratio
        out["vote clicks / floor clicks"] = (ratio, f">= {TARGETS['vote_floor_ratio']}", ratio >= TARGETS["vote_floor_ratio"])
    if core:
        out["core dot commit / raw sqlite3"] = (core["ratio"], f">= {TARGETS['core_ratio']}", core["ratio"] >= TARGETS["core_ratio"])
    out.update(vote_route.verdicts(result.get("vote_route")))
    out.update(push_open.verdicts(result.get("push_open")))
    return out


def print_report(result: dict) -> None:
    """A readable table of the numbers and the targets."""
    paced = result["paced"]
    rows = [
        ("participants (tabs open)", f"{paced['participants']} ({paced['tabs_open']}, {paced['joined_through_form']} via join form)"),
        ("page load p50 / p95", f"{paced['page_load']['p50_ms']} / {paced['page_load']['p95_ms']} ms"),
    ]
    if paced.get("collect"):
        c = paced["collect"]
        rows += [
            ("submissions (acknowledged, in DB)", f"{c['submits']} ({c['submits_acknowledged']}, {c['submitted_by_phones_in_db']})"),
            ("submit latency p50/p95/max", "{p50_ms} / {p95_ms} / {max_ms} ms".format(**c["submit_latency"])),
            ("ballot after moderation", f"{c['ballot_size']} of {c['priorities_submitted']} priorities"),
            ("voting opened -> ballot on phone", "p50 {p50_ms} / p95 {p95_ms} / max {max_ms} ms".format(**c["phase_push"])
             + f", {c['phase_push']['phones_missed']} missed"),
        ]
    rows += [
        ("clicks (acknowledged)", f"{paced['clicks']} ({paced['clicks_acknowledged']})"),
        ("click latency p50/p95/p99/max", "{p50_ms} / {p95_ms} / {p99_ms} / {max_ms} ms".format(**paced["click_latency"])),
        ("voting took", f"{paced['vote_seconds']} s ({paced['mode']})"),
        ("clicks/s, all reruns/s", f"{paced['clicks_per_s']}, {paced['reruns_per_s']} (server CPU {paced['server_cpu_share']} cores)"),
        ("errors", json.dumps({k: v for k, v in paced["errors"].items() if k != "samples"})),
        ("lost / extra dots", f"{paced['lost']} / {paced['extra']} (shown {paced['dots_shown']}, in DB {paced['dots_in_db']})"),
        ("server RSS idle/connected/after", "{idle} / {connected} / {after} MB".format(**paced["rss_mb"])),
        ("dot insert -> in tally p50/p95/max", "{p50_ms} / {p95_ms} / {max_ms} ms".format(**paced["visible"])),
    ]
    if paced.get("live_results"):
        rows.append(("tap acked -> in every phone's live results p50/p95/max",
                     "{p50_ms} / {p95_ms} / {max_ms} ms".format(**paced["live_results"])))
    if result.get("burst"):
        b = result["burst"]
        rows.append(("vote clicks flat out", f"{b['clicks_per_s']}/s, p50/p95 {b['click_latency']['p50_ms']}/{b['click_latency']['p95_ms']} ms"
                                             f", lost/extra {b['lost']}/{b['extra']}"))
    if result.get("floor"):
        f = result["floor"]
        rows.append(("floor clicks flat out", f"{f['clicks_per_s']}/s, p50/p95 {f['click_latency']['p50_ms']}/{f['click_latency']['p95_ms']} ms"))
    if result.get("core"):
        c = result["core"]
        rows.append(("core place_dot vs raw INSERT", f"{c['place_dot_per_s']}/s vs {c['raw_insert_per_s']}/s"))
    if result.get("vote_route"):
        rows += [(name, f"rerun {rerun} | route {route} | floor {floor}")
                 for name, rerun, route, floor in vote_route.table_rows(result["vote_route"])]
    if result.get("push_open"):
        rows += [(name, f"before {before} | now {now}") for name, before, now in push_open.table_rows(result["push_open"])]
    width = max(len(k) for k, _ in rows)
    print("\n" + "\n".join(f"  {k:<{width}}  {v}" for k, v in rows))
    print("\n  targets:")
    for name, (value, target, ok) in result["verdicts"].items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {value} (target {target})")
    if paced["errors"]["samples"]:
        print("\n  error samples:\n    " + "\n    ".join(paced["errors"]["samples"]))


async def run_all(args, log) -> dict:
    """Paced vote, flat-out vote, floor, core; each on its own temp database and server."""
    result = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "participants": args.participants,
              "window": args.window, "cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()[0]}
    if os.getloadavg()[0] > (os.cpu_count() or 1) * 0.5:
        log(f"  WARNING: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other work competes with the bench")
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        tmp = Path(tmp)
        for name in ("paced", "burst", "floor"):
            (tmp / name).mkdir()
        log(f"[1/6] paced: {args.participants} participants submit a priority, then place {DOTS} dots within {args.window} s")
        result["paced"] = await scenario_app(args.participants, args.window, args.ui_share, args.seed, tmp / "paced", log,
                                             collect=True)
        if not args.skip_floor:
            log(f"[2/6] flat-out vote: {args.participants} participants click {DOTS} dots back to back")
            result["burst"] = await scenario_app(args.participants, None, args.ui_share, args.seed, tmp / "burst", log)
            log(f"[3/6] floor: {args.participants} tabs click a one-button page {DOTS} times back to back")
            result["floor"] = await scenario_floor(args.participants, tmp / "floor", log)
    if not args.skip_core:
        log("[4/6] core: place_dot vs raw sqlite3 INSERT+COMMIT")
        result["core"] = core_bench.run(seconds=args.core_seconds)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        if not args.skip_compare:
            log(f"[5/6] the same paced taps through the route, the rerun path ({baseline.BASELINE_REV}) and the floor")
            result["vote_route"] = await vote_route.run(args.participants, args.window, args.seed, Path(tmp) / "taps", log)
        if not args.skip_push:
            log(f"[6/6] voting opened -> ballot on every phone: today's app and {baseline.BASELINE_REV}")
            result["push_open"] = await push_open.run(args.participants, Path(tmp) / "push", log)
    result["loadavg_at_end"] = os.getloadavg()[0]
    times = os.times()
    result["harness_cpu_seconds"] = round(times.user + times.system, 1)
    result["verdicts"] = verdicts(result)
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run, print, write bench/results/latest.json; exit 1 when a target fails."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--participants", type=int, default=500)
    parser.add_argument("--window", type=float, default=60.0, help="seconds in which every participant places 5 dots")
    parser.add_argument("--quick", action="store_true", help="50 participants in a 20 s window")
    parser.add_argument("--ui-share", type=float, default=0.05, help="share of participants joining through the form")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-floor", action="store_true", help="skip the flat-out and floor runs")
    parser.add_argument("--skip-core", action="store_true")
    parser.add_argument("--skip-compare", action="store_true", help="skip route / rerun path / floor at the same pace")
    parser.add_argument("--skip-push", action="store_true", help="skip voting opened -> ballot, today and baseline")
    parser.add_argument("--no-readme", action="store_true", help="do not write the table into README.md")
    parser.add_argument("--core-seconds", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "latest.json")
    parser.add_argument("--app-root", type=Path, default=harness.ROOT,
                        help="run the app from this directory (a patched copy, to measure a proposed change)")
    parser.add_argument("--burst-join", action="store_true", help="only the burst-join table of the layouts")
    parser.add_argument("--skip-burst-join", action="store_true", help="leave the burst-join table out of the full run")
    parser.add_argument("--phones", default="300,500", help="burst join: phone counts (default %(default)s)")
    parser.add_argument("--layouts", default=",".join(layouts.LAYOUTS), help="burst join: layouts (default %(default)s)")
    args = parser.parse_args(argv)
    if args.burst_join:
        return run_burst_join(args)
    global APP_ROOT
    APP_ROOT = args.app_root.resolve()
    if args.quick:
        args.participants, args.window = 50, 20.0
    if args.window < 15:
        parser.error("--window must be at least 15 s")
    log = lambda text: print(text, flush=True)  # noqa: E731
    result = asyncio.run(run_all(args, log))
    print_report(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\n  written: {args.out}")
    if not (args.quick or args.no_readme):
        print(f"  table written into {readme_table.write(result)}")
    passed = all(ok for _v, _t, ok in result["verdicts"].values())
    if not args.skip_burst_join:
        passed = run_burst_join(args) == 0 and passed
    return 0 if passed else 1


def run_burst_join(args) -> int:
    """The burst-join table (direct, proxy-1, proxy-2 at each phone count); 0 when the proxy layouts meet the target."""
    phones = [50] if args.quick else [int(n) for n in args.phones.split(",")]
    print(f"burst join: {', '.join(map(str, phones))} phones within {burst_join.WINDOW_SECONDS:.0f} s on {args.layouts}")
    rows = burst_join.run_table(phones, args.layouts.split(","), readme=not (args.quick or args.no_readme))
    met = [r["failed"] == 0 and r["over_10s"] == 0 and (r["total_p95_ms"] or 1e9) <= TARGETS["join_p95_s"] * 1000
           for r in rows if r["layout"] != "direct"]
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
