"""A facilitator prepares and runs a workshop from scratch in a real browser: one create screen, 30 survey
priorities imported (a bad file first), suggested duplicates merged and one merge undone, cards handled by
keyboard, voting opened, and the projector at 1920×1080 and 1280×720 with results hidden and live.
Screenshots of every screen land in test-artifacts/ (staff pages at 1440 px)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from components import facilitation, participation, workshops
from tests.browser.conftest import PROJECTOR, SLOW, open_staff_page, shot, wait_idle, wait_still, wait_until
from tests.browser.test_accessibility import assert_accessible, axe_installed  # noqa: F401  (autouse fixture)
from tests.browser.test_facilitator import NO_VERTICAL_SCROLL, SMALL_PROJECTOR

STAFF = {"width": 1440, "height": 1000}
PROMPT = "What should the network do first next year?"
# 30 survey rows: three planted near-duplicate pairs (Czech, English, Polish), 24 distinct priorities.
PAIRS = [("Training for municipal staff on deliberation", "Deliberation training for municipal staff"),
         ("Více peněz do rozpočtu na cyklostezky", "Vice penez na cyklostezky v rozpoctu"),
         ("Wspólny fundusz dla małych gmin", "Wspólny fundusz dla małych gmin wiejskich")]
DISTINCT = ["Open data standard for participatory budgets", "Translation of toolkits into regional languages",
            "Peer mentoring between hubs", "Youth councils in every town", "A legal guide to citizens' assemblies",
            "Online platform that works on cheap phones", "Annual network meeting in a different country",
            "Small grants for first-time organisers", "Evaluation framework shared by all hubs",
            "Podcast about participation stories", "Budżet obywatelski w szkołach",
            "Participatory planning of public spaces", "Fund for interpreters at public meetings",
            "Study visits to Porto Alegre", "Register of local facilitators", "Climate assemblies in capital cities",
            "Newsletter in six languages", "Mapping of existing participatory budgets", "Sdílená databáze dobré praxe",
            "Workshops for journalists on participation", "Accessibility checklist for meetings",
            "Joint fundraising with foundations", "Rotating chair of the network",
            "Research partnership with universities"]
THEMES = ["Capacity building", "Participatory budgeting", "Networking & peer exchange", ""]
ONE_FONT = """() => [...document.querySelectorAll(['.hub-bars-title', '.hub-bars-value', '.hub-bars-key',
    '.st-key-proj_code p', '.st-key-proj_prompt p', '.st-key-proj_status p'].join(', '))]
    .map(e => getComputedStyle(e).fontFamily.split(',')[0].replace(/["']/g, '').trim())"""


def shot_whole(page, artifacts, name: str) -> None:
    """Screenshot a staff page whole: Streamlit scrolls inside its main area, so the window grows to fit it."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": STAFF["width"], "height": max(STAFF["height"], min(height, 6000))})
    wait_idle(page, timeout=SLOW)
    shot(page, artifacts, name)
    page.set_viewport_size(STAFF)
    wait_idle(page, timeout=SLOW)


def survey_rows() -> list[list[str]]:
    """The survey's rows after the header: title, details, theme."""
    titles = [title for pair in PAIRS for title in pair] + DISTINCT
    return [[title, f"From the member survey, answer {n}", THEMES[n % len(THEMES)]] for n, title in enumerate(titles)]


def survey_xlsx() -> bytes:
    """The survey as the XLSX file an online form exports."""
    book = Workbook()
    for row in [["Title", "Details", "Theme"]] + survey_rows():
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bad_csv() -> bytes:
    """The same survey as CSV with two rows that must be refused: an empty title and an unknown theme."""
    lines = ["title;details;theme"] + [";".join(row) for row in survey_rows()]
    lines += [";only details, no title;", "Community gardens;;Astronomy"]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def upload(page, name: str, data: bytes, mime: str) -> None:
    """Put a file into the set-up page's survey uploader, as choosing it in the file dialog does."""
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


class Clicks:
    """Counts the clicks of the path from "Create workshop" to "voting open"."""

    def __init__(self):
        self.names: list[str] = []

    def __call__(self, locator, name: str) -> None:
        self.names.append(name)
        locator.click()


def create_workshop(page, clicks: Clicks, title: str, artifacts=None) -> dict:
    """Open the create form, type a title and the first question, create; return the new workshop's row."""
    clicks(page.get_by_text("Create a new workshop", exact=True), "open the create form")
    form = page.locator('[class*="st-key-create_open_"]')
    form.get_by_label("Title", exact=True).wait_for(timeout=SLOW)
    form.get_by_label("Title", exact=True).fill(title)
    page.locator(".st-key-create_prompt textarea").fill(PROMPT)
    page.locator(".st-key-create_prompt textarea").press("Tab")
    wait_idle(page, timeout=SLOW)
    if artifacts:
        shot_whole(page, artifacts, "setup-flow-01-create-form-1440")
        assert_accessible(page, "create form (1440)")
    clicks(page.get_by_role("button", name="Create workshop"), "Create workshop")
    page.get_by_text("Workshop created with join code", exact=False).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    return page


def test_create_to_voting_open_in_five_clicks(live_server, browser):
    context = browser.new_context(viewport=STAFF, device_scale_factor=1)
    page = context.new_page()
    open_staff_page(page, live_server.url, "facilitator", "Set up workshops")
    clicks = Clicks()
    create_workshop(page, clicks, "Five clicks")
    db = live_server.db()
    [workshop] = [w for w in workshops.list_workshops(db) if w["title"] == "Five clicks"]
    clicks(page.get_by_role("link", name="Run this workshop"), "Run this workshop")
    page.get_by_role("heading", name="Run workshop").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    # The Run page is on the new workshop: its join code and its question.
    page.get_by_text(workshop["code"], exact=True).wait_for(timeout=SLOW)
    page.get_by_role("heading", name=PROMPT).wait_for(timeout=SLOW)
    clicks(page.get_by_role("button", name="Open collection"), "Open collection")
    page.get_by_text("Phase changed to Collecting priorities.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    clicks(page.get_by_role("button", name="Open voting"), "Open voting")
    page.get_by_text("Phase changed to Voting.", exact=True).wait_for(timeout=SLOW)
    [question] = workshops.list_questions(db, workshop["id"])
    assert (question["prompt"], question["phase"]) == (PROMPT, "voting")
    print(f"clicks from 'Create workshop' to 'voting open': {len(clicks.names)} {clicks.names}")
    assert len(clicks.names) == 5
    db.close()
    context.close()


def test_facilitator_sets_up_imports_merges_and_opens_voting(live_server, browser, artifacts):
    context = browser.new_context(viewport=STAFF, device_scale_factor=1)
    page = context.new_page()
    open_staff_page(page, live_server.url, "facilitator", "Set up workshops")
    create_workshop(page, Clicks(), "Member survey workshop", artifacts)
    db = live_server.db()
    [workshop] = [w for w in workshops.list_workshops(db) if w["title"] == "Member survey workshop"]
    [question] = workshops.list_questions(db, workshop["id"])
    # Every section of the page now shows the new workshop; the next steps offer the import.
    assert page.locator(f".st-key-set_title_{workshop['id']} input").input_value() == "Member survey workshop"
    shot_whole(page, artifacts, "setup-flow-02-created-1440")

    page.locator(".st-key-next_import").get_by_role("button", name="Import priorities").click()
    page.get_by_text("Survey file (CSV or XLSX)", exact=True).wait_for(timeout=SLOW)
    upload(page, "survey.csv", bad_csv(), "text/csv")
    page.get_by_text("2 rows are refused", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    assert page.get_by_role("button", name="Import 30 priorities").is_disabled()
    shot_whole(page, artifacts, "setup-flow-03-import-refused-1440")
    assert_accessible(page, "import preview with refused rows (1440)")
    assert facilitation.list_priorities_for_moderation(db, question["id"]) == []

    upload(page, "survey.xlsx", survey_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page.get_by_text("30 priorities will be added", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    shot_whole(page, artifacts, "setup-flow-04-import-preview-1440")
    page.get_by_role("button", name="Import 30 priorities").click()
    page.get_by_text("30 priorities imported from the survey.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    items = facilitation.list_priorities_for_moderation(db, question["id"])
    assert [(p["title"], p["source"]) for p in items] == [(row[0], "survey") for row in survey_rows()]
    assert page.get_by_role("tab", name="Import priorities", exact=True).get_attribute("aria-selected") == "true"
    by_title = {p["title"]: p["id"] for p in items}

    page.get_by_role("link", name="Moderate").first.click()
    page.get_by_role("heading", name="Possible duplicates").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    page.get_by_text(f"#{items[0]['id']} · visible · 0 dots · Capacity building · from the survey", exact=True) \
        .wait_for(timeout=SLOW)
    suggested = [(by_title[a], by_title[b]) for a, b in PAIRS]
    for first, second in suggested:
        page.locator(f".st-key-dup_accept_pair_{first}_{second}").wait_for(timeout=SLOW)
    shot_whole(page, artifacts, "setup-flow-05-moderate-suggestions-1440")

    # Keyboard: j moves to the first card, h hides it and h shows it again; typing h in a field does nothing.
    page.keyboard.press("j")
    page.wait_for_selector(f'.st-key-card_{items[0]["id"]}[data-hub-current="true"]', timeout=SLOW)
    page.keyboard.press("h")
    wait_until(lambda: workshops.get_priority(db, items[0]["id"])["state"] == "hidden", timeout=30)
    page.get_by_text(f"Priority #{items[0]['id']} is hidden.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    page.keyboard.press("h")
    wait_until(lambda: workshops.get_priority(db, items[0]["id"])["state"] == "visible", timeout=30)
    page.get_by_text(f"Priority #{items[0]['id']} is visible again.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    card = f".st-key-card_{items[0]['id']}"
    page.keyboard.press("e")  # e opens the card's editor and closes it again
    page.locator(f".st-key-edit_title_{items[0]['id']} input").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    page.keyboard.press("e")
    page.locator(f".st-key-edit_title_{items[0]['id']}").wait_for(state="detached", timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    page.keyboard.press("m")  # m puts the cursor in "Merge into"; typing there is typing, not a shortcut
    page.wait_for_function(f"() => !!document.activeElement.closest('.st-key-merge_target_{items[0]['id']}')",
                           timeout=SLOW)
    page.keyboard.press("h")
    page.keyboard.press("Escape")
    wait_idle(page, timeout=SLOW)
    assert workshops.get_priority(db, items[0]["id"])["state"] == "visible"
    assert page.locator(f'{card}[data-hub-current="true"]').count() == 1

    # Merge two suggested pairs, each after its confirmation; undo the second.
    for number, (first, second) in enumerate(suggested[:2], start=1):
        page.locator(f".st-key-dup_accept_pair_{first}_{second}").get_by_role("button", name="Merge").click()
        page.get_by_text(f"Merge #{second} into #{first}?", exact=True).wait_for(timeout=SLOW)
        wait_idle(page, timeout=SLOW)
        if number == 1:
            shot_whole(page, artifacts, "setup-flow-06-merge-confirmation-1440")
        page.get_by_role("button", name="Confirm merge").click()
        page.get_by_text(f"Merged #{second} into #{first}: 0 dots moved, 0 dots returned to participants.",
                         exact=True).wait_for(timeout=SLOW)
        wait_idle(page, timeout=SLOW)
    assert [(m["source_id"], m["target_id"]) for m in facilitation.list_merges(db, question["id"])] == \
        [(suggested[1][1], suggested[1][0]), (suggested[0][1], suggested[0][0])]
    page.get_by_role("button", name="Undo").click()
    page.get_by_text(f"Merge of #{suggested[1][1]} into #{suggested[1][0]} undone.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    states = {p["id"]: p["state"] for p in facilitation.list_priorities_for_moderation(db, question["id"])}
    assert (states[suggested[0][1]], states[suggested[1][1]], states[suggested[1][0]]) == ("merged", "visible", "visible")
    assert [(m["source_id"], m["target_id"]) for m in facilitation.list_merges(db, question["id"])] == \
        [(suggested[0][1], suggested[0][0])]
    shot_whole(page, artifacts, "setup-flow-07-moderate-after-undo-1440")

    # Run: collection, then voting; the projector opens in its own tab.
    page.get_by_role("link", name="Run workshop").first.click()
    page.get_by_role("heading", name="Run workshop").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    page.get_by_role("button", name="Open collection").click()
    page.get_by_text("Phase changed to Collecting priorities.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    page.get_by_role("button", name="Open voting").click()
    page.get_by_text("Phase changed to Voting.", exact=True).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    assert workshops.get_question(db, question["id"])["phase"] == "voting"
    shot_whole(page, artifacts, "setup-flow-08-run-voting-1440")

    visible = [p["id"] for p in facilitation.list_priorities_for_moderation(db, question["id"]) if p["state"] == "visible"]
    people = [participation.join_workshop(db, workshop["code"], f"Voter {n}") for n in range(12)]
    for n, person in enumerate(people[:9]):
        for k in range(5):
            participation.place_dot(db, person, visible[(n + k * 3) % 11])
    with context.expect_page() as opened:
        page.get_by_role("link", name="Open the projector screen").click()
    projector = opened.value
    projector.set_viewport_size(PROJECTOR)
    projector.get_by_text("9 of 12 have voted", exact=True).wait_for(timeout=SLOW)
    projector.get_by_text("Results are hidden until the facilitator reveals them.", exact=True).wait_for()
    wait_idle(projector, timeout=SLOW)
    wait_still(projector)
    assert projector.locator(".hub-bars-row").count() == 0
    assert projector.evaluate(NO_VERTICAL_SCROLL)
    shot(projector, artifacts, "setup-flow-09-projector-hidden-1920")
    assert_accessible(projector, "projector, results hidden (1920)")
    projector.set_viewport_size(SMALL_PROJECTOR)
    projector.wait_for_function(NO_VERTICAL_SCROLL, timeout=SLOW)
    wait_still(projector)
    shot(projector, artifacts, "setup-flow-10-projector-hidden-1280")

    page.get_by_role("button", name="Show results live").click()
    page.get_by_text("Results live", exact=True).first.wait_for(timeout=SLOW)
    for size, name in ((PROJECTOR, "setup-flow-11-projector-voting-1920"), (SMALL_PROJECTOR, "setup-flow-12-projector-voting-1280")):
        projector.set_viewport_size(size)
        projector.locator(".hub-bars-value").first.wait_for(timeout=SLOW)
        projector.get_by_text("Voting is open: place your dots! · 9 of 12 have voted", exact=True).wait_for(timeout=SLOW)
        wait_idle(projector, timeout=SLOW)
        wait_still(projector)
        projector.wait_for_function(NO_VERTICAL_SCROLL, timeout=SLOW)
        shown = projector.locator(".hub-bars-row:not([hidden])").count()
        assert 6 <= shown <= 10, f"{name}: {shown} bars shown"
        assert set(projector.evaluate(ONE_FONT)) == {"Source Sans"}
        shot(projector, artifacts, name)
        assert_accessible(projector, name)
    # A dot arriving makes its bar glide: the browser animates, the server only sent new numbers.
    participation.place_dot(db, people[9], visible[0])
    projector.wait_for_function("() => document.getAnimations().some(a => a.playState === 'running')", timeout=SLOW)
    wait_still(projector)
    db.close()
    context.close()
