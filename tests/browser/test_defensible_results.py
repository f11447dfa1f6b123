"""Results the network can defend, in a real browser at 1440 px: robustness, representation, the paper print view."""

from __future__ import annotations

from components import facilitation, membership, paper, participation, seed, workshops
from tests.browser.conftest import shot, staff_login, wait_idle
from tests.browser.test_accessibility import AXE, assert_accessible, assert_chart_alternatives

SLOW = 90_000
LAPTOP = {"width": 1440, "height": 900}
TALL = {"width": 1440, "height": 2000}  # for screenshots of a whole tab: Streamlit scrolls inside its main area
# name -> (country, voters, dots on priorities 1..6): Croatia's lone voter must never be shown alone.
ROOM = {"pl": ("Poland", 8, (2, 1, 1, 0, 1, 0)), "rs": ("Serbia", 6, (0, 2, 0, 2, 0, 1)),
        "cz": ("Czechia", 5, (1, 0, 2, 1, 0, 1)), "hr": ("Croatia", 1, (0, 0, 0, 0, 3, 2)),
        "ng": ("", 2, (1, 1, 1, 1, 1, 0))}
TITLES = ["Peer-learning programme on participatory budgeting", "Shared toolkit for citizens' assemblies",
          "Regional fund for local participation pilots", "Training for municipal staff",
          "<script>alert(1)</script> a mentoring scheme", "Annual regional gathering"]
MIX = ("dimension,group,count\ncountry,Poland,300\ncountry,Serbia,250\ncountry,Czechia,200\ncountry,Croatia,150\n"
       "country,Kosovo,100\n")
# The main column's width: the results page is wide (about 1100 px beside the sidebar at 1440), never centred.
MAIN_WIDTH = """() => document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect().width"""
# Glide's grid scrolls inside this element; a table wider than the page would scroll sideways here.
SIDEWAYS = """() => [...document.querySelectorAll('[role="tabpanel"]:not([hidden]) .dvn-scroller')]
    .filter(e => e.offsetParent !== null).map(e => e.scrollWidth - e.clientWidth)"""


def seed_network_room(db) -> dict:
    """A workshop with six priorities, 22 voters from five countries (one alone) and the network's mix."""
    wid = workshops.create_workshop(db, "Regional strategy 2027", "test", profile_questions=seed.default_profile_questions())
    qid = workshops.add_question(db, wid, "What should the hub do next year?", "test", dots_per_participant=5,
                                 max_dots_per_item=3)
    facilitation.set_phase(db, qid, "collecting", "test")
    pids = [facilitation.add_priority_for_room(db, qid, title, "test") for title in TITLES]
    facilitation.set_phase(db, qid, "voting", "test")
    code = workshops.get_workshop(db, wid)["code"]
    for country, count, ballot in ROOM.values():
        for _ in range(count):
            person = participation.join_workshop(db, code, None, {"country": country})
            for pid, placed in zip(pids, ballot):
                for _ in range(placed):
                    participation.place_dot(db, person, pid)
    membership.import_csv(db, wid, MIX.encode(), "organiser")
    return {"workshop_id": wid, "question_id": qid, "code": code}


def open_tab(page, name: str) -> None:
    """Click a tab of the results page and wait until it is drawn."""
    page.get_by_role("tab", name=name, exact=True).click()
    wait_idle(page, timeout=SLOW)


