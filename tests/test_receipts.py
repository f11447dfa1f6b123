"""Ballot receipts (published list, phone, paper) and numbered paper sheets."""

from __future__ import annotations

import html
import json
from collections import Counter

import pytest

from components import exports, facilitation, paper, participation, receipts, retention, storage, workshops
from components.rules import RuleError
from tests.test_moderation import fiona, moderate  # noqa: F401  (fixture)
from tests.test_participant_pages import open_page, texts
from tests.test_staff_pages import click, shown

EVIL = "<script>alert(1)</script> & **x**"


@pytest.fixture
def ballots(db, voting):
    """Three phone voters and one paper sheet on demo question 1; returns (workshop, question, ids, people)."""
    workshop, question, ids = voting
    people = [participation.join_workshop(db, workshop["code"], name, {"country": "Serbia"}) for name in "ABC"]
    for person, picks in zip(people, ([ids[0], ids[0], ids[1]], [ids[1]], [ids[2], ids[0]])):
        for priority_id in picks:
            participation.place_dot(db, person, priority_id)
    paper_id = facilitation.record_paper_ballot(db, question["id"], {ids[2]: 2}, "fiona", sheet=7)
    return workshop, question, ids, people + [{"id": paper_id}]


def published(db, workshop_id: int) -> dict:
    """Question 1 of the JSON export."""
    return json.loads(exports.export_bytes(db, workshop_id, "json"))["questions"][0]


def test_every_receipt_appears_once_and_adds_up_to_the_tally(db, ballots):
    workshop, question, ids, people = ballots
    q = published(db, workshop["id"])
    expected = sorted(receipts.receipt_for(db, question, p["id"]) for p in people)
    assert [r["receipt"] for r in q["receipts"]] == expected  # one row per ballot, sorted by receipt
    added = Counter()
    for row in q["receipts"]:
        assert set(row) == {"receipt", "dots"}  # nothing about the voter
        added.update({int(k): v for k, v in row["dots"].items()})
    assert {item["priority_id"]: item["dots"] for item in q["tally"] if item["dots"]} == dict(added)
    assert dict(added) == {ids[0]: 3, ids[1]: 2, ids[2]: 3}


def test_a_ballots_row_holds_exactly_its_dots(db, ballots):
    workshop, question, ids, people = ballots
    rows = {r["receipt"]: r["dots"] for r in published(db, workshop["id"])["receipts"]}
    assert rows[receipts.receipt_for(db, question, people[0]["id"])] == {str(ids[0]): 2, str(ids[1]): 1}
    assert rows[receipts.receipt_for(db, question, people[3]["id"])] == {str(ids[2]): 2}


def test_report_lists_the_receipts(db, ballots):
    workshop, question, ids, people = ballots
    report = exports.export_bytes(db, workshop["id"], "html").decode()
    mine = receipts.receipt_for(db, question, people[0]["id"])
    assert f"<tr><td>{mine}</td><td>#{ids[0]}: 2 · #{ids[1]}: 1</td><td class='num'>3</td></tr>" in report


def test_receipt_is_stable_distinct_and_carries_no_token(db, ballots):
    workshop, question, ids, people = ballots
    first = [receipts.receipt_for(db, question, p["id"]) for p in people]
    again = [receipts.receipt_for(storage.open_db(), question, p["id"]) for p in people]  # a new connection
    assert first == again and len(set(first)) == 4
    assert all(len(r) == 9 and r[4] == "-" and set(r.replace("-", "")) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
               for r in first)
    other_question = workshops.list_questions(db, workshop["id"])[1]
    assert receipts.receipt_for(db, other_question, people[0]["id"]) != first[0]
    token = people[0]["token"]
    assert not any(part in token for r in first for part in r.split("-"))
    secret = receipts.load_secret(db, workshop["id"])
    assert len(secret) == 32 and receipts.compute_receipt(b"x" * 32, question["id"], people[0]["id"]) != first[0]


def test_export_never_carries_the_secret_or_a_token(db, ballots):
    workshop, _, _, people = ballots
    secret = receipts.load_secret(db, workshop["id"])
    for fmt in ("json", "html"):
        data = exports.export_bytes(db, workshop["id"], fmt)
        assert secret.hex().encode() not in data and people[0]["token"].encode() not in data
    assert "receipt_key" not in workshops.get_workshop(db, workshop["id"])


def test_anonymising_keeps_receipts_and_deleting_drops_the_secret(db, ballots):
    workshop, question, ids, people = ballots
    before = published(db, workshop["id"])["receipts"]
    retention.anonymise_workshop(db, workshop["id"], "olga", workshop["code"])
    assert published(db, workshop["id"])["receipts"] == before
    retention.delete_workshop(db, workshop["id"], "olga", workshop["code"])
    assert storage.fetch_value(db, "SELECT count(*) FROM receipt_key WHERE workshop_id = ?", (workshop["id"],)) == 0


def test_migration_0004_gives_existing_workshops_a_secret(db_path):
    db = storage.open_db(db_path)
    storage.migrations.apply(db, stop_before="0004_receipt_key")
    db.conn.execute("INSERT INTO workshop (id, code, title) VALUES (4, 'ABCD23', 'Before receipts')")
    db.conn.execute("INSERT INTO participant (workshop_id, kind) VALUES (4, 'paper')")
    db.conn.commit()
    storage.migrate(db)
    assert storage.fetch_all(db, "SELECT workshop_id, length(secret) AS n FROM receipt_key") == [{"workshop_id": 4, "n": 32}]
    assert storage.fetch_all(db, "SELECT kind, paper_question_id, paper_sheet FROM participant") == \
        [{"kind": "paper", "paper_question_id": None, "paper_sheet": None}]


