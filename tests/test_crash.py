"""Crash safety: SIGKILL a voting process (and the real server) at random moments; nothing acknowledged is lost.

Acknowledgement rule, precisely: the voter prints "TRY op pid" before calling the core
and "ACK op pid n" after the core returned (the transaction is committed). After a
kill, for every priority, the database count equals the count implied by all ACKs,
except that the single in-flight operation (a TRY with no ACK/NO after it) may or may
not have committed: then exactly that priority may differ by exactly +1 (place) or -1
(remove). Anything else (a lost ACKed dot, a phantom dot, a half-written row) fails.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from components import facilitation, participation, seed, storage, workshops
from tests.browser.conftest import ROOT, launch_streamlit, start_server

CLIENT = Path(__file__).resolve().parent / "crash_client.py"
KILLS = 150
FRESH_KILLS = 10
SERVER_KILLS = 5


def prepare(path: Path) -> tuple[dict, dict, list[int]]:
    """Demo workshop, question 1 voting with a roomy budget, one phone participant."""
    db = storage.open_db(path)
    storage.migrate(db)
    workshop_id = seed.seed_demo(db)
    question = workshops.list_questions(db, workshop_id)[0]
    facilitation.set_dot_rules(db, question["id"], 12, 6, "test")
    facilitation.set_phase(db, question["id"], "voting", "test")
    participant = participation.join_workshop(db, workshops.get_workshop(db, workshop_id)["code"])
    ids = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])]
    question = workshops.get_question(db, question["id"])
    db.close()
    return participant, question, ids


def start_voter(path: Path, token: str, seed_value: int, ids: list[int]) -> subprocess.Popen:
    """Start the voting process and wait until it is connected."""
    proc = subprocess.Popen([sys.executable, str(CLIENT), str(path), token, str(seed_value), *map(str, ids)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    first = proc.stdout.readline().decode().strip()
    assert first == "READY", f"voter did not start: {first!r} {proc.stderr.read().decode()[-2000:]}"
    return proc


def apply_protocol(lines: list[str], expected: Counter) -> tuple[tuple[str, int] | None, int]:
    """Apply ACK lines to the expected counts; return the in-flight op (if any) and the number of ACKs."""
    in_flight, acks = None, 0
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "TRY":
            in_flight = (parts[1], int(parts[2]))
        elif parts[0] == "ACK":
            op, pid, count = parts[1], int(parts[2]), int(parts[3])
            assert in_flight == (op, pid), f"ACK without its TRY: {line}"
            expected[pid] += 1 if op == "place" else -1
            assert expected[pid] == count, f"core said {count} but the ACK history implies {expected[pid]}"
            in_flight, acks = None, acks + 1
        elif parts[0] == "NO":
            in_flight = None
    return in_flight, acks


def check_after_kill(path: Path, participant_id: int, question_id: int, expected: Counter,
                     in_flight: tuple[str, int] | None) -> Counter:
    """Integrity ok, every ACKed dot present, at most the in-flight op differs; return the real counts."""
    db = storage.open_db(path)
    try:
        assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        actual = Counter(dict(db.conn.execute(
            "SELECT priority_id, count(*) FROM dot WHERE participant_id = ? AND question_id = ? GROUP BY priority_id",
            (participant_id, question_id)).fetchall()))
        diff = {pid: actual[pid] - expected[pid] for pid in set(actual) | set(expected)
                if actual[pid] != expected[pid]}
        if diff:
            assert in_flight is not None, f"lost or phantom dots with nothing in flight: {diff}"
            op, pid = in_flight
            assert diff == {pid: 1 if op == "place" else -1}, f"diff {diff} not explained by in-flight {in_flight}"
        # each op writes its dot and its audit row in one transaction
        logged = db.conn.execute(
            "SELECT sum(action = 'dot.place') - sum(action = 'dot.remove') FROM audit_log WHERE actor = ?",
            (f"participant:{participant_id}",)).fetchone()[0] or 0
        assert logged == sum(actual.values())
        assert sum(actual.values()) <= 12 and max(actual.values(), default=0) <= 6
        return actual
    finally:
        db.close()


def kill_one_voter(zygote: subprocess.Popen, seed_value: int, pause: float) -> list[str]:
    """Fork a voter in the zygote, SIGKILL it `pause` seconds after it is connected, return its lines."""
    zygote.stdin.write(f"RUN {seed_value}\n".encode())
    zygote.stdin.flush()
    pid, lines = None, []
    while pid is None or not lines:  # "PID" (zygote) and "READY" (voter) may come in either order
        line = zygote.stdout.readline().decode().strip()
        assert line, "the zygote died"
        if line.startswith("PID "):
            pid = int(line.split()[1])
        else:
            assert lines or line == "READY", f"voter did not start: {line!r}"
            lines.append(line)
    time.sleep(pause)
    os.kill(pid, signal.SIGKILL)
    while True:
        line = zygote.stdout.readline().decode()
        assert line, "the zygote died"
        if line.startswith("DEAD"):
            assert line.split() == ["DEAD", str(pid), str(-signal.SIGKILL)], line
            return lines
        lines.append(line.strip())


def test_sigkill_voter_at_random_moments(tmp_path):
    path = tmp_path / "hub.db"
    participant, question, ids = prepare(path)
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    expected: Counter = Counter()
    total_acks = in_flight_kills = committed_in_flight = 0
    started = time.monotonic()
    zygote = subprocess.Popen([sys.executable, str(CLIENT), "--zygote", str(path), participant["token"],
                               *map(str, ids)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert zygote.stdout.readline().decode().strip() == "ZYGOTE"
        for kill in range(KILLS):
            lines = kill_one_voter(zygote, rng.randrange(1 << 30), rng.uniform(0, 0.03))
            in_flight, acks = apply_protocol(lines, expected)
            actual = check_after_kill(path, participant["id"], question["id"], expected, in_flight)
            total_acks += acks
            in_flight_kills += in_flight is not None
            committed_in_flight += actual != expected
            expected = actual  # adopt the in-flight op's fate for the next round
    finally:
        zygote.kill()
        zygote.wait(timeout=10)
    print(f"{KILLS} kills in {time.monotonic() - started:.1f}s: {total_acks} ACKs, "
          f"{in_flight_kills} kills with an op in flight, {committed_in_flight} of those committed")
    assert total_acks >= KILLS, "the voter hardly voted: the kills did not hit it while voting"
    assert in_flight_kills >= 10, "too few kills landed while an operation was in flight"


def test_sigkill_fresh_voter_processes(tmp_path):
    """The same, with a whole new interpreter each time (as after a real restart); fewer rounds, they are slow."""
    path = tmp_path / "hub.db"
    participant, question, ids = prepare(path)
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    expected: Counter = Counter()
    total_acks = 0
    for kill in range(FRESH_KILLS):
        proc = start_voter(path, participant["token"], rng.randrange(1 << 30), ids)
        time.sleep(rng.uniform(0, 0.03))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        lines = proc.stdout.read().decode().splitlines()
        proc.stdout.close()
        proc.stderr.close()
        in_flight, acks = apply_protocol(lines, expected)
        actual = check_after_kill(path, participant["id"], question["id"], expected, in_flight)
        total_acks += acks
        expected = actual
    assert total_acks > 0


def test_sigkill_streamlit_server_while_core_client_votes(tmp_path):
    proc, server, log = start_server(tmp_path)
    db = server.db()
    question = workshops.list_questions(db, server.workshop_id)[0]
    facilitation.set_phase(db, question["id"], "voting", "test")
    voter = participation.join_workshop(db, server.code)
    ids = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])]
    db.close()
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    expected: Counter = Counter()
    client = start_voter(server.db_file, voter["token"], rng.randrange(1 << 30), ids)
    lines: list[str] = []
    # drain the voter's pipe so it never blocks on a full buffer while the server restarts
    reader = threading.Thread(target=lambda: lines.extend(client.stdout.read().decode().splitlines()))
    reader.start()
    try:
        for round_ in range(SERVER_KILLS):
            time.sleep(rng.uniform(0, 0.03))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc, url = launch_streamlit(ROOT / "app.py", ROOT, server.db_file, tmp_path / f"streamlit-{round_}.log")
            check = storage.open_db(server.db_file)
            assert storage.integrity_ok(check)
            check.close()
            with urllib.request.urlopen(url + "/", timeout=10) as response:
                assert response.status == 200 and b"<html" in response.read().lower()
    finally:
        proc.kill()
        proc.wait(timeout=10)
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=10)
    reader.join(timeout=10)
    in_flight, acks = apply_protocol(lines, expected)
    client.stdout.close()
    client.stderr.close()
    assert acks > 0, "the core client did not vote while the server was being killed"
    check_after_kill(server.db_file, voter["id"], question["id"], expected, in_flight)
