"""Several server processes on one SQLite file: pushes cross processes, budgets hold, caches age out.

Two real `streamlit run` processes share a temporary database; phones are protocol-level tabs
(bench/harness.py) held by one process or the other, and changes are committed by yet another
process (this test's), as a facilitator's tab on a third process would.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench import harness
from components import facilitation, feed, participation, routes, storage, workshops
from components.ui import projector
from tests.browser.conftest import seed_database

ROOT = Path(__file__).resolve().parent.parent
# A phone's own check waits this long: whatever arrives sooner was pushed by a watcher.
NO_POLL_ENV = {"HUB_PHASE_POLL_SECONDS": "600"}


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Two Streamlit processes on one database with the demo workshop; yields (urls, db file, workshop id)."""
    tmp = tmp_path_factory.mktemp("two")
    db_file = tmp / "hub.db"
    workshop_id, _code = seed_database(db_file)
    started = []
    try:
        for n in (1, 2):
            started.append(harness.start_server(ROOT / "app.py", db_file, tmp / f"streamlit-{n}.log", NO_POLL_ENV))
        yield [url for _proc, url in started], db_file, workshop_id
    finally:
        for proc, _url in started:
            harness.stop_server(proc)


def run_apart(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API keeps a loop running in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def join(db_file: Path, workshop_id: int, name: str) -> str:
    """A participant joined through the core; returns the token of their link."""
    db = storage.open_db(db_file)
    try:
        return participation.join_workshop(db, workshops.get_workshop(db, workshop_id)["code"], name)["token"]
    finally:
        db.close()


def has_results(client: harness.Client) -> bool:
    """The phone draws the live results element."""
    return any(e.component_name == "hub_results" for _p, e in client.widgets("bidi_component"))


def test_phase_merge_and_reveal_reach_a_phone_on_the_other_process(two_processes):
    urls, db_file, workshop_id = two_processes
    token = join(db_file, workshop_id, "Phone on process 2")
    db = storage.open_db(db_file, check_same_thread=False)  # used from the scenario's own thread
    question = workshops.list_questions(db, workshop_id)[0]

    async def scenario() -> dict:
        phone = harness.Client(urls[1], f"t={token}", "phone")
        await phone.connect()
        try:
            await phone.load_page()
            assert harness.read_ballot(phone) == {}  # collecting: the submission form, no ballot
            delays = {}
            started = time.monotonic()
            facilitation.set_phase(db, question["id"], "voting", "another process")
            await phone.wait_full_run(lambda: len(harness.read_ballot(phone)) == 3, 30)
            delays["phase"] = time.monotonic() - started
            ids = sorted(harness.read_ballot(phone))
            started = time.monotonic()
            facilitation.merge_priorities(db, ids[1], ids[0], "another process")
            await phone.wait_full_run(lambda: sorted(harness.read_ballot(phone)) == [ids[0], ids[2]], 30)
            delays["merge"] = time.monotonic() - started
            started = time.monotonic()
            facilitation.set_results_visibility(db, question["id"], "live", "another process")
            await phone.wait_full_run(lambda: has_results(phone), 30)
            delays["reveal"] = time.monotonic() - started
            assert phone.stats.exceptions == []
            return delays
        finally:
            await phone.close()

    try:
        delays = run_apart(scenario())
    finally:
        db.close()
    print(f"pushed to the other process after (s): {delays}")  # the watcher reads once a second


def test_one_participant_in_two_tabs_on_two_processes_keeps_the_budget(two_processes):
    """Each participant's two tabs, one per process, and a third writer thread all add dots flat out."""
    urls, db_file, workshop_id = two_processes
    db = storage.open_db(db_file)
    question = workshops.list_questions(db, workshop_id)[0]
    if question["phase"] != "voting":
        facilitation.set_phase(db, question["id"], "voting", "t")
    question = workshops.get_question(db, question["id"])
    tokens = [join(db_file, workshop_id, f"Two tabs {n}") for n in range(4)]
    stop = threading.Event()

    def core_writer(token: str) -> None:
        """Another process's writer for the same participant: place dots by the core until the budget says no."""
        own = storage.open_db(db_file, check_same_thread=False)
        participant = participation.get_participant(own, token)
        rng = random.Random(token)
        try:
            while not stop.is_set():
                ids = [p["id"] for p in workshops.list_visible_priorities(own, question["id"])]
                pid = rng.choice(ids)
                try:
                    participation.place_dot(own, participant, pid, participation.count_dots_on(own, pid, participant["id"]))
                except Exception:  # a refusal (budget, cap, changed count) is the point of the test
                    pass
                time.sleep(0.005)
        finally:
            own.close()

    async def hammer(tab: harness.Client, rng: random.Random) -> None:
        for _ in range(30):
            ballot = harness.read_ballot(tab)
            open_ids = [pid for pid, item in ballot.items() if item["open"]]
            if not open_ids:
                return
            pid = rng.choice(open_ids)
            await tab.vote(ballot[pid]["ballot"], pid, "add", ballot[pid]["dots"] or 0)

    async def scenario() -> list[list]:
        tabs = [harness.Client(urls[n % 2], f"t={token}", f"tab{n}") for token in tokens for n in (0, 1)]
        writers = [threading.Thread(target=core_writer, args=(t,)) for t in tokens]
        try:
            for tab in tabs:
                await tab.connect()
                await tab.load_page()
                await tab.wait_full_run(lambda tab=tab: bool(harness.read_ballot(tab)), 30)
            for writer in writers:
                writer.start()
            await asyncio.gather(*(hammer(tab, random.Random(i)) for i, tab in enumerate(tabs)))
            return [tab.stats.exceptions for tab in tabs]
        finally:
            stop.set()
            for writer in writers:
                if writer.is_alive():
                    writer.join()
            await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)

    exceptions = run_apart(scenario())
    try:
        rows = db.conn.execute("SELECT p.token, d.priority_id, count(*) FROM dot d JOIN participant p ON p.id = d.participant_id"
                               " WHERE d.question_id = ? AND p.token IN (?, ?, ?, ?) GROUP BY 1, 2",
                               (question["id"], *tokens)).fetchall()
        per_participant = {t: sum(c for tok, _pid, c in rows if tok == t) for t in tokens}
        assert per_participant == {t: question["dots_per_participant"] for t in tokens}
        assert max(c for _t, _pid, c in rows) <= question["max_dots_per_item"]
        audit_adds = db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'dot.place' AND workshop_id = ?",
                                     (workshop_id,)).fetchone()[0]
        audit_removes = db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'dot.remove' AND workshop_id = ?",
                                        (workshop_id,)).fetchone()[0]
        dots = db.conn.execute("SELECT count(*) FROM dot WHERE question_id = ?", (question["id"],)).fetchone()[0]
        assert audit_adds - audit_removes == dots  # every dot row has its audit row, no more
        assert exceptions == [[]] * len(exceptions)
    finally:
        db.close()


