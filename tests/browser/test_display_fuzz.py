"""Hostile participant text in a real browser: phone ballot, projector chart and the HTML report show it literally.

Each string goes in through the core (as a display name, a priority title and its details), then the test
reads the DOM: the literal characters are on screen, nothing ran (window.__pwned), and no link, image or
script was made from the text.
"""

from __future__ import annotations

import pytest

from components import exports, facilitation, participation, rules, workshops
from components.rules import DETAILS_MAX, TITLE_MAX, RuleError
from tests.browser.conftest import PHONE, PROJECTOR, shot, staff_login, wait_idle

FUZZ = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "[x](javascript:window.__pwned=1)",
    "![](http://127.0.0.1:9/track.png)",
    r"$\href{javascript:alert(1)}{x}$",
    ":red[red text]",
    "\u202egnp.exe",
    "a\u200bb\u200dc",
    "nul\x00byte",
]
HUGE = "x" * 100_000
SLOW = 60_000

# Everything that would mean the text was interpreted rather than shown.
INJECTED = """() => ({
  pwned: typeof window.__pwned !== 'undefined',
  js_links: [...document.querySelectorAll('a[href], [href], [xlink\\\\:href]')]
     .map(a => (a.getAttribute('href') || a.getAttribute('xlink:href') || '').trim().toLowerCase())
     .filter(h => h.startsWith('javascript:')).length,
  tracker_imgs: [...document.querySelectorAll('img, image')]
     .filter(i => ((i.getAttribute('src') || '') + (i.getAttribute('href') || '')).includes('127.0.0.1:9')).length,
  // Plotly's own inline script carries the (escaped) titles as data; a script made from the payload starts with it.
  pwn_scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.trim().startsWith('window.__pwned')).length,
  red_spans: [...document.querySelectorAll('span')].filter(s => s.textContent === 'red text').length,
  mathjax: document.querySelectorAll('.katex, mjx-container').length,
})"""
CLEAN = {"pwned": False, "js_links": 0, "tracker_imgs": 0, "pwn_scripts": 0, "red_spans": 0, "mathjax": 0}
# A wrapped label is one <tspan class="line"> per line: join them back with the space they replaced.
Y_TICKS = """() => [...document.querySelectorAll('.js-plotly-plot .ytick text')].map(t => {
    const lines = [...t.querySelectorAll('tspan.line')];
    return lines.length ? lines.map(l => l.textContent).join(' ') : t.textContent; })"""
# The projector's bars: each row names its rank, full title and dots (the title on screen may end in "…").
BAR_LABELS = """() => [...document.querySelectorAll('.hub-bars-row')].map(r => r.getAttribute('aria-label'))"""
# The rules drop control characters and bidi overrides on input; everything else must show as typed.
SHOWN = [rules.drop_invisible(text) for text in FUZZ]


def seed_fuzz(db, workshop_id: int) -> dict:
    """Hostile names, titles and details through the core; returns ids, tokens and the refusals seen."""
    workshop = workshops.get_workshop(db, workshop_id)
    question = workshops.list_questions(db, workshop_id)[0]
    for priority in workshops.list_visible_priorities(db, question["id"]):
        facilitation.set_priority_hidden(db, priority["id"], True, "test")  # keep the chart to the fuzz strings
    tokens = []
    for text in FUZZ:
        participant = participation.join_workshop(db, workshop["code"], text)
        assert participant["display_name"] == rules.drop_invisible(text)
        participation.submit_priority(db, participant, question["id"], text, f"details: {text}")
        tokens.append(participant["token"])
    refusals = {}
    with pytest.raises(RuleError) as too_long_name:
        participation.join_workshop(db, workshop["code"], HUGE)
    refusals["name"] = str(too_long_name.value)
    with pytest.raises(RuleError) as too_long_title:
        facilitation.add_priority_for_room(db, question["id"], HUGE, "test")
    refusals["title"] = str(too_long_title.value)
    with pytest.raises(RuleError) as too_long_details:
        facilitation.add_priority_for_room(db, question["id"], "Huge details", "test", details=HUGE)
    refusals["details"] = str(too_long_details.value)
    long_details = ("<b>" + "z" * DETAILS_MAX)[:DETAILS_MAX]
    long_title = ("<i>" + "y" * TITLE_MAX)[:TITLE_MAX]
    facilitation.add_priority_for_room(db, question["id"], long_title, "test", details=long_details)
    facilitation.set_phase(db, question["id"], "voting", "test")
    facilitation.set_results_visibility(db, question["id"], "live", "test")
    return {"question_id": question["id"], "tokens": tokens, "refusals": refusals,
            "long_title": long_title, "long_details": long_details}


