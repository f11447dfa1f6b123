"""The production layout (`make serve`): Caddy in front of two Streamlit processes on one database.

Each browser is put on a chosen process by its hub_lb cookie (Caddy's cookie policy: HMAC-SHA256 of the
upstream address, here with an empty secret), and each process's /healthz, asked directly on its port,
says how many tabs it holds, so every test knows which process serves which browser.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import urllib.request

import pytest

from bench.layouts import free_ports
from components import facilitation, ops, serve, storage, workshops
from tests.browser.conftest import (PHONE, PROJECTOR, dots_left, join_phone, seed_database, shot, staff_login, wait_idle,
                                    wait_until)

# A laptop without Caddy skips these with a reason; CI (HUB_REQUIRE_BROWSER=1) installs it and runs them.
pytestmark = pytest.mark.skipif(shutil.which("caddy") is None and not os.environ.get("HUB_REQUIRE_BROWSER"),
                                reason="Caddy not found: install Debian's 'caddy' to test the production layout")

# Only a push can bring the ballot within this test: the phone's own check waits 10 minutes.
LAYOUT_ENV = {"HUB_WORKSHOP_COOKIE_KEY": "c" * 64, "HUB_PHASE_POLL_SECONDS": "600"}


class Proxied:
    """Caddy and two Streamlit processes on a seeded temporary database."""

    def __init__(self, layout, db_file, code: str, workshop_id: int):
        self.layout, self.db_file, self.code, self.workshop_id = layout, db_file, code, workshop_id
        self.url = layout.url

    def db(self):
        """A fresh connection to the shared database."""
        return storage.open_db(self.db_file)

    def tabs(self, port: int) -> int:
        """Browser tabs the process on this port holds now."""
        return ops.ask_health(port)["sessions"]

    def pin(self, context, port: int) -> None:
        """Send this browser to the process on `port`, as Caddy's own cookie would."""
        value = hmac.new(b"", f"127.0.0.1:{port}".encode(), hashlib.sha256).hexdigest()
        context.add_cookies([{"name": "hub_lb", "value": value, "url": self.url}])


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """The layout `make serve PROCESSES=2` starts, on free ports."""
    tmp = tmp_path_factory.mktemp("proxied")
    db_file = tmp / "hub.db"
    workshop_id, code = seed_database(db_file, "facilitator")
    first = free_ports(3)
    layout = serve.start_layout(2, f"http://127.0.0.1:{first + 2}", db_file, tmp / "logs", first_port=first,
                                extra_env=LAYOUT_ENV)
    try:
        yield Proxied(layout, db_file, code, workshop_id)
    finally:
        layout.stop()


