"""The thinnest real-browser path: join by link, submit a priority, vote, reload."""

from components import workshops
from tests.browser.conftest import PHONE, shot, wait_idle


def test_join_submit_vote_by_link(live_server, browser, artifacts):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/?code={live_server.code}")
    wait_idle(page)
    page.get_by_label("Your name (optional)").fill("Ana")
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**t=*")
    wait_idle(page)
    shot(page, artifacts, "smoke-01-joined")
    page.get_by_label("Your priority").fill("Mentoring for new participatory budgeting teams")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Thank you! Your priority was added.").wait_for()
    db = live_server.db()
    rows = db.conn.execute("SELECT title FROM priority WHERE participant_id IS NOT NULL").fetchall()
    assert rows == [("Mentoring for new participatory budgeting teams",)]
    question = workshops.list_questions(db, live_server.workshop_id)[0]
    workshops.set_phase(db, question["id"], "voting", "test")
    page.get_by_text("dots left").first.wait_for(timeout=10_000)
    wait_idle(page)
    plus = page.get_by_role("button", name="+")
    plus.first.click()
    page.get_by_text("4 of 5 dots left").first.wait_for()
    shot(page, artifacts, "smoke-02-voted")
    assert db.conn.execute("SELECT count(*) FROM dot").fetchone()[0] == 1
    page.reload()
    page.get_by_text("4 of 5 dots left").first.wait_for()
    context.close()
