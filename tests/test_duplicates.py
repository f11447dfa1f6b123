"""Duplicate suggestions: folded text, planted near-duplicates found, unrelated pairs left alone, dismissals kept."""

from __future__ import annotations

import pytest

from components import duplicates, facilitation, storage
from components.duplicates import normalise_text, rank_pairs
from tests.test_staff_pages import last_audit

# Near-duplicates as a room writes them: diacritics dropped on a phone, typos, another word order.
PLANTED = [
    ("Více peněz do rozpočtu na cyklostezky", "Vice penez do rozpoctu na cyklostezky!"),
    ("Školení pro zaměstnance radnice", "Skoleni zamestnancu radnice"),
    ("Lepsza komunikacja między hubami", "Lepsza komunikacja miedzy hubami"),
    ("Więcej szkoleń dla młodzieży", "Wiecej szkolen dla mlodziezy"),
    ("Training for city staff", "Trainnig for city staf"),
    ("Better public transport in rural areas", "Rural areas need better public transport"),
]
# Different priorities, some sharing words with each other or with the planted ones.
UNRELATED = ["More funding for startups", "More funding for culture", "Open data portal for the region",
             "Mentoring between hubs", "Shared coworking spaces", "Regional innovation strategy",
             "Digital skills for seniors", "Transport publiczny na wsi", "Fundusze dla startupów",
             "Sdílené kancelářské prostory", "Podpora začínajících firem", "Better roads", "Better schools",
             "Green energy for public buildings", "Public buildings need renovation"]


def test_normalise_folds_case_punctuation_and_diacritics():
    assert normalise_text("Rozpočet, ŁÓDŹ — Straße!") == "rozpocet lodz strasse"
    assert normalise_text("rozpočet") == normalise_text("ROZPOCET")


def planted_items() -> tuple[list[dict], set[tuple[int, int]]]:
    """The planted and unrelated titles as items with ids, and the planted id pairs."""
    titles = [t for pair in PLANTED for t in pair] + UNRELATED
    items = [{"id": i + 1, "title": t} for i, t in enumerate(titles)]
    return items, {(2 * k + 1, 2 * k + 2) for k in range(len(PLANTED))}


def test_suggestions_are_exactly_the_planted_pairs_best_first():
    items, planted = planted_items()
    suggested = rank_pairs(items, set())
    assert {(s["first_id"], s["second_id"]) for s in suggested} == planted
    scores = [s["score"] for s in suggested]
    assert scores == sorted(scores, reverse=True)
    assert suggested[0]["score"] == 100  # only diacritics and punctuation differ


def test_a_dismissed_pair_is_not_suggested():
    items, planted = planted_items()
    assert {(s["first_id"], s["second_id"]) for s in rank_pairs(items, {(1, 2)})} == planted - {(1, 2)}


@pytest.fixture
def planted_question(db, demo):
    """Demo question 2 with only the first three planted pairs as visible priorities."""
    _, questions = demo
    qid = questions[1]["id"]
    with storage.immediate(db):
        db.conn.execute("DELETE FROM priority WHERE question_id = ?", (qid,))
    ids = [facilitation.add_priority_for_room(db, qid, t, "fiona") for pair in PLANTED[:3] for t in pair]
    return qid, ids


def test_suggest_from_the_database_skips_hidden_merged_and_dismissed(db, planted_question):
    qid, ids = planted_question
    pairs = lambda: [(s["first_id"], s["second_id"]) for s in duplicates.suggest_duplicates(db, qid)]  # noqa: E731
    assert sorted(pairs()) == [(ids[0], ids[1]), (ids[2], ids[3]), (ids[4], ids[5])]
    facilitation.set_priority_hidden(db, ids[0], True, "fiona")
    facilitation.merge_priorities(db, ids[3], ids[2], "fiona")
    duplicates.dismiss_suggestion(db, ids[5], ids[4], "fiona")
    assert pairs() == []
    assert storage.fetch_all(db, "SELECT first_id, second_id, actor FROM duplicate_dismissal") == [
        {"first_id": ids[4], "second_id": ids[5], "actor": "fiona"}]
    assert last_audit(db, "priority.dismiss_duplicate")["details"] == {"first_id": ids[4], "second_id": ids[5]}
    facilitation.set_priority_hidden(db, ids[0], False, "fiona")
    assert pairs() == [(ids[0], ids[1])]
