"""The same human-paced swarm of taps against the vote route, the old rerun path and the floor.

N phones open their page (a real Streamlit tab each) on a 24-priority ballot and place 5 dots at
the same random moments within the window, three times:
- route: today's app, each tap a POST /api/vote as ballot.js sends it;
- rerun: the baseline app (bench.baseline), each tap a trigger value and a fragment rerun;
- floor: bench/floor_app.py, a one-button Streamlit page clicked at the same moments.
Tap -> acknowledged latency, lost and extra dots (screen against database) and server CPU, side by side.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from bench import baseline, harness

FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"


def pace(seed_value: int, index: int, window: float) -> tuple[random.Random, list[float]]:
    """Phone `index`'s random source and its 5 tap moments: the same in every variant (as bench.run)."""
    from bench import run as bench_run

    rng = random.Random(seed_value * 100_003 + index)
    return rng, sorted(rng.uniform(0, window - 10) for _ in range(bench_run.DOTS))


async def scenario_taps(root: Path, path: str, n: int, window: float, seed_value: int, tmp: Path, log) -> dict:
    """N phones on the app in `root` tap 5 dots within the window through `path` ("route" or "rerun")."""
    from bench import run as bench_run

    tmp.mkdir(parents=True, exist_ok=True)
    info = baseline.seed(root, tmp / "hub.db", n, "voting")
    proc, url = harness.start_server(root / "app.py", tmp / "hub.db", tmp / "streamlit.log", cwd=root)
    clients: list[harness.Client] = []
    try:
        factories = [lambda t=t, i=i: bench_run.open_participant(url, t, f"v{i}") for i, t in enumerate(info["tokens"])]
        clients, _loads, failures = await bench_run.connect_all(factories)
        log(f"  {path}: {len(clients)} phones open; tapping over {window:.0f} s")
        record = {"latencies": [], "done_at": [], "acked": 0, "not_acked": 0, "no_button": 0, "click_failures": []}
        runs_before = sum(c.stats.runs_finished for c in clients)
        cpu_before = harness.read_cpu_seconds(proc.pid)
        start = time.perf_counter()
        tasks = []
        for index, client in enumerate(clients):
            rng, offsets = pace(seed_value, index, window)
            tasks.append(bench_run.place_dots(client, rng, start, offsets, record, path))
        await asyncio.wait_for(asyncio.gather(*tasks), window + 300)
        seconds = (max(record["done_at"]) if record["done_at"] else time.perf_counter()) - start
        cpu = (harness.read_cpu_seconds(proc.pid) or 0) - (cpu_before or 0)
        check = bench_run.check_against_db(tmp / "hub.db", info["question_id"], clients)
        return {"phones": len(clients), "connect_failures": len(failures), "taps": len(record["latencies"]),
                "acknowledged": record["acked"], "not_acknowledged": record["not_acked"],
                "failures": len(record["click_failures"]), "latency": bench_run.summarise_ms(record["latencies"]),
                "reruns": sum(c.stats.runs_finished for c in clients) - runs_before,
                "server_cpu_share": round(cpu / seconds, 2) if seconds > 0 else None,
                "lost": check["lost"], "extra": check["extra"], "dots_in_db": check["db_total"],
                "errors": bench_run.client_errors(clients)}
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        harness.stop_server(proc)
        bench_run.keep_log(tmp / "streamlit.log", f"{tmp.parent.name}-{tmp.name}-streamlit.log")


