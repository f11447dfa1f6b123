"""Embedding in a video-call app is a setting (HUB_FRAME_ANCESTORS), checked strictly, served on every response."""

from __future__ import annotations

import pytest

from bench.harness import stop_server
from components import routes, rules
from tests.browser.conftest import ROOT, launch_streamlit, seed_database
from tests.test_config_security import fetch

PATHS = ["/", "/_stcore/health", "/healthz"]
TEAMS = "https://teams.microsoft.com https://*.teams.microsoft.com"
CSP_TAIL = "; object-src 'none'; base-uri 'self'"


@pytest.mark.parametrize("origin", ["https://teams.microsoft.com", "https://*.zoom.us", "https://localhost:8443",
                                    "https://a-b.example.org:443"])
def test_https_origins_are_accepted(origin):
    assert rules.is_frame_ancestor(origin)
    assert routes.read_frame_ancestors(origin) == (origin,)


@pytest.mark.parametrize("setting", ["http://teams.microsoft.com", "*", "https://*", "https://*.com", "'self'",
                                     "'none'", "https://teams.microsoft.com/", "https://a.com/path",
                                     "https://a.com:99999", "https://user@a.com", "data:", "https:",
                                     "https://a.com;script-src *", "https://ok.example https://a.com'"])
def test_anything_else_stops_the_start(setting):
    with pytest.raises(ValueError, match="HUB_FRAME_ANCESTORS must list at most 20 https origins"):
        routes.read_frame_ancestors(setting)


def test_a_list_is_split_on_spaces_and_commas_lowercased_and_bounded():
    assert routes.read_frame_ancestors(" https://Teams.microsoft.com,https://*.teams.microsoft.com  ") == (
        "https://teams.microsoft.com", "https://*.teams.microsoft.com")
    assert routes.read_frame_ancestors("") == routes.read_frame_ancestors(None) == ()
    too_many = " ".join(f"https://site{n}.example" for n in range(rules.FRAME_ANCESTORS_MAX + 1))
    with pytest.raises(ValueError):
        routes.read_frame_ancestors(too_many)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two real servers on one seeded database: without the setting and with Teams allowed."""
    tmp = tmp_path_factory.mktemp("frames")
    db_file = tmp / "hub.db"
    seed_database(db_file)
    started = {}
    try:
        started["default"] = launch_streamlit(ROOT / "app.py", ROOT, db_file, tmp / "default.log")
        started["teams"] = launch_streamlit(ROOT / "app.py", ROOT, db_file, tmp / "teams.log",
                                            HUB_FRAME_ANCESTORS=TEAMS)
        yield {name: url for name, (_proc, url) in started.items()}
    finally:
        for proc, _url in started.values():
            stop_server(proc)


@pytest.mark.parametrize("path", PATHS)
def test_default_headers_allow_only_the_app_itself(servers, path):
    status, headers, _body = fetch(servers["default"] + path)
    assert status == 200
    assert headers["content-security-policy"] == "frame-ancestors 'self'" + CSP_TAIL
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert (headers["referrer-policy"], headers["x-content-type-options"]) == ("no-referrer", "nosniff")


@pytest.mark.parametrize("path", PATHS)
def test_with_the_setting_the_listed_origins_may_frame_and_x_frame_options_goes(servers, path):
    status, headers, _body = fetch(servers["teams"] + path)
    assert status == 200
    assert headers["content-security-policy"] == f"frame-ancestors 'self' {TEAMS}" + CSP_TAIL
    assert "x-frame-options" not in headers  # it would block the side panel in browsers that still honour it
    assert (headers["referrer-policy"], headers["x-content-type-options"]) == ("no-referrer", "nosniff")


def test_a_wrong_setting_refuses_to_start(tmp_path):
    from components import storage
    db_file = tmp_path / "hub.db"
    storage.migrate(storage.open_db(db_file))
    with pytest.raises(RuntimeError, match="streamlit exited"):
        launch_streamlit(ROOT / "app.py", ROOT, db_file, tmp_path / "wrong.log", HUB_FRAME_ANCESTORS="*")
    assert "HUB_FRAME_ANCESTORS must list at most 20 https origins" in (tmp_path / "wrong.log").read_text()