def phone_joins(browser, proxied: Proxied, port: int, name: str, responses: list | None = None):
    """A phone of its own, kept on the process at `port`, joined through the form; returns (context, page)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    proxied.pin(context, port)
    if responses is not None:
        context.on("response", lambda r: responses.append(r) if "/static/" in r.url else None)
    return join_phone(browser, proxied.url, proxied.code, name, context)


def add_dot(page, priority_id: int, left_after: int) -> None:
    """Press Add dot on one priority and wait until the phone shows it counted."""
    page.locator(f"li.hub-item[data-priority='{priority_id}']").get_by_role("button", name="Add dot").click()
    page.get_by_text(dots_left(left_after, 5), exact=True).first.wait_for()


def dots_of(db, token: str) -> int:
    """Dots stored for the participant of this link."""
    return db.conn.execute("SELECT count(*) FROM dot d JOIN participant p ON p.id = d.participant_id WHERE p.token = ?",
                           (token,)).fetchone()[0]


def test_phone_on_one_process_gets_the_ballot_opened_through_the_other(proxied, browser, artifacts):
    p1, p2 = proxied.layout.ports
    statics: list = []
    phone_context, phone = phone_joins(browser, proxied, p1, "Ana", statics)
    phone.get_by_label("Your priority").wait_for()
    wait_idle(phone)
    wait_until(lambda: (proxied.tabs(p1), proxied.tabs(p2)) == (1, 0), timeout=10)
    shot(phone, artifacts, "proxy-phone-joined-390")

    staff = browser.new_context(viewport=PROJECTOR, device_scale_factor=1)
    proxied.pin(staff, p2)
    page = staff.new_page()
    staff_login(page, proxied.url, "facilitator")
    wait_until(lambda: (proxied.tabs(p1), proxied.tabs(p2)) == (1, 1), timeout=10)  # the facilitator is on process 2
    page.get_by_role("button", name="Open voting").click()
    page.get_by_text("Phase changed to Voting.", exact=True).wait_for()
    shot(page, artifacts, "proxy-facilitator-opened-voting-1920")

    # No reload, no own check for 10 minutes: process 1's watcher pushes what process 2 committed.
    phone.get_by_text(dots_left(5, 5), exact=True).first.wait_for(timeout=30_000)
    wait_idle(phone)
    db = proxied.db()
    question = workshops.list_questions(db, proxied.workshop_id)[0]
    first = workshops.list_visible_priorities(db, question["id"])[0]
    add_dot(phone, first["id"], 4)
    assert dots_of(db, phone.url.split("t=")[1]) == 1
    shot(phone, artifacts, "proxy-phone-voted-390")

    # Streamlit's files came from Caddy: compressed, immutable, not from a Streamlit process.
    assert len(statics) >= 10
    encoded = 0
    for response in statics:
        headers = response.all_headers()
        built = serve.BUILD / "static" / response.url.split("/", 3)[3]
        # Chromium asks for br first; a file too small to gain has no compressed copy and comes plain.
        copies = [e for e in ("br", "gzip") if built.with_name(built.name + (".br" if e == "br" else ".gz")).exists()]
        assert response.status == 200 and headers["server"] == "Caddy", response.url
        assert headers.get("content-encoding") == (copies[0] if copies else None), response.url
        assert "immutable" in headers["cache-control"], response.url
        encoded += bool(copies)
    assert encoded >= len(statics) * 0.8
    script = next(r.url for r in statics if r.url.endswith(".js"))
    for encoding in ("br", "gzip"):
        request = urllib.request.Request(script, headers={"Accept-Encoding": encoding})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.headers["Content-Encoding"] == encoding and "immutable" in answer.headers["Cache-Control"]
    db.close()
    staff.close()
    phone_context.close()


def test_killing_a_process_mid_vote_moves_its_phones_with_identity_and_dots(proxied, browser, artifacts):
    p1, p2 = proxied.layout.ports
    db = proxied.db()
    question = workshops.list_questions(db, proxied.workshop_id)[0]
    if question["phase"] != "voting":
        facilitation.set_phase(db, question["id"], "voting", "test")
    ids = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])]
    participants_before = db.conn.execute("SELECT count(*) FROM participant").fetchone()[0]
    phones = [phone_joins(browser, proxied, port, name) for port, name in ((p1, "Bo"), (p1, "Cy"), (p2, "Di"))]
    tokens = [page.url.split("t=")[1] for _c, page in phones]
    for _context, page in phones:
        add_dot(page, ids[0], 4)
        add_dot(page, ids[1], 3)
    assert [dots_of(db, t) for t in tokens] == [2, 2, 2]

    # Bo taps a third time and process 1 dies at that moment: the tap may or may not be in.
    phones[0][1].locator(f"li.hub-item[data-priority='{ids[2]}']").get_by_role("button", name="Add dot").click()
    proxied.layout.streamlit[p1].kill()
    proxied.layout.streamlit[p1].wait(timeout=10)
    # Every phone is on process 2 now: its three tabs (the frontend reconnects through Caddy by itself).
    wait_until(lambda: proxied.tabs(p2) == 3, timeout=60, every=0.5)
    assert ops.ask_health(p1)["up"] is False
    for (_context, page), token in zip(phones, tokens):
        wait_idle(page, timeout=60_000)
        stored = dots_of(db, token)
        page.get_by_text(dots_left(5 - stored, 5), exact=True).first.wait_for()  # the screen tells the truth
        assert stored >= 2  # nothing acknowledged was lost
        assert page.url.split("t=")[1] == token
    shot(phones[0][1], artifacts, "proxy-phone-after-failover-390")
    before = dots_of(db, tokens[0])
    add_dot(phones[0][1], ids[2], 5 - before - 1)  # voting goes on, on process 2
    assert db.conn.execute("SELECT count(*) FROM participant").fetchone()[0] == participants_before + 3  # same people
    assert [dots_of(db, t) for t in tokens] == [before + 1, 2, 2]
    db.close()
    for context, _page in phones:
        context.close()
