"""Merging with a preview that matches it, and undoing a merge back to the very same rows."""

from __future__ import annotations

import pytest

from components import duplicates, facilitation, participation, retention, storage, workshops
from components.rules import RuleError
from tests.test_staff_pages import last_audit


def dump(db, table: str) -> list[tuple]:
    """Every row of a table, every column, in id order."""
    return db.conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


@pytest.fixture
def crowded(db, voting):
    """Ana has 2 dots on each of the first two priorities, Boris 1 on the second, Cleo 3 on the third.

    Returns (question, ids, {name: participant}).
    """
    workshop, question, ids = voting
    people = {n: participation.join_workshop(db, workshop["code"], n) for n in ("Ana", "Boris", "Cleo")}
    for _ in range(2):
        participation.place_dot(db, people["Ana"], ids[0])
        participation.place_dot(db, people["Ana"], ids[1])
    participation.place_dot(db, people["Boris"], ids[1])
    for _ in range(3):
        participation.place_dot(db, people["Cleo"], ids[2])
    return question, ids, people


def test_preview_says_what_the_merge_then_does(db, crowded):
    question, ids, people = crowded
    before = dump(db, "dot")
    preview = facilitation.preview_merge(db, ids[1], ids[0])
    # Ana: 2 on the survivor + 2 moving, cap 3 -> 1 moves, 1 returns; Boris: his 1 moves.
    assert preview == {"moved": 2, "returned": 1, "voters": 2}
    assert dump(db, "dot") == before  # a preview writes nothing
    assert facilitation.merge_priorities(db, ids[1], ids[0], "fiona") == {"moved": 2, "returned": 1}
    ana_dots = [r for r in before if r[2] == ids[1] and r[3] == people["Ana"]["id"]]
    boris_dot = next(r for r in before if r[3] == people["Boris"]["id"])
    # The lowest id of Ana's two moves; the other row is gone; Boris's row moves whole.
    expected = sorted([r for r in before if r[2] != ids[1]]
                      + [(ana_dots[0][0], question["id"], ids[0], people["Ana"]["id"], ana_dots[0][4]),
                         (boris_dot[0], question["id"], ids[0], people["Boris"]["id"], boris_dot[4])])
    assert dump(db, "dot") == expected


def test_preview_of_a_refused_merge_is_refused(db, crowded):
    _question, ids, _people = crowded
    with pytest.raises(RuleError, match="merged into itself"):
        facilitation.preview_merge(db, ids[0], ids[0])
    facilitation.merge_priorities(db, ids[1], ids[0], "fiona")
    with pytest.raises(RuleError, match="already been merged"):
        facilitation.preview_merge(db, ids[1], ids[2])


def test_merge_then_undo_restores_every_row(db, crowded):
    question, ids, _people = crowded
    facilitation.set_priority_hidden(db, ids[2], True, "fiona")
    priorities, dots = dump(db, "priority"), dump(db, "dot")
    facilitation.merge_priorities(db, ids[2], ids[0], "fiona")  # a hidden duplicate, Cleo's 3 dots all move
    assert dump(db, "priority") != priorities
    merge_id = facilitation.list_merges(db, question["id"])[0]["id"]
    facilitation.undo_merge(db, merge_id, "fiona")
    assert dump(db, "priority") == priorities
    assert dump(db, "dot") == dots
    assert last_audit(db, "priority.unmerge")["details"] == {
        "merge_id": merge_id, "source_id": ids[2], "target_id": ids[0], "restored": 3}
    assert facilitation.list_merges(db, question["id"]) == []


def test_stacked_merges_undo_in_reverse_order_to_the_same_rows(db, crowded):
    question, ids, _people = crowded
    priorities, dots = dump(db, "priority"), dump(db, "dot")
    facilitation.merge_priorities(db, ids[1], ids[2], "fiona")  # ids[1] into ids[2]: Ana 2 + Boris 1 move
    facilitation.merge_priorities(db, ids[2], ids[0], "fiona")  # ids[2] (and ids[1] with it) into ids[0]
    assert workshops.get_priority(db, ids[1])["merged_into_id"] == ids[0]
    later, earlier = facilitation.list_merges(db, question["id"])
    with pytest.raises(RuleError, match="Undo the later merges of this question first."):
        facilitation.undo_merge(db, earlier["id"], "fiona")
    facilitation.undo_merge(db, later["id"], "fiona")
    assert workshops.get_priority(db, ids[1])["merged_into_id"] == ids[2]  # the redirect is put back
    facilitation.undo_merge(db, earlier["id"], "fiona")
    assert dump(db, "priority") == priorities
    assert dump(db, "dot") == dots


def test_undo_is_refused_once_votes_changed_the_dots(db, crowded):
    question, ids, people = crowded
    facilitation.merge_priorities(db, ids[1], ids[0], "fiona")
    participation.place_dot(db, people["Ana"], ids[2])  # Ana spends the dot the cap gave back
    merge_id = facilitation.list_merges(db, question["id"])[0]["id"]
    priorities, dots = dump(db, "priority"), dump(db, "dot")
    with pytest.raises(RuleError, match="Dots have changed since this merge, so it cannot be undone exactly."):
        facilitation.undo_merge(db, merge_id, "fiona")
    assert (dump(db, "priority"), dump(db, "dot")) == (priorities, dots)


def test_an_undone_merge_cannot_be_undone_twice(db, crowded):
    question, ids, _people = crowded
    facilitation.merge_priorities(db, ids[1], ids[0], "fiona")
    merge_id = facilitation.list_merges(db, question["id"])[0]["id"]
    facilitation.undo_merge(db, merge_id, "fiona")
    with pytest.raises(RuleError, match="This merge can no longer be undone."):
        facilitation.undo_merge(db, merge_id, "fiona")
    row = storage.fetch_one(db, "SELECT source_id, target_id, undone_at IS NOT NULL AS undone FROM merge_record")
    assert row == {"source_id": ids[1], "target_id": ids[0], "undone": 1}


def test_deleting_the_workshop_deletes_its_merge_history_and_dismissals(db, crowded):
    question, ids, _people = crowded
    facilitation.merge_priorities(db, ids[1], ids[0], "fiona")
    duplicates.dismiss_suggestion(db, ids[0], ids[2], "fiona")
    count = lambda table: storage.fetch_value(db, f"SELECT count(*) FROM {table}")  # noqa: E731
    assert (count("merge_record"), count("duplicate_dismissal")) == (1, 1)
    workshop = workshops.get_workshop(db, question["workshop_id"])
    retention.delete_workshop(db, workshop["id"], "olga", workshop["code"])
    assert (count("merge_record"), count("duplicate_dismissal")) == (0, 0)
