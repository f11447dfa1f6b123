"""Reliability of the dot rules under concurrency: races, double taps, phase changes, reconnects.

Every test works on a real SQLite file with one connection per simulated phone,
exactly as Streamlit does (a new thread, a new connection, per rerun).
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import sqlite3
import tempfile
import threading
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from components import audit, facilitation, participation, results, seed, storage, workshops
from components.rules import RuleError

VOTING_CLOSED = "Voting is closed."


# ---------------------------------------------------------------- helpers

def new_voting_db(path: Path, budget: int = 5, cap: int = 3, extra_priorities: int = 0) -> tuple[dict, dict, list[int]]:
    """Seed the demo into `path`, set the dot rules, open question 1 for voting."""
    db = storage.open_db(path)
    storage.migrate(db)
    workshop_id = seed.seed_demo(db)
    question = workshops.list_questions(db, workshop_id)[0]
    for n in range(extra_priorities):
        facilitation.add_priority_for_room(db, question["id"], f"Extra priority {n}", "test")
    facilitation.set_dot_rules(db, question["id"], budget, cap, "test")
    facilitation.set_phase(db, question["id"], "voting", "test")
    ids = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])]
    workshop, question = workshops.get_workshop(db, workshop_id), workshops.get_question(db, question["id"])
    db.close()
    return workshop, question, ids


def run_threads(target, args_list) -> None:
    """Start one thread per args tuple and wait for all of them."""
    threads = [threading.Thread(target=target, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"


def dot_rows(db, question_id: int) -> dict[tuple[int, int], int]:
    """(participant id, priority id) -> number of dot rows."""
    return {(p, q): n for p, q, n in db.conn.execute(
        "SELECT participant_id, priority_id, count(*) FROM dot WHERE question_id = ? GROUP BY 1, 2",
        (question_id,)).fetchall()}


# ---------------------------------------------------------------- 1. budget race

def test_budget_race_50_threads_separate_connections(tmp_path):
    workshop, question, ids = new_voting_db(tmp_path / "hub.db")
    db = storage.open_db(tmp_path / "hub.db")
    ana = participation.join_workshop(db, workshop["code"])
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def click(i: int) -> None:
        conn = storage.open_db(tmp_path / "hub.db")
        barrier.wait()
        try:
            participation.place_dot(conn, ana, ids[i % len(ids)])
            result = "ok"
        except RuleError as exc:
            result = "rule"
            assert "database is locked" not in str(exc)
        except Exception as exc:  # noqa: BLE001 - any other error is what we look for
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            conn.close()
        with lock:
            outcomes.append(result)

    run_threads(click, [(i,) for i in range(50)])
    errors = [o for o in outcomes if o.startswith("error")]
    assert errors == []
    assert Counter(outcomes) == {"ok": 5, "rule": 45}
    assert participation.count_dots_used(db, question["id"], ana["id"]) == 5
    per_item = db.conn.execute("SELECT max(c) FROM (SELECT count(*) c FROM dot GROUP BY priority_id)").fetchone()[0]
    assert per_item <= question["max_dots_per_item"]
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'dot.place'").fetchone()[0] == 5
    db.close()


# ---------------------------------------------------------------- 2. stateful model of the dot rules

class DotRulesMachine(RuleBasedStateMachine):
    """A model of budgets, caps, phases and merges, checked against the core after every step."""

    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="hub-sm-"))
        self.path = self.tmp / "hub.db"
        self.conns: list = []

    @initialize(voters=st.integers(2, 3), budget=st.integers(1, 6), cap_frac=st.floats(0, 1),
                extra=st.integers(0, 2))
    def setup(self, voters, budget, cap_frac, extra):
        cap = max(1, min(budget, round(cap_frac * budget)))
        self.workshop, self.question, self.ids = new_voting_db(self.path, budget, cap, extra)
        self.budget, self.cap, self.qid = budget, cap, self.question["id"]
        self.admin = storage.open_db(self.path)
        self.phase = "voting"
        self.state = {pid: "visible" for pid in self.ids}
        self.tokens, self.people = [], []
        for _ in range(voters):
            conn = storage.open_db(self.path)
            person = participation.join_workshop(conn, self.workshop["code"])
            self.conns.append(conn)
            self.tokens.append(person["token"])
            self.people.append(person)
        self.model: Counter = Counter()  # (voter index, priority id) -> dots

    def teardown(self):
        for conn in self.conns + [getattr(self, "admin", None)]:
            if conn is not None:
                conn.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers
    def used(self, i: int) -> int:
        return sum(n for (v, _), n in self.model.items() if v == i)

    def pick(self, i: int, k: int) -> tuple[int, int]:
        return i % len(self.people), self.ids[k % len(self.ids)]

    # -- rules
    @rule(i=st.integers(0, 2), k=st.integers(0, 4), double_tap=st.booleans())
    def place(self, i, k, double_tap):
        self.place_one(*self.pick(i, k), double_tap)

    @rule(i=st.integers(0, 2), k1=st.integers(0, 4), k2=st.integers(0, 4), n=st.integers(1, 4))
    def place_spread(self, i, k1, k2, n):
        """One voter taps n times on each of two priorities (fills budgets and caps fast)."""
        for _ in range(n):
            self.place_one(*self.pick(i, k1), False)
            self.place_one(*self.pick(i, k2), False)

    def place_one(self, i: int, pid: int, double_tap: bool) -> None:
        shown = self.model[(i, pid)]
        allowed = (self.phase == "voting" and self.state[pid] == "visible"
                   and self.used(i) < self.budget and shown < self.cap)
        expected = shown if double_tap else None
        if not allowed:
            with pytest.raises(RuleError):
                participation.place_dot(self.conns[i], self.people[i], pid, expected_on_item=expected)
            return
        assert participation.place_dot(self.conns[i], self.people[i], pid, expected_on_item=expected) == shown + 1
        self.model[(i, pid)] += 1
        if double_tap:  # the same click delivered again: nothing more
            assert participation.place_dot(self.conns[i], self.people[i], pid, expected_on_item=expected) == shown + 1

    @rule(i=st.integers(0, 2), k=st.integers(0, 4), double_tap=st.booleans())
    def remove(self, i, k, double_tap):
        i, pid = self.pick(i, k)
        shown = self.model[(i, pid)]
        expected = shown if double_tap else None
        if not (self.phase == "voting" and shown > 0):
            with pytest.raises(RuleError):
                participation.remove_dot(self.conns[i], self.people[i], pid, expected_on_item=expected)
            return
        assert participation.remove_dot(self.conns[i], self.people[i], pid, expected_on_item=expected) == shown - 1
        self.model[(i, pid)] -= 1
        if double_tap:
            assert participation.remove_dot(self.conns[i], self.people[i], pid, expected_on_item=expected) == shown - 1

    @rule(i=st.integers(0, 2))
    def reconnect(self, i):
        i %= len(self.people)
        self.conns[i].close()
        self.conns[i] = storage.open_db(self.path)
        again = participation.get_participant(self.conns[i], self.tokens[i])
        assert again["id"] == self.people[i]["id"]
        assert participation.count_dots_used(self.conns[i], self.qid, again["id"]) == self.used(i)
        self.people[i] = again

    @rule()
    def close(self):
        if self.phase != "voting":
            with pytest.raises(RuleError):
                facilitation.set_phase(self.admin, self.qid, "closed", "facilitator")
            return
        facilitation.set_phase(self.admin, self.qid, "closed", "facilitator")
        self.phase = "closed"

    @rule()
    def reopen(self):
        if self.phase != "closed":
            with pytest.raises(RuleError):
                facilitation.set_phase(self.admin, self.qid, "voting", "facilitator", confirmed=True)
            return
        facilitation.set_phase(self.admin, self.qid, "voting", "facilitator", confirmed=True)
        self.phase = "voting"

    @precondition(lambda self: hasattr(self, "admin") and sum(self.model.values()) > 0)
    @rule(a=st.integers(0, 4), b=st.integers(0, 4))
    def merge(self, a, b):
        self.merge_pair(self.ids[a % len(self.ids)], self.ids[b % len(self.ids)])

    def overlapping_pairs(self) -> list[tuple[int, int]]:
        """Visible priority pairs where one voter has dots on both: merges that hit the cap."""
        live = [pid for pid in self.ids if self.state[pid] == "visible"]
        return [(s, t) for s in live for t in live if s != t
                and any(self.model[(i, s)] and self.model[(i, t)] for i in range(len(self.people)))]

    @precondition(lambda self: hasattr(self, "admin") and self.overlapping_pairs())
    @rule(n=st.integers(0, 20))
    def merge_overlapping(self, n):
        pairs = self.overlapping_pairs()
        self.merge_pair(*pairs[n % len(pairs)])

    def merge_pair(self, source: int, target: int) -> None:
        if source == target or "merged" in (self.state[source], self.state[target]):
            with pytest.raises(RuleError):
                facilitation.merge_priorities(self.admin, source, target, "facilitator")
            return
        moved = returned = 0
        for i in range(len(self.people)):
            on_source = self.model.pop((i, source), 0)
            move = min(on_source, max(0, self.cap - self.model[(i, target)]))
            self.model[(i, target)] += move
            moved, returned = moved + move, returned + on_source - move
        assert facilitation.merge_priorities(self.admin, source, target, "facilitator") == {
            "moved": moved, "returned": returned}
        self.state[source] = "merged"
        event("merge moved dots" if moved else "merge of an empty priority")
        if returned:
            event("merge returned dots over the cap")

    # -- invariants
    @invariant()
    def rules_hold_and_everything_agrees(self):
        if not hasattr(self, "admin"):
            return
        rows = dot_rows(self.admin, self.qid)
        expected = {(self.people[i]["id"], pid): n for (i, pid), n in self.model.items() if n}
        assert rows == expected
        for person in self.people:
            assert participation.count_dots_used(self.admin, self.qid, person["id"]) <= self.budget
        assert all(n <= self.cap for n in rows.values())
        assert all(self.state[pid] != "merged" for (_, pid) in rows), "dots left on a merged priority"
        tally = results.tally_question(self.admin, self.qid)
        visible = sorted(pid for pid, s in self.state.items() if s == "visible")
        assert sorted(tally["priority_id"]) == visible
        for row in tally.itertuples():
            assert row.dots == sum(n for (_, pid), n in rows.items() if pid == row.priority_id)
            assert row.supporters == len({p for (p, pid) in rows if pid == row.priority_id})
        assert replay_audit(self.admin, self.workshop["id"]) == rows


def replay_audit(db, workshop_id: int) -> dict[tuple[int, int], int]:
    """Rebuild the dot rows from the audit log alone.

    dot.place / dot.remove name the participant (actor) and priority. priority.merge
    logs only the totals moved/returned, so the per-participant split is recomputed with
    the merge rule and the cap found in the latest question.dot_rules entry, and checked
    against the logged totals.
    """
    counts: Counter = Counter()
    cap = None
    for entry in audit.list_audit(db, workshop_id):
        details = json.loads(entry["details"])
        if entry["action"] == "question.dot_rules":
            cap = details["max_dots_per_item"]
        elif entry["action"] in ("dot.place", "dot.remove"):
            voter = int(entry["actor"].split(":")[1])
            counts[(voter, details["priority_id"])] += 1 if entry["action"] == "dot.place" else -1
        elif entry["action"] == "priority.merge":
            assert cap is not None, "the audit log does not say the per-item cap used by this merge"
            moved = returned = 0
            for voter in sorted({v for (v, pid) in counts if pid == details["source_id"]}):
                on_source = counts.pop((voter, details["source_id"]))
                move = min(on_source, max(0, cap - counts[(voter, details["target_id"])]))
                counts[(voter, details["target_id"])] += move
                moved, returned = moved + move, returned + on_source - move
            assert (moved, returned) == (details["moved"], details["returned"])
    return {key: n for key, n in counts.items() if n}


DotRulesMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                             suppress_health_check=[HealthCheck.too_slow])
test_dot_rules_state_machine = DotRulesMachine.TestCase


# ---------------------------------------------------------------- 3. double tap

def test_double_tap_delivered_twice_places_one_dot(tmp_path):
    workshop, question, (p1, p2, _p3) = new_voting_db(tmp_path / "hub.db")
    db = storage.open_db(tmp_path / "hub.db")
    ana = participation.join_workshop(db, workshop["code"])
    assert [participation.place_dot(db, ana, p1, expected_on_item=0) for _ in range(2)] == [1, 1]
    assert [participation.place_dot(db, ana, p1, expected_on_item=1) for _ in range(2)] == [2, 2]
    assert [participation.remove_dot(db, ana, p1, expected_on_item=2) for _ in range(2)] == [1, 1]
    assert dot_rows(db, question["id"]) == {(ana["id"], p1): 1}
    actions = [r[0] for r in db.conn.execute("SELECT action FROM audit_log WHERE action LIKE 'dot.%' ORDER BY id")]
    assert actions == ["dot.place", "dot.place", "dot.remove"]
    db.close()


def test_double_tap_delivered_concurrently_places_one_dot(tmp_path):
    path = tmp_path / "hub.db"
    workshop, question, ids = new_voting_db(path)
    db = storage.open_db(path)
    people = [participation.join_workshop(db, workshop["code"]) for _ in range(20)]
    returned: list[tuple[int, int]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def deliver(person: dict, action, shown: int, barrier: threading.Barrier) -> None:
        conn = storage.open_db(path)
        barrier.wait()
        try:
            value = action(conn, person, ids[0], expected_on_item=shown)
            with lock:
                returned.append((person["id"], value))
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(repr(exc))
        finally:
            conn.close()

    for action, shown, after in ((participation.place_dot, 0, 1), (participation.place_dot, 1, 2),
                                 (participation.remove_dot, 2, 1)):
        returned.clear()
        args = []
        for person in people:
            barrier = threading.Barrier(2)
            args += [(person, action, shown, barrier), (person, action, shown, barrier)]
        run_threads(deliver, args)
        assert errors == []
        assert sorted(returned) == sorted([(p["id"], after) for p in people] * 2)
        assert dot_rows(db, question["id"]) == {(p["id"], ids[0]): after for p in people}
    db.close()


# ---------------------------------------------------------------- 4. phase race

def test_closing_while_dots_arrive_is_a_clean_cut(tmp_path):
    path = tmp_path / "hub.db"
    workshop, question, ids = new_voting_db(path, budget=100, cap=100)
    db = storage.open_db(path)
    people = [participation.join_workshop(db, workshop["code"]) for _ in range(8)]
    placed: Counter = Counter()
    ops = [0]
    refusals: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = threading.Barrier(len(people) + 1)

    def vote(person: dict) -> None:
        conn = storage.open_db(path)
        rng = random.Random(person["id"])
        started.wait()
        mine: Counter = Counter()
        try:
            while True:
                # place until 3 short of the budget, then keep moving dots: never a budget refusal
                pid = rng.choice(ids)
                remove = sum(mine.values()) >= 97 or (mine[pid] and rng.random() < 0.3)
                try:
                    if remove:
                        pid = pid if mine[pid] else max(mine, key=mine.get)
                        participation.remove_dot(conn, person, pid)
                    else:
                        participation.place_dot(conn, person, pid)
                except RuleError as exc:
                    with lock:
                        refusals.append(exc.msgid)
                    return
                mine[pid] += -1 if remove else 1
                with lock:
                    placed[person["id"]] += -1 if remove else 1
                    ops[0] += 1
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(repr(exc))
        finally:
            conn.close()

    def close_mid_way() -> None:
        conn = storage.open_db(path)
        started.wait()
        try:
            while ops[0] < 80:
                threading.Event().wait(0.002)
            try:
                facilitation.set_dot_rules(conn, question["id"], 50, 10, "facilitator")
                errors.append("set_dot_rules was accepted during voting")
            except RuleError as exc:
                assert "frozen" in str(exc)
            facilitation.set_phase(conn, question["id"], "closed", "facilitator")
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(repr(exc))
        finally:
            conn.close()

    run_threads(lambda f, *a: f(*a), [(vote, p) for p in people] + [(close_mid_way,)])
    assert errors == []
    assert refusals == [VOTING_CLOSED] * len(people)
    rows = dot_rows(db, question["id"])
    assert sum(rows.values()) == sum(placed.values()) and ops[0] >= 80
    assert {p: sum(n for (v, _), n in rows.items() if v == p) for p in placed} == dict(placed)
    close_id, closed_at = db.conn.execute(
        "SELECT a.id, q.phase_changed_at FROM audit_log a JOIN question q ON q.id = json_extract(a.details, '$.question_id')"
        " WHERE a.action = 'question.phase' AND json_extract(a.details, '$.new') = 'closed'").fetchone()
    last_vote = db.conn.execute("SELECT max(id) FROM audit_log WHERE action IN ('dot.place', 'dot.remove')").fetchone()[0]
    assert last_vote < close_id, "a dot was placed or removed after voting closed"
    assert db.conn.execute("SELECT max(created_at) FROM dot").fetchone()[0] <= closed_at
    rules_now = workshops.get_question(db, question["id"])
    assert (rules_now["dots_per_participant"], rules_now["max_dots_per_item"], rules_now["phase"]) == (100, 100, "closed")
    # after the close nothing moves, whoever clicks
    for person in people:
        with pytest.raises(RuleError, match="Voting is closed"):
            participation.place_dot(db, person, ids[0])
        with pytest.raises(RuleError, match="Voting is closed"):
            participation.remove_dot(db, person, ids[0])
    assert dot_rows(db, question["id"]) == rows
    db.close()


def test_set_dot_rules_refused_during_voting_and_closed(tmp_path):
    path = tmp_path / "hub.db"
    workshop, question, ids = new_voting_db(path, budget=5, cap=3)
    db = storage.open_db(path)
    with pytest.raises(RuleError, match="frozen"):
        facilitation.set_dot_rules(db, question["id"], 9, 2, "facilitator")
    facilitation.set_phase(db, question["id"], "closed", "facilitator")
    with pytest.raises(RuleError, match="frozen"):
        facilitation.set_dot_rules(db, question["id"], 9, 2, "facilitator")
    row = workshops.get_question(db, question["id"])
    assert (row["dots_per_participant"], row["max_dots_per_item"]) == (5, 3)
    db.close()


def test_dot_rules_cannot_shrink_under_placed_dots(tmp_path):
    path = tmp_path / "hub.db"
    workshop, question, (p1, *_rest) = new_voting_db(path, budget=5, cap=3)
    db = storage.open_db(path)
    ana = participation.join_workshop(db, workshop["code"])
    for _ in range(3):
        participation.place_dot(db, ana, p1)
    facilitation.set_phase(db, question["id"], "collecting", "facilitator", confirmed=True)
    with pytest.raises(RuleError, match="once dots have been placed"):
        facilitation.set_dot_rules(db, question["id"], 2, 1, "facilitator")
    row = workshops.get_question(db, question["id"])
    used = participation.count_dots_used(db, question["id"], ana["id"])
    on_item = participation.count_dots_on(db, p1, ana["id"])
    assert used <= row["dots_per_participant"] and on_item <= row["max_dots_per_item"]
    db.close()


# ---------------------------------------------------------------- 6. pragmas on every connection

def assert_pragmas(conn: sqlite3.Connection) -> None:
    """WAL, synchronous NORMAL, a real busy timeout, foreign keys on."""
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_pragmas_on_open_db_new_and_existing_file(tmp_path):
    fresh = storage.open_db(tmp_path / "new" / "hub.db")
    assert_pragmas(fresh.conn)
    storage.migrate(fresh)
    fresh.close()
    again = storage.open_db(tmp_path / "new" / "hub.db")
    assert_pragmas(again.conn)
    again.close()


def test_pragmas_on_thread_db_in_every_thread(db_path):
    seen: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def rerun() -> None:
        try:
            conn = storage.thread_db()
            assert conn is storage.thread_db()  # one connection per thread (= per rerun)
            assert_pragmas(conn.conn)
            with lock:
                seen.append(id(conn))
            conn.close()
        except Exception as exc:  # noqa: BLE001
            with lock:
                failures.append(repr(exc))

    run_threads(rerun, [()] * 6)
    assert failures == []
    assert len(seen) == 6
    check = storage.open_db(db_path)
    assert "dot" in check.table_names()  # thread_db migrated the file
    check.close()


# ---------------------------------------------------------------- 7. contention: 200 writers + export + backup



@pytest.mark.parametrize("with_exports", [False, True])
def test_200_writers_with_export_and_online_backup(tmp_path, with_exports):
    path = tmp_path / "hub.db"
    workshop, question, ids = new_voting_db(path, budget=5, cap=3, extra_priorities=3)
    writers = 200
    planned: dict[int, int] = {}
    by_writer: dict[int, int] = {}
    errors: list[str] = []
    done = Counter()
    lock = threading.Lock()
    all_done = threading.Event()
    halfway = threading.Event()
    backup_started = threading.Event()
    backup_file = tmp_path / "backup" / "hub-backup.db"
    tallies: list[int] = []
    exported: list[int] = []
    backup_window: list[int] = []
    exporters = ["components.exports"] if with_exports else []

    def writer(n: int) -> None:
        rng = random.Random(n)
        conn = None
        try:
            conn = storage.open_db(path)
            person = participation.join_workshop(conn, workshop["code"], None, {"country": "Serbia"})
            want = rng.randint(1, 3)
            if n % 2:  # odd writers vote only once the backup has started: the backup is mid-way by construction
                assert backup_started.wait(timeout=60)
            for _ in range(want):
                participation.place_dot(conn, person, rng.choice(ids))
            with lock:
                planned[person["id"]] = want
                by_writer[n] = want
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(f"writer {n}: {type(exc).__name__}: {exc}")
        finally:
            if conn is not None:
                conn.close()
            with lock:
                done["writers"] += 1
                done["even"] += n % 2 == 0
                if done["even"] == writers // 2:
                    halfway.set()
                if done["writers"] == writers:
                    all_done.set()

    def exporter() -> None:
        conn = storage.open_db(path)
        try:
            while not all_done.is_set():
                tally = results.tally_question(conn, question["id"])
                tallies.append(int(tally["dots"].sum()))
                for name in exporters:
                    exported.append(len(run_export(name, conn, workshop)))
        except Exception as exc:  # noqa: BLE001
            errors.append(f"export: {type(exc).__name__}: {exc}")
        finally:
            conn.close()

    def backer() -> None:
        halfway.wait(timeout=60)
        conn = storage.open_db(path)
        try:
            backup_window.append(conn.conn.execute("SELECT count(*) FROM dot").fetchone()[0])
            backup_started.set()
            storage.backup_to(conn, backup_file)
            backup_window.append(conn.conn.execute("SELECT count(*) FROM dot").fetchone()[0])
        except Exception as exc:  # noqa: BLE001
            errors.append(f"backup: {type(exc).__name__}: {exc}")
        finally:
            conn.close()

    run_threads(lambda f, *a: f(*a), [(writer, n) for n in range(writers)] + [(exporter,), (backer,)])
    assert errors == []
    assert len(planned) == writers
    db = storage.open_db(path)
    rows = dot_rows(db, question["id"])
    assert {p: sum(n for (v, _), n in rows.items() if v == p) for p in planned} == planned
    assert len(tallies) >= 1 and tallies == sorted(tallies), "an export saw dots disappear"
    assert len(exported) == len(exporters) * len(tallies) and all(exported)
    assert tallies[-1] <= sum(planned.values())
    db.close()

    backup = storage.open_db(backup_file)
    assert storage.integrity_ok(backup)
    backed_rows = dot_rows(backup, question["id"])
    total = sum(backed_rows.values())
    even_dots = sum(want for n, want in by_writer.items() if n % 2 == 0)
    assert backup_window[0] == even_dots  # the backup started after exactly the even writers' dots
    assert even_dots <= total <= backup_window[1] <= sum(planned.values())
    tally = results.tally_question(backup, question["id"])
    by_priority = Counter()
    for (_, pid), n in backed_rows.items():
        by_priority[pid] += n
    assert dict(zip(tally["priority_id"], tally["dots"])) == {pid: by_priority.get(pid, 0) for pid in ids}
    # the backup is a transaction-consistent snapshot: every dot has its audit row
    assert backup.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'dot.place'").fetchone()[0] == total
    backup.close()


def run_export(module_name: str, conn, workshop: dict) -> bytes:
    """Build the CSV and JSON exports of the whole workshop, as an organiser would mid-vote."""
    module = importlib.import_module(module_name)
    csv = module.export_bytes(conn, workshop["id"], "csv")
    data = module.export_bytes(conn, workshop["id"], "json")
    assert csv.startswith(b"\xef\xbb\xbf") and json.loads(data)
    return csv + data


# ---------------------------------------------------------------- 14. reconnect after a long drop

def test_participant_back_after_a_long_drop_keeps_identity_and_dots(tmp_path):
    path = tmp_path / "hub.db"
    workshop, question, (p1, p2, p3) = new_voting_db(path, budget=5, cap=3)
    phone = storage.open_db(path)
    ana = participation.join_workshop(phone, workshop["code"], "Ana")
    participation.place_dot(phone, ana, p1)
    participation.place_dot(phone, ana, p2)
    token = ana["token"]
    phone.close()  # the phone drops off the venue Wi-Fi

    # The room carries on for "minutes": others vote, and Ana's rows age by three minutes.
    room = storage.open_db(path)
    for _ in range(10):
        other = participation.join_workshop(room, workshop["code"])
        participation.place_dot(room, other, p3)
    room.conn.execute("UPDATE participant SET joined_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 minutes')"
                      " WHERE id = ?", (ana["id"],))
    room.conn.execute("UPDATE dot SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 minutes')"
                      " WHERE participant_id = ?", (ana["id"],))
    room.conn.commit()
    room.close()

    back = storage.open_db(path)
    again = participation.get_participant(back, token)
    assert again is not None and again["id"] == ana["id"] and again["display_name"] == "Ana"
    assert participation.count_dots_used(back, question["id"], again["id"]) == 2
    assert results.list_my_dots(back, question["id"], again["id"]) == {p1: 1, p2: 1}
    assert [participation.place_dot(back, again, pid) for pid in (p1, p1, p3)] == [2, 3, 1]
    with pytest.raises(RuleError, match="used all 5"):
        participation.place_dot(back, again, p2)
    assert participation.count_dots_used(back, question["id"], again["id"]) == 5
    assert back.conn.execute("SELECT count(*) FROM participant WHERE token = ?", (token,)).fetchone()[0] == 1
    back.close()
