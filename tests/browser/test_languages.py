"""Every shipped language on a 360 px phone: the browser's language is used, and join, ballot and results fit."""

from __future__ import annotations

import pytest

from components import facilitation, i18n, workshops
from tests.browser.conftest import shot, wait_idle, wait_saved

NARROW = {"width": 360, "height": 740}
# What a phone's browser sends for each catalog (Serbian: a Latin-script tag, and a bare country tag).
BROWSER_TAGS = {"sr_Latn": "sr-Latn-RS", "sr_Cyrl": "sr-RS"}
LANGUAGES = [code for code in i18n.available_languages() if code != "en"]
SCREENSHOT_LANGUAGES = ("sr_Cyrl", "sq", "mk", "el", "hu")

# Layout faults a participant would see, found in the live DOM of the main area:
# - a button whose text runs onto a second line (two text boxes that do not share a line), or
#   spills out of the button; a ballot row (dots, remove, add) that breaks onto a second line;
# - an element that cuts its own text off (overflow hidden and wider content);
# - a page that scrolls sideways.
LAYOUT_FAULTS = """() => {
  const faults = [];
  const main = document.querySelector('[data-testid="stMain"]');
  const visible = el => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden';
  const textRects = el => {
    const rects = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (!walker.currentNode.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      rects.push(...[...range.getClientRects()].filter(r => r.width > 0 && r.height > 0));
    }
    return rects;
  };
  for (const button of main.querySelectorAll('button')) {
    if (!visible(button) || !button.innerText.trim()) continue;
    const rects = textRects(button), box = button.getBoundingClientRect();
    const label = button.innerText.trim().replace(/\\s+/g, ' ');
    if (rects.some(a => rects.some(b => b.top >= a.bottom - 1))) faults.push('wraps: ' + label);
    if (rects.some(r => r.left < box.left - 1 || r.right > box.right + 1)) faults.push('spills: ' + label);
  }
  for (const row of main.querySelectorAll('.hub-row')) {
    const boxes = [...row.children].filter(visible).map(c => c.getBoundingClientRect());
    if (boxes.some(a => boxes.some(b => b.top >= a.bottom - 1))) faults.push('row breaks: ' + row.innerText.trim().replace(/\\s+/g, ' '));
  }
  for (const el of main.querySelectorAll('*')) {
    if (!visible(el) || !el.innerText || !el.innerText.trim()) continue;
    const style = getComputedStyle(el);
    const cuts = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (cuts && el.scrollWidth > el.clientWidth + 1 && el.children.length === 0)
      faults.push('clipped: ' + el.innerText.trim().slice(0, 40));
  }
  if (document.documentElement.scrollWidth > window.innerWidth)
    faults.push('scrolls sideways: ' + document.documentElement.scrollWidth + ' px');
  return faults;
}"""


@pytest.fixture(scope="module")
def voting_live(live_server):
    """The demo question in voting with live results."""
    db = live_server.db()
    question = workshops.list_questions(db, live_server.workshop_id)[0]
    if workshops.get_question(db, question["id"])["phase"] != "voting":
        facilitation.set_phase(db, question["id"], "voting", "test")
    facilitation.set_results_visibility(db, question["id"], "live", "test")
    db.close()
    return question


@pytest.fixture(scope="module")
def narrow_phone(browser):
    """One 360 px phone for every language: its cache keeps the app's static files between them."""
    context = browser.new_context(viewport=NARROW, device_scale_factor=1, is_mobile=True, has_touch=True)
    yield context
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_join_page_and_ballot_fit_a_360_px_phone(live_server, narrow_phone, artifacts, voting_live, language):
    gettext, ngettext = i18n.translator(language).gettext, i18n.translator(language).ngettext
    # A new person each time (no remembered participant), whose browser asks for this language.
    narrow_phone.clear_cookies()
    page = narrow_phone.new_page()
    page.set_extra_http_headers({"Accept-Language": BROWSER_TAGS.get(language, language)})

    # The join page, in the browser's language (the demo workshop itself is English).
    page.goto(f"{live_server.url}/?code={live_server.code}")
    page.get_by_role("heading", name=gettext("Join the workshop"), exact=True).wait_for()
    wait_idle(page)
    assert page.evaluate(LAYOUT_FAULTS) == [], f"join page ({language})"
    # Only the participant's page: no sidebar to open, no heading anchor links.
    assert page.locator("[data-testid='stExpandSidebarButton'], [data-testid='stSidebar']").count() == 0
    assert page.locator("[data-testid='stHeaderActionElements']:visible").count() == 0

    # The ballot: the same browser, after joining.
    page.get_by_role("button", name=gettext("Join"), exact=True).click()
    line = ngettext("{left} of {budget} dot left", "{left} of {budget} dots left", 5).format(left=5, budget=5)
    page.get_by_text(line, exact=True).first.wait_for()
    wait_idle(page)
    assert page.get_by_role("button", name=gettext("Add dot")).count() >= 1
    # Live results under the ballot: a compact list, measured with the ballot.
    page.get_by_role("list", name=gettext("Results"), exact=True).wait_for()
    assert page.get_by_role("list", name=gettext("Results"), exact=True).get_by_role("listitem").count() >= 3
    assert page.evaluate(LAYOUT_FAULTS) == [], f"ballot and results ({language})"
    # A tap while the Wi-Fi is down: the offline note and "Saving…" fit too, then the tap is sent.
    narrow_phone.set_offline(True)
    page.get_by_role("button", name=gettext("Add dot")).first.click()
    page.get_by_text(gettext("Offline — your taps will be sent when you are back."), exact=True).wait_for()
    page.get_by_text(gettext("Saving…"), exact=True).wait_for()
    assert page.evaluate(LAYOUT_FAULTS) == [], f"ballot offline ({language})"
    narrow_phone.set_offline(False)
    wait_saved(page)
    page.get_by_text(gettext("Saved"), exact=True).wait_for()
    if language in SCREENSHOT_LANGUAGES:
        shot(page, artifacts, f"phone-360-ballot-{language}")
        # The list itself is redrawn whenever the room's tally moves: scroll its container, which stays.
        page.get_by_role("list", name=gettext("Results"), exact=True).wait_for()
        page.locator(".hub-results-root").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"phone-360-results-{language}.png"))
    page.close()


def test_layout_check_finds_wrapped_spilled_and_clipped_text(browser):
    """The check above can fail: a wrapping button, a clipped cell and a sideways scroll are all found."""
    page = browser.new_page(viewport=NARROW)
    page.set_content("""<div data-testid="stMain">
      <button style="width: 80px"><span>+</span> <span>Pontot hozzáadni most</span></button>
      <button style="width: 90px"><span>OK</span></button>
      <div style="width: 60px; overflow: hidden; white-space: nowrap">Felhasznált pontjaik</div>
      <div class="hub-row" style="display: flex; flex-wrap: wrap; width: 100px">
        <span>○○○</span><button>Remove</button><button>Add</button></div>
      <div style="width: 500px">wide</div></div>""")
    faults = page.evaluate(LAYOUT_FAULTS)
    page.close()
    assert faults == ["wraps: + Pontot hozzáadni most", "row breaks: ○○○ Remove Add", "clipped: Felhasznált pontjaik",
                      "scrolls sideways: 508 px"]
