"""Storage, schema and rules: exact rows for good and bad input."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from components import facilitation, participation, rules, storage, workshops
from components.rules import RuleError
from tests.test_seats import race

ROOT = Path(__file__).resolve().parent.parent
def test_migrations_from_empty_and_reapplied(db_path):
    db = storage.open_db(db_path)
    storage.migrate(db)
    storage.migrate(db)
    applied = [m.name for m in storage.migrations.applied(db)]
    assert applied == ["0001_initial_schema", "0002_user_sessions_valid_after", "0003_audit_log_redaction",
                       "0004_receipt_key", "0005_merge_history", "0006_seats", "0007_login_attempts",
                       "0008_membership", "0009_priority_source", "0011_ops"]
    tables = set(db.table_names())
    assert {"workshop", "theme", "profile_question", "question", "participant", "priority", "dot", "user",
            "audit_log", "receipt_key", "membership", "ops_probe"} <= tables


def test_every_connection_has_the_documented_pragmas(db):
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == storage.SYNCHRONOUS_LEVEL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_schema_refuses_bad_rows(db, demo):
    workshop, questions = demo
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO question (workshop_id, prompt, position, dots_per_participant, max_dots_per_item)"
                        " VALUES (?, 'x', 9, 3, 4)", (workshop["id"],))
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO priority (question_id, title) VALUES (?, 'ab')", (questions[0]["id"],))
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO dot (question_id, priority_id, participant_id) VALUES (?, 999, 999)",
                        (questions[0]["id"],))
    db.conn.rollback()


def test_audit_log_is_append_only(db, demo):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("UPDATE audit_log SET actor = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("DELETE FROM audit_log")
    db.conn.rollback()


def test_audit_log_update_may_only_redact(db, demo):
    """Redacting drops detail keys and lists them; who, what, when and every kept value stay as written."""
    row_id, details = db.conn.execute("SELECT id, details FROM audit_log WHERE action = 'workshop.create'").fetchone()
    assert set(json.loads(details)) == {"code", "title"}
    refused = [{"title": "Another title", "redacted": ["code"]}, {"title": json.loads(details)["title"]},
               {"extra": 1, "redacted": ["code", "title"]}, {"code": 5, "redacted": ["title"]}]
    for attempt in refused:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.conn.execute("UPDATE audit_log SET details = ? WHERE id = ?", (json.dumps(attempt), row_id))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("UPDATE audit_log SET actor = 'x', details = '{\"redacted\": []}' WHERE id = ?", (row_id,))
    db.conn.execute("UPDATE audit_log SET details = '{\"redacted\": [\"code\", \"title\"]}' WHERE id = ?", (row_id,))
    assert db.conn.execute("SELECT details FROM audit_log WHERE id = ?", (row_id,)).fetchone()[0] == \
        '{"redacted": ["code", "title"]}'
    db.conn.rollback()


def test_demo_seed(demo, db):
    workshop, questions = demo
    assert workshop["title"] == "Regional Hub strategy workshop"
    assert len(workshop["code"]) == rules.CODE_LENGTH and set(workshop["code"]) <= set(rules.CODE_ALPHABET)
    assert [q["prompt"] for q in questions] == ["What should the regional hub prioritise next year?",
                                                "Which support would help your organisation most?"]
    assert [q["phase"] for q in questions] == ["collecting", "draft"]
    themes = [t["name"] for t in workshops.list_themes(db, workshop["id"])]
    assert "Citizens' assemblies" in themes and len(themes) == 7
    profile = {pq["key"]: pq for pq in workshops.list_profile_questions(db, workshop["id"])}
    assert "Czechia" in profile["country"]["options"] and profile["country"]["options"][-1] == "Other"
    assert "Local government" in profile["org_type"]["options"]


def test_join_by_code_with_profile(db, demo):
    workshop, _ = demo
    participant = participation.join_workshop(db, f" {workshop['code'].lower()} ", "  Ana  ", {"country": "Serbia"})
    row = db.conn.execute("SELECT display_name, profile, kind, length(token) FROM participant").fetchall()
    assert row == [("Ana", '{"country": "Serbia"}', "phone", 24)]
    assert participant["workshop_id"] == workshop["id"]


@pytest.mark.parametrize("code,answers,message", [
    ("ZZZZZZ", {}, "No workshop has the code ZZZZZZ"),
    (None, {"country": "Atlantis"}, "Please pick one of the offered answers"),
])
def test_join_refuses_bad_input(db, demo, code, answers, message):
    workshop, _ = demo
    with pytest.raises(RuleError, match=message):
        participation.join_workshop(db, code or workshop["code"], None, answers)
    assert db.conn.execute("SELECT count(*) FROM participant").fetchone()[0] == 0


def test_submit_priority_rules(db, demo):
    workshop, questions = demo
    q1, q2 = questions
    ana = participation.join_workshop(db, workshop["code"])
    pid = participation.submit_priority(db, ana, q1["id"], "  Train city staff  ", " how ", None)
    assert db.conn.execute("SELECT title, details, participant_id, state FROM priority WHERE id = ?",
                           (pid,)).fetchall() == [("Train city staff", "how", ana["id"], "visible")]
    for bad, message in [("  ab ", "at least 3"), ("x" * 281, "280 characters or fewer")]:
        with pytest.raises(RuleError, match=message):
            participation.submit_priority(db, ana, q1["id"], bad)
    with pytest.raises(RuleError, match="Submissions are closed"):
        participation.submit_priority(db, ana, q2["id"], "Draft question idea")
    for n in range(2):
        participation.submit_priority(db, ana, q1["id"], f"Idea number {n}")
    with pytest.raises(RuleError, match="already submitted 3"):
        participation.submit_priority(db, ana, q1["id"], "One too many")
    assert participation.count_own_priorities(db, q1["id"], ana["id"]) == 3


def test_edit_and_withdraw_until_voting(db, demo):
    workshop, (q1, _) = demo
    ana, bob = participation.join_workshop(db, workshop["code"]), participation.join_workshop(db, workshop["code"])
    pid = participation.submit_priority(db, ana, q1["id"], "Original idea")
    with pytest.raises(RuleError, match="only change your own"):
        participation.edit_own_priority(db, bob, pid, "Hijacked")
    participation.edit_own_priority(db, ana, pid, "Better idea", "more")
    assert workshops.get_priority(db, pid)["title"] == "Better idea"
    facilitation.set_phase(db, q1["id"], "voting", "t")
    with pytest.raises(RuleError, match="voting has started"):
        participation.withdraw_own_priority(db, ana, pid)


def test_place_and_remove_dots(db, voting):
    workshop, question, (p1, p2, p3) = voting
    ana = participation.join_workshop(db, workshop["code"])
    assert [participation.place_dot(db, ana, p1) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RuleError, match="at most 3 dots on one priority"):
        participation.place_dot(db, ana, p1)
    participation.place_dot(db, ana, p2)
    participation.place_dot(db, ana, p2)
    with pytest.raises(RuleError, match="used all 5 of your dots"):
        participation.place_dot(db, ana, p3)
    assert participation.remove_dot(db, ana, p1) == 2
    with pytest.raises(RuleError, match="no dot of yours"):
        participation.remove_dot(db, ana, p3)
    assert db.conn.execute("SELECT priority_id, count(*) FROM dot GROUP BY priority_id ORDER BY priority_id"
                           ).fetchall() == [(p1, 2), (p2, 2)]


def test_double_tap_places_one_dot(db, voting):
    workshop, question, (p1, *_rest) = voting
    ana = participation.join_workshop(db, workshop["code"])
    assert participation.place_dot(db, ana, p1, expected_on_item=0) == 1
    assert participation.place_dot(db, ana, p1, expected_on_item=0) == 1
    assert participation.count_dots_on(db, p1, ana["id"]) == 1


def test_dots_refused_outside_voting_and_on_hidden(db, voting):
    workshop, question, (p1, p2, _p3) = voting
    ana = participation.join_workshop(db, workshop["code"])
    facilitation.set_priority_hidden(db, p2, True, "t")
    with pytest.raises(RuleError, match="no longer on the ballot"):
        participation.place_dot(db, ana, p2)
    facilitation.set_phase(db, question["id"], "closed", "t")
    with pytest.raises(RuleError, match="Voting is closed"):
        participation.place_dot(db, ana, p1)
    assert db.conn.execute("SELECT count(*) FROM dot").fetchone()[0] == 0


def test_token_from_another_workshop_cannot_act(db, voting):
    workshop, question, (p1, *_rest) = voting
    other_id = workshops.create_workshop(db, "Other", "t")
    stranger = participation.join_workshop(db, workshops.get_workshop(db, other_id)["code"])
    with pytest.raises(RuleError, match="not part of your workshop"):
        participation.place_dot(db, stranger, p1)
    assert db.conn.execute("SELECT count(*) FROM dot").fetchone()[0] == 0


def test_phase_transitions(db, demo):
    _, (q1, _) = demo
    with pytest.raises(RuleError, match="needs a confirmation"):
        facilitation.set_phase(db, q1["id"], "draft", "t")
    with pytest.raises(RuleError, match="Cannot move from collecting to closed"):
        facilitation.set_phase(db, q1["id"], "closed", "t")
    facilitation.set_phase(db, q1["id"], "voting", "t")
    facilitation.set_phase(db, q1["id"], "closed", "t")
    facilitation.set_phase(db, q1["id"], "voting", "t", confirmed=True)
    phases = [r[0] for r in db.conn.execute(
        "SELECT json_extract(details, '$.new') FROM audit_log WHERE action = 'question.phase' ORDER BY id")]
    assert phases == ["collecting", "voting", "closed", "voting"]


def test_dot_rules_freeze_when_voting(db, demo):
    _, (q1, _) = demo
    facilitation.set_dot_rules(db, q1["id"], 7, 2, "t")
    question = workshops.get_question(db, q1["id"])
    assert (question["dots_per_participant"], question["max_dots_per_item"]) == (7, 2)
    with pytest.raises(RuleError, match="between 1 and the dots"):
        facilitation.set_dot_rules(db, q1["id"], 3, 4, "t")
    facilitation.set_phase(db, q1["id"], "voting", "t")
    with pytest.raises(RuleError, match="frozen"):
        facilitation.set_dot_rules(db, q1["id"], 9, 2, "t")


def _race(db_path, participant, priority_ids, threads: int) -> tuple[int, int, list[str]]:
    """Fire `threads` place_dot calls at once, each on its own connection: (placed, refused, crashes)."""
    outcomes = race(db_path, threads,
                    lambda conn, i: participation.place_dot(conn, participant, priority_ids[i % len(priority_ids)]))
    crashes = [o for o in outcomes if o.startswith("crash")]
    placed = outcomes.count("joined")  # race's word for "the call returned"
    return placed, len(outcomes) - placed - len(crashes), crashes


def test_budget_race_20_threads(db_path, db, voting):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"])
    ok, refused, errors = _race(db_path, ana, ids, 20)
    assert (ok, refused, errors) == (5, 15, [])
    assert participation.count_dots_used(db, question["id"], ana["id"]) == 5


def test_click_path_refuses_like_the_named_rules(db, voting):
    """A click carries the count on screen and takes the one-statement path; refusals match the rules."""
    workshop, question, (p1, p2, p3) = voting
    ana = participation.join_workshop(db, workshop["code"])
    assert [participation.place_dot(db, ana, p1, expected_on_item=n) for n in range(3)] == [1, 2, 3]
    with pytest.raises(RuleError, match="at most 3 dots on one priority"):
        participation.place_dot(db, ana, p1, expected_on_item=3)
    assert [participation.place_dot(db, ana, p2, expected_on_item=n) for n in range(2)] == [1, 2]
    with pytest.raises(RuleError, match="used all 5 of your dots"):
        participation.place_dot(db, ana, p3, expected_on_item=0)
    assert participation.remove_dot(db, ana, p1, expected_on_item=3) == 2
    with pytest.raises(RuleError, match="no dot of yours"):
        participation.remove_dot(db, ana, p3, expected_on_item=0)
    facilitation.set_priority_hidden(db, p3, True, "t")
    with pytest.raises(RuleError, match="no longer on the ballot"):
        participation.place_dot(db, ana, p3, expected_on_item=0)
    stranger = participation.join_workshop(db, workshops.get_workshop(db, workshops.create_workshop(db, "Other", "t"))["code"])
    with pytest.raises(RuleError, match="not part of your workshop"):
        participation.place_dot(db, stranger, p1, expected_on_item=0)
    facilitation.set_phase(db, question["id"], "closed", "t")
    with pytest.raises(RuleError, match="Voting is closed"):
        participation.place_dot(db, ana, p2, expected_on_item=2)
    with pytest.raises(RuleError, match="Voting is closed"):
        participation.remove_dot(db, ana, p1, expected_on_item=2)
    assert db.conn.execute("SELECT priority_id, participant_id, count(*) FROM dot GROUP BY 1, 2 ORDER BY 1").fetchall() \
        == [(p1, ana["id"], 2), (p2, ana["id"], 2)]
    assert db.conn.execute("SELECT action, count(*) FROM audit_log WHERE action LIKE 'dot.%' GROUP BY 1 ORDER BY 1"
                           ).fetchall() == [("dot.place", 5), ("dot.remove", 1)]


def test_a_busy_database_refuses_politely_and_writes_nothing(db_path, db, voting):
    workshop, question, (p1, *_rest) = voting
    ana = participation.join_workshop(db, workshop["code"])
    phone = storage.open_db(db_path)
    phone.conn.execute("PRAGMA busy_timeout = 50")  # instead of waiting the full 10 s
    db.conn.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with pytest.raises(storage.Busy, match="overloaded right now, so nothing was saved"):
            participation.place_dot(phone, ana, p1, expected_on_item=0)
    finally:
        db.conn.execute("ROLLBACK")
    assert not phone.conn.in_transaction
    assert participation.place_dot(phone, ana, p1, expected_on_item=0) == 1
    assert db.conn.execute("SELECT count(*) FROM dot").fetchone()[0] == 1
    phone.close()


def test_rerun_threads_reuse_pooled_connections_one_thread_at_a_time(db_path, db):
    seen, inside = [], threading.Barrier(2)

    def rerun(wait: bool) -> None:
        conn = storage.thread_db().conn
        seen.append(id(conn))
        if wait:
            inside.wait()
        else:
            conn.execute("BEGIN IMMEDIATE")  # left open, as by an interrupted rerun

    for _ in range(2):
        thread = threading.Thread(target=rerun, args=(False,))
        thread.start()
        thread.join()
    assert len(set(seen)) == 1  # the second rerun got the first one's connection back
    both = [threading.Thread(target=rerun, args=(True,)) for _ in range(2)]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    assert len(set(seen[2:])) == 2  # two reruns at once never share one
    db.conn.execute("BEGIN IMMEDIATE")  # the abandoned transactions were rolled back on return
    db.conn.execute("ROLLBACK")
