"""Real-browser fixtures: a live Streamlit server on a temp database, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from bench import harness
from components import auth, seed, storage, workshops

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("HUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
STAFF_PASSWORD = "correct-horse-battery"
STAFF_NAMES = {"facilitator": "Fiona Facilitator", "organiser": "Olga Organiser"}  # username = role
# A time budget for a page on a loaded 2-core machine (login: bcrypt plus the authenticator's
# 0.7 s per logged-out run), never a pause: every wait returns as soon as its condition holds.
SLOW = 90_000


def _browser_available() -> bool:
    """True when Chromium and Playwright are both here."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    """Skip browser tests on a laptop without Chromium; in CI (HUB_REQUIRE_BROWSER=1) they run and fail."""
    if _browser_available() or os.environ.get("HUB_REQUIRE_BROWSER"):
        return
    marker = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' to run browser tests")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(marker)


class LiveServer:
    """A running app: its base URL, database path and the demo workshop's join code."""

    def __init__(self, url: str, db_file: Path, code: str, workshop_id: int):
        self.url, self.db_file, self.code, self.workshop_id = url, db_file, code, workshop_id

    def db(self):
        """Open a fresh connection to the server's database."""
        return storage.open_db(self.db_file)

    def read(self, func, *args):
        """func(db, *args) on a connection of its own, closed afterwards."""
        db = self.db()
        try:
            return func(db, *args)
        finally:
            db.close()


def seed_database(db_file: Path, *staff: str) -> tuple[int, str]:
    """A new migrated database with the demo workshop and the named staff accounts; returns (workshop id, code)."""
    database = storage.open_db(db_file)
    try:
        storage.migrate(database)
        workshop_id = seed.seed_demo(database)
        for username in staff:
            auth.create_user(database, username, STAFF_NAMES[username], username, "test", password=STAFF_PASSWORD)
        return workshop_id, workshops.get_workshop(database, workshop_id)["code"]
    finally:
        database.close()


def launch_streamlit(app: Path, cwd: Path, db_file: Path, log_path: Path,
                     **extra_env: str) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app` on a free loopback port against db_file; return the process and its URL."""
    return harness.start_server(app, db_file, log_path, extra_env, cwd=cwd)


def start_server(tmp_dir: Path) -> tuple[subprocess.Popen, LiveServer, Path]:
    """Seed a database and start streamlit on a free port."""
    db_file = tmp_dir / "hub.db"
    workshop_id, code = seed_database(db_file, "facilitator", "organiser")
    proc, url = launch_streamlit(ROOT / "app.py", ROOT, db_file, tmp_dir / "streamlit.log")
    return proc, LiveServer(url, db_file, code, workshop_id), tmp_dir / "streamlit.log"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server per test module, stopped afterwards."""
    proc, server, _log = start_server(tmp_path_factory.mktemp("server"))
    yield server
    harness.stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                              args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (printed in the test output)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def shot(page, artifacts: Path, name: str) -> Path:
    """Save a full-page screenshot and print its path."""
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


# Ready: the app has drawn something, its script (or fragment) run is over, no element is stale,
# no widget is still a skeleton (Streamlit loads widget code lazily and draws a placeholder
# meanwhile), the web fonts have loaded and the browser has painted twice since (so a screenshot
# shows the finished frame). Sampled every animation frame: a page with a 1 s fragment is between
# runs only briefly on a loaded machine.
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning'
    && !!document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]')
    && !document.querySelector('[data-stale="true"]') && !document.querySelector('[data-testid="stSkeleton"]');
}"""
PAINTED = "() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished its current run and the result is painted."""
    page.wait_for_function(IDLE, timeout=timeout, polling="raf")
    page.evaluate(PAINTED)


# No finite animation still running (the projector's bars glide for 0.7 s after each update): a screenshot
# then shows where the bars ended, not a frame of the glide. Endless ones (spinners) do not count.
STILL = """() => document.getAnimations().every(a => a.playState !== 'running'
    || a.effect.getComputedTiming().iterations === Infinity)"""


def wait_still(page, timeout: float = 10_000) -> None:
    """Wait until the page's finite CSS animations and transitions have ended."""
    page.wait_for_function(STILL, timeout=timeout, polling="raf")


def dots_left(left: int, budget: int) -> str:
    """The ballot's counter text exactly as the English interface writes it."""
    return f"{left} of {budget} {'dot' if left == 1 else 'dots'} left"


def wait_saved(page, timeout: float = SLOW) -> None:
    """Wait until the server has stored every tap on the phone's ballot (no "Saving…" left on it)."""
    from playwright.sync_api import expect

    expect(page.locator(".hub-status.hub-saving:not([hidden])")).to_have_count(0, timeout=timeout)


def wait_until(predicate, timeout: float = 10.0, every: float = 0.02) -> float:
    """Poll a condition outside the browser (e.g. a database row); return the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(every)
    return time.monotonic() - started


def staff_login(page, url: str, username: str) -> None:
    """Log in through the login page's own address and the real form; returns on the Run workshop page."""
    page.goto(url + "/login")  # staff have their own address: participants see no staff links
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Run workshop").first.wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)  # the run after logging in is over: the click starts a clean page run
    page.get_by_role("link", name="Run workshop").first.click()
    page.get_by_role("heading", name="Run workshop").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)


def open_staff_page(page, url: str, username: str, title: str) -> None:
    """Log in through the real form, then open one staff page from the sidebar (its link and heading say `title`)."""
    staff_login(page, url, username)
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("heading", name=title).wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)


def join_phone(browser, url: str, code: str, name: str, context=None):
    """A phone (a browser context of its own, unless one is given) joined through the form; returns (context, page)."""
    if context is None:
        context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{url}/?code={code}")
    page.get_by_label("Your name (optional)").fill(name)
    page.get_by_role("button", name="Join", exact=True).click()
    page.wait_for_url("**t=*")
    wait_idle(page)
    return context, page