def assert_inert(page, where: str) -> None:
    """Nothing ran and no element was built from participant text."""
    assert page.evaluate(INJECTED) == CLEAN, where


def test_hostile_text_is_shown_literally_everywhere(live_server, browser, artifacts):
    db = live_server.db()
    seeded = seed_fuzz(db, live_server.workshop_id)
    assert seeded["refusals"] == {"name": "Please keep your name to 80 characters or fewer.",
                                  "title": "Please keep it to 280 characters or fewer.",
                                  "details": "Please keep the details to 2000 characters or fewer."}

    # Phone ballot, 390 px.
    phone = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}/?t={seeded['tokens'][0]}")
    page.get_by_text("5 of 5 dots left", exact=True).first.wait_for(timeout=SLOW)
    wait_idle(page)
    for expander in page.get_by_text("Details", exact=True).all():
        expander.click()
    page.wait_for_function("want => want.every(t => document.querySelector('[data-testid=stMain]')"
                           ".innerText.includes('details: ' + t))", arg=SHOWN, timeout=SLOW)
    shown = page.evaluate("document.querySelector('[data-testid=stMain]').innerText")
    for text in SHOWN:
        assert text in shown, f"ballot does not show {text!r} literally"
        assert f"details: {text}" in shown, f"ballot details do not show {text!r} literally"
    assert seeded["long_title"] in shown and seeded["long_details"] in shown
    assert page.get_by_text("Traceback", exact=True).count() == 0
    assert_inert(page, "phone ballot")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "ballot scrolls sideways"
    shot(page, artifacts, "fuzz-01-ballot-390")
    phone.close()

    # Projector, 1920, results live: the bars carry the literal titles.
    staff = browser.new_context(viewport=PROJECTOR, device_scale_factor=1)
    page = staff.new_page()
    staff_login(page, live_server.url, "facilitator")
    # In-app link: a fresh page load of /projector does not restore the login on its first run.
    with staff.expect_page() as opened:  # the projector opens in its own tab
        page.get_by_role("link", name="Open the projector screen").click()
    page = opened.value
    page.wait_for_function(f"want => want.every(t => ({BAR_LABELS})().some(label => label.includes(t)))",
                           arg=SHOWN, timeout=SLOW)
    labels = page.evaluate(BAR_LABELS)
    for text in SHOWN:
        assert any(text in label for label in labels), f"projector bar lost {text!r}: {labels}"
    assert_inert(page, "projector")
    shot(page, artifacts, "fuzz-02-projector-1920")
    staff.close()

    # The self-contained HTML report, opened from a file.
    report = artifacts / "fuzz-report.html"
    report.write_bytes(exports.export_bytes(db, live_server.workshop_id, "html"))
    db.close()
    offline = browser.new_context(viewport=PROJECTOR, device_scale_factor=1)
    page = offline.new_page()
    page.goto(report.as_uri())
    page.wait_for_selector(".js-plotly-plot .ytick text", timeout=SLOW)
    text = page.evaluate("document.body.innerText")
    for hostile in SHOWN:
        assert hostile in text, f"report table does not show {hostile!r} literally"
    ticks = page.evaluate(Y_TICKS)
    for hostile in SHOWN:
        assert any(hostile in tick for tick in ticks), f"report chart label lost {hostile!r}: {ticks}"
    assert_inert(page, "HTML report")
    shot(page, artifacts, "fuzz-03-report")
    offline.close()


@pytest.mark.parametrize("title", ['<img src=x onerror="window.__pwned=1">', "Women's rights & \"youth\" hubs"])
def test_chart_label_shows_quotes_literally(browser, artifacts, title):
    import pandas as pd
    import plotly.io as pio

    from components import charts

    tally = pd.DataFrame([{"priority_id": 1, "title": title, "theme": "", "dots": 3, "supporters": 2,
                           "share_supporting": 1.0, "rank": 1}])
    page_file = artifacts / "fuzz-quotes-chart.html"
    page_file.write_text(pio.to_html(charts.build_ranking_chart(tally, []), include_plotlyjs=True), encoding="utf-8")
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_selector(".js-plotly-plot .ytick text")
    ticks = page.evaluate(Y_TICKS)
    context.close()
    assert any(title in tick for tick in ticks), ticks
