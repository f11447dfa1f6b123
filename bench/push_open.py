"""Voting opened -> ballot on every phone: N phones wait on the collecting screen, then voting opens.

Each phone is a real tab on the Streamlit websocket (bench.harness.Client) and, as ballot.js does,
holds the GET /api/feed stream; when it says voting opened the phone fetches GET /api/ballot. A phone
has its ballot at the first of: that fetch, or its page's pushed rerun drawing the ballot. The
baseline app (bench.baseline) has no such route: its phones only get the pushed rerun.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from bench import baseline, harness

CONNECT_CONCURRENCY = 16
WAIT_FOR_BALLOT_SECONDS = 60


def page_data(client: harness.Client) -> dict:
    """The ballot element's data on the phone's page ({} when there is none)."""
    for _path, element in client.widgets("bidi_component"):
        if element.component_name == harness.BALLOT_COMPONENT and element.json:
            return json.loads(element.json)
    return {}


def follow_feed(client: harness.Client) -> asyncio.Task | None:
    """Hold the phone's feed like ballot.js: fetch the ballot when voting opens, note each live tally.

    None for a page without a feed (the baseline). client.tallies gets (time.perf_counter(), dots in
    the room's tally) for every live-results message, to time dots against (results_lag).
    """
    from bench.phone_http import PhoneHttp

    data = page_data(client)
    if "endpoints" not in data:
        return None
    client.http = client.http or PhoneHttp(client.base_url, data["token"])
    client.ballot_arrived, client.tallies = asyncio.Event(), []
    question = str(data["question"])

    async def follow() -> None:
        fetched = data["phase"] == "voting"
        while not client.closing:
            try:
                async for message in client.http.feed():
                    if question in message["results"]:
                        client.tallies.append((time.perf_counter(), sum(row["dots"] for row in message["results"][question])))
                    if message["phases"].get(question) == "voting" and not fetched:
                        fetched = True
                        status, answer = await client.http.ballot(data["question"])
                        if status == 200 and answer.get("ballot"):
                            client.ballot_view = answer["ballot"]
                            client.ballot_arrived.set()
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                await asyncio.sleep(1)  # as ballot.js: open a new stream after a pause

    client.feed_task = asyncio.create_task(follow())
    return client.feed_task


def results_lag(clients: list[harness.Client], acked_at: list[float]) -> dict:
    """How long after each dot was acknowledged (time.perf_counter()) every following phone saw it in its live tally."""
    from bench import run as bench_run

    acked = sorted(acked_at)  # the k-th acknowledgement: when the room's total reached k (adds only)
    lags = []
    for client in clients:
        seen = getattr(client, "tallies", [])
        index = 0
        for k, at in enumerate(acked, start=1):
            while index < len(seen) and (seen[index][1] < k or seen[index][0] < at):
                index += 1
            if index < len(seen):
                lags.append(seen[index][0] - at)
    return bench_run.summarise_ms(lags)


async def ballot_arrives(client: harness.Client, size: int, timeout: float) -> None:
    """Wait until the phone shows a ballot of `size` priorities, by its own fetch or its page's rerun."""
    deadline = time.monotonic() + timeout
    while len(harness.read_ballot(client)) != size:
        left = deadline - time.monotonic()
        if left <= 0:
            client.stats.timeouts += 1
            raise asyncio.TimeoutError("no ballot on the phone")
        waits = [asyncio.ensure_future(client.expect_run_end(""))]
        if getattr(client, "ballot_arrived", None) is not None:
            waits.append(asyncio.ensure_future(client.ballot_arrived.wait()))
        done, pending = await asyncio.wait(waits, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                raise task.exception()


async def scenario(root: Path, n: int, tmp: Path, log) -> dict:
    """N phones on the collecting screen of the app in `root`; open voting; time until each has the ballot."""
    from bench import run as bench_run

    tmp.mkdir(parents=True, exist_ok=True)
    info = baseline.seed(root, tmp / "hub.db", n, "collecting")
    proc, url = harness.start_server(root / "app.py", tmp / "hub.db", tmp / "streamlit.log", cwd=root)
    clients: list[harness.Client] = []
    tasks = []
    try:
        factories = [lambda t=t, i=i: bench_run.open_participant(url, t, f"o{i}") for i, t in enumerate(info["tokens"])]
        clients, _loads, failures = await bench_run.connect_all(factories, CONNECT_CONCURRENCY)
        tasks = [task for task in (follow_feed(c) for c in clients) if task is not None]
        await asyncio.sleep(2)  # every feed is open and every page idle, as in a quiet room
        log(f"  {len(clients)} phones on the collecting screen ({len(tasks)} holding a feed); opening voting")
        cpu_before = harness.read_cpu_seconds(proc.pid)
        opened = baseline.set_phase(root, tmp / "hub.db", info["question_id"], "voting")
        arrived, redrawn, missed = [], [], 0

        async def one(client):
            nonlocal missed
            try:
                await ballot_arrives(client, baseline.BALLOT_SIZE, WAIT_FOR_BALLOT_SECONDS)
                arrived.append(time.time() - opened)
                client.ballot_view = None  # from here on, wait for the page's own redraw
                await ballot_arrives(client, baseline.BALLOT_SIZE, WAIT_FOR_BALLOT_SECONDS)
                redrawn.append(time.time() - opened)
            except (asyncio.TimeoutError, ConnectionError):
                missed += 1

        await asyncio.gather(*(one(c) for c in clients))
        seconds = max(redrawn, default=0)
        cpu = (harness.read_cpu_seconds(proc.pid) or 0) - (cpu_before or 0)
        return {"phones": len(clients), "connect_failures": len(failures), "feeds": len(tasks),
                "ballot": bench_run.summarise_ms(arrived), "page_redrawn": bench_run.summarise_ms(redrawn),
                "missed": missed, "server_cpu_seconds": round(cpu, 2), "seconds": round(seconds, 2),
                "errors": bench_run.client_errors(clients)}
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, *(c.close() for c in clients), return_exceptions=True)
        harness.stop_server(proc)
        bench_run.keep_log(tmp / "streamlit.log", f"{tmp.parent.name}-{tmp.name}-streamlit.log")


async def run(n: int, tmp: Path, log) -> dict:
    """The push scenario on today's app and on the baseline, one after the other."""
    log(f"  today's app: {n} phones")
    now = await scenario(harness.ROOT, n, tmp / "now", log)
    log(f"  baseline {baseline.BASELINE_REV}: {n} phones")
    before = await scenario(baseline.extract(baseline.BASELINE_REV, tmp / "baseline-app"), n, tmp / "before", log)
    return {"phones": n, "before": before, "now": now}


def table_rows(result: dict) -> list[tuple[str, str, str]]:
    """(measure, before, now) rows for the README table."""
    before, now = result["before"], result["now"]
    fmt = lambda r, key: "{p50_ms:,.0f} / {p95_ms:,.0f} / {max_ms:,.0f} ms".format(**r[key]) \
        if r[key]["n"] else "none"  # noqa: E731
    return [
        (f"voting opened -> ballot on the phone, p50 / p95 / max ({result['phones']} phones)",
         fmt(before, "ballot") + f", {before['missed']} missed", fmt(now, "ballot") + f", {now['missed']} missed"),
        ("voting opened -> whole page redrawn, p50 / p95 / max", fmt(before, "page_redrawn"), fmt(now, "page_redrawn")),
        ("server CPU for the opening", f"{before['server_cpu_seconds']} s", f"{now['server_cpu_seconds']} s"),
    ]


def target_seconds(phones: int) -> float:
    """The issue's target for voting opened -> ballot on every phone: 3 s p95 up to 300 phones, 5 s at 500."""
    return 3.0 if phones <= 300 else 5.0


def verdicts(result: dict | None) -> dict:
    """Each target of this scenario: (value, target, pass)."""
    if not result:
        return {}
    now, target = result["now"], target_seconds(result["phones"])
    return {f"voting opened -> ballot p95 ({result['phones']} phones)": (
        now["ballot"]["p95_ms"], f"<= {target * 1000:.0f} ms, none missed",
        (now["ballot"]["p95_ms"] or 1e9) <= target * 1000 and now["missed"] == 0)}