def test_robustness_and_representation_at_1440(live_server, browser, artifacts):
    db = live_server.db()
    room = seed_network_room(db)
    db.close()
    context = browser.new_context(viewport=LAPTOP, device_scale_factor=1)
    page = context.new_page()
    staff_login(page, live_server.url, "organiser")
    page.get_by_role("link", name="Results & exports").first.click()
    page.get_by_role("heading", name="Results & exports").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    page.get_by_label("Workshop", exact=True).click()
    page.get_by_role("option", name=f"Regional strategy 2027 ({room['code']}) · open").click()
    wait_idle(page, timeout=SLOW)

    open_tab(page, "Robustness")
    page.get_by_text("Even first place differs between the 5 counts.", exact=True).wait_for()
    page.locator('[role="tabpanel"]:not([hidden]) .js-plotly-plot').first.wait_for()
    wait_idle(page)
    assert page.evaluate(SIDEWAYS) == [0]  # the rank table fits 1440 px beside the sidebar
    shot_tab(page, artifacts, "defend-01-robustness-1440")
    assert AXE.exists(), "run `npm ci --no-audit --no-fund` (axe-core) first"
    assert_accessible(page, "robustness (1440)")
    page.get_by_label("Places to compare", exact=True).fill("3")
    page.keyboard.press("Enter")
    page.get_by_text("Top 3", exact=True).first.wait_for()
    wait_idle(page)
    assert page.evaluate(SIDEWAYS) == [0] and page.evaluate(MAIN_WIDTH) > 1000  # still wide after a rerun

    open_tab(page, "Representation")
    page.locator('[role="tabpanel"]:not([hidden]) .js-plotly-plot').first.wait_for()
    wait_idle(page)
    assert page.evaluate(SIDEWAYS) == [0, 0]  # participation against membership, and the two tallies
    shot_tab(page, artifacts, "defend-02-representation-1440")
    assert_chart_alternatives(page, "results with robustness and representation")

    # A file with a bad row is refused whole, and the row is named.
    page.get_by_text("The network's membership mix", exact=True).click()
    page.get_by_role("tab", name="Import a CSV file", exact=True).click()
    bad = MIX.replace("country,Kosovo,100", "country,Kosovo,1.5") + "country,Atlantis,10\n"
    page.locator('[role="tabpanel"]:not([hidden]) input[type="file"]').last.set_input_files(
        files=[{"name": "mix.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Row 6: A count is a whole number of members above 0.", exact=True).wait_for()
    page.get_by_text("Row 7: “Atlantis” is not one of the answers this workshop offers.", exact=True).wait_for()
    wait_idle(page)
    assert page.evaluate(MAIN_WIDTH) > 1000 and page.evaluate(SIDEWAYS) == [0, 0]
    db = live_server.db()
    assert [r["amount"] for r in membership.load_rows(db, room["workshop_id"])] == [300, 250, 200, 150, 100]
    db.close()
    shot_tab(page, artifacts, "defend-03-membership-import-refused-1440")
    assert_accessible(page, "representation with the membership mix open (1440)")
    page.get_by_role("tab", name="Type it in", exact=True).click()
    page.get_by_role("button", name="Save", exact=True).wait_for()
    wait_idle(page)
    shot_tab(page, artifacts, "defend-06-membership-editor-1440")
    context.close()


def shot_tab(page, artifacts, name: str) -> None:
    """A screenshot of the whole tab at 1440 px wide (a taller window, since Streamlit scrolls inside itself)."""
    page.set_viewport_size(TALL)
    wait_idle(page)
    shot(page, artifacts, name)
    page.set_viewport_size(LAPTOP)
    wait_idle(page)


def test_paper_print_view_and_report(live_server, browser, artifacts):
    """The printable sheets in print media: one A4 page per sheet; the report's new sections drawn."""
    db = live_server.db()
    room = seed_network_room(db)
    db.conn.execute("UPDATE workshop SET language = 'pl' WHERE id = ?", (room["workshop_id"],))
    db.conn.commit()
    question = workshops.get_question(db, room["question_id"])
    sheets = artifacts / "paper-sheets.html"
    sheets.write_bytes(paper.build_sheets(db, question, 3))
    report = artifacts / "defend-report.html"
    from components import exports
    report.write_bytes(exports.export_bytes(db, room["workshop_id"], "html", top=3))
    db.close()
    context = browser.new_context(viewport=LAPTOP, device_scale_factor=1)
    page = context.new_page()
    page.goto(sheets.as_uri())
    page.emulate_media(media="print")
    page.get_by_text("Arkusz 1", exact=True).wait_for()
    assert page.get_by_text("<script>alert(1)</script> a mentoring scheme", exact=True).count() == 3
    shot(page, artifacts, "defend-04-paper-print-view")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page/") == 3

    page.emulate_media(media="screen")
    page.goto(report.as_uri())
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    # ranking, themes, dots placed, ranks under the rules, raw against re-weighted
    assert page.locator(".js-plotly-plot").count() == 5
    assert page.get_by_text("Top 3 compared.", exact=False).count() == 1
    assert page.locator("p[lang='pl'] b").first.inner_text() == "Nawet pierwsze miejsce różni się między 5 liczeniami."
    page.get_by_role("heading", name="Representation by country").scroll_into_view_if_needed()
    shot(page, artifacts, "defend-05-report")
    context.close()
