"""A facilitator merges a suggested duplicate in a real browser: the confirmation shows what will happen,
nothing changes before the click, and undo brings back the very same rows. axe-core checks both states."""

from __future__ import annotations

from components import facilitation, participation, workshops
from tests.browser.conftest import PROJECTOR, open_staff_page, shot, wait_idle
from tests.browser.test_accessibility import SLOW, assert_accessible, axe_installed  # noqa: F401


def dump(live_server) -> tuple[list, list]:
    """Every priority and dot row of the server's database."""
    db = live_server.db()
    try:
        return (db.conn.execute("SELECT * FROM priority ORDER BY id").fetchall(),
                db.conn.execute("SELECT * FROM dot ORDER BY id").fetchall())
    finally:
        db.close()


def plant_duplicates(live_server) -> tuple[int, int]:
    """Two spellings of one priority on question 1, open for voting, with dots on both; returns their ids."""
    db = live_server.db()
    qid = workshops.list_questions(db, live_server.workshop_id)[0]["id"]
    first = facilitation.add_priority_for_room(db, qid, "Více peněz do rozpočtu na cyklostezky", "test")
    second = facilitation.add_priority_for_room(db, qid, "Vice penez do rozpoctu na cyklostezky!", "test")
    if workshops.get_question(db, qid)["phase"] != "voting":
        facilitation.set_phase(db, qid, "voting", "test")
    ana, boris, cleo = (participation.join_workshop(db, live_server.code, n) for n in ("Ana", "Boris", "Cleo"))
    for _ in range(2):
        participation.place_dot(db, ana, first)
        participation.place_dot(db, ana, second)
    participation.place_dot(db, boris, second)
    participation.place_dot(db, cleo, first)
    db.close()
    return first, second


def test_merge_a_suggested_duplicate_then_undo_it(live_server, browser, artifacts):
    first, second = plant_duplicates(live_server)
    before = dump(live_server)
    context = browser.new_context(viewport={"width": 1440, "height": PROJECTOR["height"]}, device_scale_factor=1)
    page = context.new_page()
    open_staff_page(page, live_server.url, "facilitator", "Moderate")
    accept = page.locator(f".st-key-dup_accept_pair_{first}_{second}").get_by_role("button", name="Merge", exact=True)
    accept.wait_for(timeout=SLOW)
    shot(page, artifacts, "moderate-suggestions-1440")
    assert_accessible(page, "moderate with suggestions (1440)")
    accept.click()
    confirm = page.get_by_role("button", name="Confirm merge")
    confirm.wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    # Equal dots (3 each): the older survives. Ana 2 + 2 -> cap 3, so 1 moves and 1 returns; Boris's 1 moves.
    page.get_by_text(f"Merge #{second} into #{first}?", exact=True).wait_for(timeout=SLOW)
    page.get_by_text("2 dots move, 1 dots go back to participants, 2 voters affected.", exact=True).wait_for()
    assert dump(live_server) == before
    shot(page, artifacts, "moderate-merge-confirmation-1440")
    assert_accessible(page, "moderate merge confirmation (1440)")
    confirm.click()
    undo = page.get_by_role("button", name="Undo")
    undo.wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    priorities, dots = dump(live_server)
    assert priorities != before[0] and len(dots) == len(before[1]) - 1
    undo.click()
    page.get_by_text(f"Merge of #{second} into #{first} undone.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    assert dump(live_server) == before
    context.close()