async def scenario_floor(n: int, window: float, seed_value: int, tmp: Path, log) -> dict:
    """The floor page clicked 5 times per tab at the same moments as the phones' taps."""
    from bench import run as bench_run

    tmp.mkdir(parents=True, exist_ok=True)
    proc, url = harness.start_server(FLOOR_APP, tmp / "floor.db", tmp / "floor.log", cwd=harness.ROOT)
    clients: list[harness.Client] = []
    try:
        async def open_floor(i):
            client = harness.Client(url, "", f"f{i}")
            await client.connect()
            return client, await client.load_page()

        clients, _loads, failures = await bench_run.connect_all([lambda i=i: open_floor(i) for i in range(n)])
        log(f"  floor: {len(clients)} tabs open; clicking over {window:.0f} s")
        latencies = []
        start = time.perf_counter()

        async def click_five(index, client):
            _rng, offsets = pace(seed_value, index, window)
            for offset in offsets:
                await asyncio.sleep(max(0.0, start + offset - time.perf_counter()))
                try:
                    latencies.append(await client.click(client.button(key_part="floor_add").id))
                except (asyncio.TimeoutError, ConnectionError):
                    return

        await asyncio.wait_for(asyncio.gather(*(click_five(i, c) for i, c in enumerate(clients))), window + 300)
        return {"tabs": len(clients), "connect_failures": len(failures), "clicks": len(latencies),
                "latency": bench_run.summarise_ms(latencies), "errors": bench_run.client_errors(clients)}
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        harness.stop_server(proc)


async def run(n: int, window: float, seed_value: int, tmp: Path, log) -> dict:
    """Route, rerun path and floor, one after the other, at the same pace."""
    route = await scenario_taps(harness.ROOT, "route", n, window, seed_value, tmp / "route", log)
    old_app = baseline.extract(baseline.BASELINE_REV, tmp / "baseline-app")
    rerun = await scenario_taps(old_app, "rerun", n, window, seed_value, tmp / "rerun", log)
    floor = await scenario_floor(n, window, seed_value, tmp / "floor", log)
    floor_p95 = floor["latency"]["p95_ms"]
    return {"phones": n, "window": window, "route": route, "rerun": rerun, "floor": floor,
            "route_vs_floor_p95": round(route["latency"]["p95_ms"] / floor_p95, 2) if floor_p95 else None}


def table_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """(measure, rerun path, route, floor) rows for the README table."""
    route, rerun, floor = result["route"], result["rerun"], result["floor"]
    fmt = "{p50_ms:,.0f} / {p95_ms:,.0f} / {p99_ms:,.0f} ms".format
    return [
        (f"tap -> acknowledged p50 / p95 / p99 ({result['phones']} phones x 5, {result['window']:.0f} s)",
         fmt(**rerun["latency"]), fmt(**route["latency"]), fmt(**floor["latency"])),
        ("taps acknowledged / failed", f"{rerun['acknowledged']} / {rerun['failures']}",
         f"{route['acknowledged']} / {route['failures']}", f"{floor['clicks']} / {result['phones'] * 5 - floor['clicks']}"),
        ("lost / extra dots", f"{rerun['lost']} / {rerun['extra']}", f"{route['lost']} / {route['extra']}", "—"),
        ("server CPU while tapping (cores)", str(rerun["server_cpu_share"]), str(route["server_cpu_share"]), "—"),
    ]


P95_TARGET_MS = 500  # tap -> acknowledged, and at most half the floor's p95 at the same pace


def verdicts(result: dict | None) -> dict:
    """Each target of this scenario: (value, target, pass)."""
    if not result:
        return {}
    route, floor_p95 = result["route"], result["floor"]["latency"]["p95_ms"]
    p95 = route["latency"]["p95_ms"] or 1e9
    return {
        "route tap p95 (same pace as the floor)": (route["latency"]["p95_ms"], f"<= {P95_TARGET_MS} ms and <= half the floor's"
                                                   f" {floor_p95} ms", p95 <= P95_TARGET_MS and p95 <= (floor_p95 or 0) / 2),
        "route lost / extra dots": (f"{route['lost']} / {route['extra']}", "0 / 0", route["lost"] == route["extra"] == 0),
        "route taps acknowledged": (route["acknowledged"], f"= {result['phones'] * 5}",
                                    route["acknowledged"] == result["phones"] * 5),
    }