def test_a_repeated_sheet_number_is_refused(db, ballots):
    workshop, question, ids, _ = ballots
    with pytest.raises(RuleError) as refused:
        facilitation.record_paper_ballot(db, question["id"], {ids[0]: 1}, "fiona", sheet=7)
    assert str(refused.value) == "Sheet 7 has already been recorded for this question."
    with pytest.raises(RuleError) as missing:
        facilitation.record_paper_ballot(db, question["id"], {ids[0]: 1}, "fiona", sheet=None)
    assert str(missing.value) == "Please enter the sheet number printed on the ballot."
    assert storage.fetch_all(db, "SELECT paper_question_id, paper_sheet FROM participant WHERE kind = 'paper'") == \
        [{"paper_question_id": question["id"], "paper_sheet": 7}]
    other = workshops.list_questions(db, workshop["id"])[1]
    other_id = facilitation.add_priority_for_room(db, other["id"], "A room idea", "fiona")
    facilitation.set_phase(db, other["id"], "voting", "t")
    facilitation.record_paper_ballot(db, other["id"], {other_id: 1}, "fiona", sheet=7)  # another question's sheet 7


def test_the_database_refuses_a_repeated_sheet_too(db, ballots):
    workshop, question, _, _ = ballots
    with pytest.raises(storage.sqlite3.IntegrityError, match="UNIQUE"):
        db.conn.execute("INSERT INTO participant (workshop_id, kind, paper_question_id, paper_sheet)"
                        " VALUES (?, 'paper', ?, 7)", (workshop["id"], question["id"]))


def test_print_view_lists_priorities_in_order_numbered_and_escaped(db, voting):
    workshop, question, ids = voting
    evil_id = facilitation.add_priority_for_room(db, question["id"], EVIL, "fiona")
    sheets = paper.build_sheets(db, question, 3).decode()
    titles = [p["title"] for p in workshops.list_visible_priorities(db, question["id"])]
    positions = [sheets.index(f"<span class='id'>#{i}</span><span class='title'>{html.escape(t)}</span>")
                 for i, t in zip(ids + [evil_id], titles)]
    assert positions == sorted(positions)
    assert "<script>" not in sheets and html.escape(EVIL) in sheets
    assert [n for n in range(1, 5) if f"<span class='number'>Sheet {n}</span>" in sheets] == [1, 2, 3]
    assert sheets.count("<span class='box'></span>") == 3 * len(titles) * question["max_dots_per_item"]
    assert "You have 5 dots: tick one box per dot, at most 3 on one priority." in sheets
    assert "@media print" in sheets and "size:A4" in sheets


def test_print_view_speaks_the_workshops_language(db, voting):
    workshop, question, _ = voting
    workshops.update_workshop(db, workshop["id"], "t", language="cs")
    sheets = paper.build_sheets(db, question, 1).decode()
    assert "<html lang='cs'>" in sheets and "Sheet 1" not in sheets


def test_phone_shows_its_receipt_after_voting_closes(db, voting):
    workshop, question, ids = voting
    participant = participation.join_workshop(db, workshop["code"])
    participation.place_dot(db, participant, ids[1])
    at = open_page(t=participant["token"])
    assert "receipt" not in texts(at).lower()  # not while voting is open
    facilitation.set_phase(db, question["id"], "closed", "t")
    at = open_page(t=participant["token"])
    receipt = receipts.receipt_for(db, question, participant["id"])
    assert f"#### Your ballot receipt: `{receipt}`" in [m.value for m in at.markdown]


def test_phone_without_a_ballot_shows_no_receipt(db, voting):
    workshop, question, _ = voting
    participant = participation.join_workshop(db, workshop["code"])
    facilitation.set_phase(db, question["id"], "closed", "t")
    assert "receipt" not in texts(open_page(t=participant["token"])).lower()


def test_paper_entry_asks_for_the_sheet_and_shows_the_receipt(db, voting, fiona):
    _, question, ids = voting
    qid = question["id"]
    at = moderate(qid, "Paper ballot")
    at.number_input(key=f"paper_sheet_{qid}").set_value(12)
    at.number_input(key=f"paper_{qid}_{ids[0]}").set_value(2)
    click(at, f"FormSubmitter:paper_{qid}-Record paper ballot")
    paper_id = storage.fetch_value(db, "SELECT id FROM participant WHERE paper_sheet = 12")
    receipt = receipts.receipt_for(db, question, paper_id)
    assert f"Paper ballot recorded: 2 dots. Write receipt {receipt} on sheet 12." in shown(at)
    assert "Phone: 0 ballots, 0 dots · Paper: 1 ballots, 2 dots" in shown(at)
    at.number_input(key=f"paper_sheet_{qid}").set_value(12)
    at.number_input(key=f"paper_{qid}_{ids[1]}").set_value(1)
    click(at, f"FormSubmitter:paper_{qid}-Record paper ballot")
    assert "Sheet 12 has already been recorded for this question." in shown(at)
    assert storage.fetch_value(db, "SELECT count(*) FROM participant WHERE kind = 'paper'") == 1
