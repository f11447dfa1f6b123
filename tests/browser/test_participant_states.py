"""Every participant state on two phones (360 and 390 px), in English and for a cs-CZ browser.

join, collecting, voting (live results), offline, closed, revealed: each is checked for layout faults
(tests/browser/test_languages.LAYOUT_FAULTS), spoken in the phone's language, and screenshotted into
test-artifacts/state-<language>-<width>-<state>.png to be looked at.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from components import facilitation, i18n, seed, workshops
from tests.browser.conftest import shot, wait_idle, wait_saved
from tests.browser.test_languages import LAYOUT_FAULTS

WIDTHS = (360, 390)
BROWSER_LOCALES = {"en": "en-GB", "cs": "cs-CZ"}


def check(page, language: str, state: str) -> None:
    """No layout fault, no sidebar, then a screenshot to look at."""
    wait_idle(page)
    width = page.viewport_size["width"]
    assert page.evaluate(LAYOUT_FAULTS) == [], f"{state} ({language}, {width} px)"
    assert page.locator("[data-testid='stExpandSidebarButton'], [data-testid='stSidebar']").count() == 0
    shot(page, page.context.artifacts, f"state-{language}-{width}-{state}")


@pytest.mark.parametrize("language", ["en", "cs"])
def test_every_participant_state_fits_and_speaks_the_phones_language(live_server, browser, artifacts, language):
    translator = i18n.translator(language)
    _, n_ = translator.gettext, translator.ngettext
    line = lambda left: n_("{left} of {budget} dot left", "{left} of {budget} dots left", left).format(  # noqa: E731
        left=left, budget=5)
    db = live_server.db()
    workshop = workshops.get_workshop(db, seed.seed_demo(db))  # a workshop of its own, in English
    db.conn.execute("UPDATE profile_question SET required = 1 WHERE workshop_id = ? AND key = 'country'", (workshop["id"],))
    db.conn.commit()
    question = workshops.list_questions(db, workshop["id"])[0]
    phones = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=1, is_mobile=True,
                                      has_touch=True, locale=BROWSER_LOCALES[language])
        context.artifacts = artifacts
        phones.append(context.new_page())

    for page in phones:  # join: the code from the QR, a required country, then Join
        page.goto(f"{live_server.url}/?code={workshop['code']}")
        page.get_by_role("heading", name=_("Join the workshop"), exact=True).wait_for()
        expect(page.get_by_text(_("Country") + " " + _("(required)"), exact=True)).to_be_visible()
        check(page, language, "join")
        page.get_by_role("combobox", name=_("Country") + " " + _("(required)"), exact=True).click()
        page.get_by_role("option").nth(2).click()
        page.get_by_role("button", name=_("Join"), exact=True).click()

    for page in phones:  # collecting: the form, and one's own priority below it
        page.get_by_label(_("Your priority")).fill("Mentoring for new participatory budgeting teams")
        page.get_by_role("button", name=_("Submit"), exact=True).click()
        page.get_by_text(_("Thank you! Your priority was added."), exact=True).wait_for()
        check(page, language, "collecting")

    facilitation.set_results_visibility(db, question["id"], "live", "test")
    facilitation.set_phase(db, question["id"], "voting", "test")
    for page in phones:  # voting: the ballot appears by itself, a tap is saved, live results below
        page.get_by_text(line(5), exact=True).wait_for()
        expect(page.get_by_role("button", name=_("Submit"), exact=True)).to_have_count(0)
        page.get_by_role("button", name=_("Add dot")).first.click()
        wait_saved(page)
        page.get_by_text(_("Saved"), exact=True).wait_for()
        page.get_by_role("list", name=_("Results"), exact=True).wait_for()
        check(page, language, "voting")

    for page in phones:  # offline: the tap waits on the phone, and says so
        page.context.set_offline(True)
        page.get_by_role("button", name=_("Add dot")).first.click()
        page.get_by_text(_("Offline — your taps will be sent when you are back."), exact=True).wait_for()
        page.get_by_text(_("Saving…"), exact=True).wait_for()
        page.get_by_text(line(3), exact=True).wait_for()
        check(page, language, "offline")
        page.context.set_offline(False)
        wait_saved(page)

    facilitation.set_results_visibility(db, question["id"], "hidden", "test")
    facilitation.set_phase(db, question["id"], "closed", "test")
    for page in phones:  # closed: thanks, the receipt, and what happens next
        page.get_by_text(_("Thank you for voting. Your dots are counted."), exact=True).wait_for()
        expect(page.get_by_text(_("The results will be shown on the screen at the front of the room, "
                                  "and here once they are revealed."), exact=True)).to_be_visible()
        check(page, language, "closed")

    facilitation.set_results_visibility(db, question["id"], "revealed", "test")
    for page in phones:  # revealed: the results list, with the phone's own dots
        page.get_by_role("list", name=_("Results"), exact=True).wait_for()
        page.get_by_role("list", name=_("Results"), exact=True).scroll_into_view_if_needed()
        check(page, language, "revealed")
        page.context.close()


def test_a_czech_browser_gets_czech_and_the_picker_switches_both_ways(live_server, browser):
    cs = i18n.translator("cs")
    db = live_server.db()
    workshop = workshops.get_workshop(db, seed.seed_demo(db))  # the workshop itself is in English
    question = workshops.list_questions(db, workshop["id"])[0]
    facilitation.set_phase(db, question["id"], "voting", "test")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="cs-CZ")
    page = context.new_page()
    page.goto(f"{live_server.url}/?code={workshop['code']}")
    page.get_by_role("heading", name="Připojte se k workshopu", exact=True).wait_for()
    page.get_by_role("button", name="Připojit se", exact=True).click()
    page.get_by_text("Zbývá 5 bodů z 5", exact=True).wait_for()
    page.get_by_role("button", name="Přidat bod").first.click()
    wait_saved(page)  # the ballot has talked to its route: its next texts come from there too

    label = "🌐 " + cs.gettext("Language")
    for language, line, add, new_label in (("English", "4 of 5 dots left", "Add dot", "🌐 Language"),
                                           ("Čeština", "Zbývají 4 body z 5", "Přidat bod", label)):
        wait_idle(page)
        page.get_by_role("combobox", name=label, exact=True).click()
        page.get_by_role("option", name=language, exact=True).click()
        page.get_by_text(line, exact=True).wait_for()
        expect(page.get_by_role("button", name=add).first).to_be_visible()
        # The picker shows the language in use.
        expect(page.get_by_role("combobox", name=new_label, exact=True)).to_have_value(language)
        label = new_label
    context.close()