def place_dot_in_another_process(db_file: Path, token: str, priority_id: int) -> None:
    """Commit one dot from a separate Python process."""
    code = ("from components import participation, storage; db = storage.open_db(%r); "
            "p = participation.get_participant(db, %r); participation.place_dot(db, p, %d)") % (str(db_file), token, priority_id)
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_phone_tally_cache_never_serves_another_process_commit_after_its_ttl(db, db_path, voting, monkeypatch):
    workshop, question, ids = voting
    token = participation.join_workshop(db, workshop["code"], "Ana")["token"]
    clock = [1000.0]
    monkeypatch.setattr(routes.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(routes, "_tallies", {})
    before = {r["priority_id"]: r["dots"] for r in routes.cached_tally(db, question["id"])}
    place_dot_in_another_process(db_path, token, ids[0])
    clock[0] += routes.TALLY_CACHE_SECONDS * 0.99
    assert {r["priority_id"]: r["dots"] for r in routes.cached_tally(db, question["id"])} == before  # within the TTL
    clock[0] += routes.TALLY_CACHE_SECONDS * 0.02
    after = {r["priority_id"]: r["dots"] for r in routes.cached_tally(db, question["id"])}
    assert after == {**before, ids[0]: before[ids[0]] + 1}


def test_projector_snapshot_never_serves_another_process_commit_after_its_ttl(db, db_path, voting):
    workshop, question, ids = voting
    token = participation.join_workshop(db, workshop["code"], "Ana")["token"]
    projector.load_snapshot.clear()
    dots_before = projector.load_snapshot(workshop["id"], question["id"])["counts"]["dots"]
    place_dot_in_another_process(db_path, token, ids[0])
    time.sleep(projector.SNAPSHOT_TTL_SECONDS)  # the TTL itself is what is tested: no wait for a condition
    assert projector.load_snapshot(workshop["id"], question["id"])["counts"]["dots"] == dots_before + 1


def test_cache_ttls_are_documented():
    readme = (ROOT / "README.md").read_text()
    assert f"| projector snapshot | {projector.SNAPSHOT_TTL_SECONDS:g} s |" in readme
    assert f"| phone ballot answers' tally (`/api/ballot`) | {routes.TALLY_CACHE_SECONDS:g} s |" in readme
    assert f"| live tallies in the phones' feed | {feed.RESULTS_EVERY_SECONDS:g} s |" in readme
