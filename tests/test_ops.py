"""Operations: make serve's refusals, rotating backups, the status command, the Caddyfile and the static build."""

from __future__ import annotations

import gzip
import os
import socket
import stat
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import brotli
import pytest

from components import auth, cli, ops, serve, storage, workshops
from tests.browser.conftest import wait_until

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    """A file's permission bits."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def key_file(db_path, monkeypatch):
    """No cookie key in the environment: the generated file is the key, as on a server after `make init`."""
    monkeypatch.delenv(auth.COOKIE_KEY_ENV)
    auth.load_cookie_key()
    return auth.cookie_key_path()


def test_preflight_passes_a_private_database_with_a_key(db, db_path, key_file):
    assert ops.preflight_problems() == []


def test_preflight_refuses_a_missing_database_without_creating_it(db_path, key_file, capsys):
    assert cli.main(["preflight"]) == 2
    assert "There is no database at" in capsys.readouterr().err and "make init" in ops.preflight_problems()[0]
    assert not db_path.exists()


def test_preflight_refuses_a_world_readable_database_and_says_how_to_fix_it(db, db_path, key_file):
    os.chmod(db_path, 0o644)
    [problem] = ops.preflight_problems()
    assert f"{db_path} can be read or changed by other users" in problem and f"chmod 600 {db_path}" in problem
    assert mode(db_path) == 0o644  # the check only reads: it never hides the problem by narrowing the mode


@pytest.mark.parametrize("wide", [0o620, 0o602])
def test_preflight_refuses_a_database_or_cookie_key_others_can_write(db, db_path, key_file, wide):
    """Writable is worse than readable: another user could change the votes, or swap the cookie key for one they
    know and sign themselves a staff login. Before, only the read bits were checked, so 0620 and 0602 passed."""
    os.chmod(db_path, wide)
    [problem] = ops.preflight_problems()
    assert f"{db_path} can be read or changed by other users" in problem and f"chmod 600 {db_path}" in problem
    os.chmod(db_path, 0o600)
    os.chmod(key_file, wide)
    [problem] = ops.preflight_problems()
    assert f"{key_file} can be read or changed by other users" in problem and f"chmod 600 {key_file}" in problem


def test_preflight_refuses_a_readable_backup(db, db_path, key_file):
    backup = ops.backup_rotating(db)
    os.chmod(backup, 0o640)
    [problem] = ops.preflight_problems()
    assert str(backup) in problem


def test_preflight_refuses_a_missing_or_short_cookie_key(db, db_path, monkeypatch):
    monkeypatch.delenv(auth.COOKIE_KEY_ENV)
    [problem] = ops.preflight_problems()
    assert "There is no staff cookie key" in problem and "make init" in problem
    monkeypatch.setenv(auth.COOKIE_KEY_ENV, "short")
    [problem] = ops.preflight_problems()
    assert f"{auth.COOKIE_KEY_ENV} is only 5 characters" in problem


def test_rotating_backups_keep_the_newest_private_and_complete(db, db_path, voting, tmp_path):
    _workshop, question, _ids = voting
    folder = tmp_path / "backups"
    start = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    made = [ops.backup_rotating(db, folder, keep=12, now=start + timedelta(minutes=5 * i)) for i in range(14)]
    assert ops.backup_files(folder) == made[2:]
    assert mode(folder) == 0o700 and {mode(p) for p in made[2:]} == {0o600}
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in made[2:])  # no partial, -wal or -shm left
    copy = storage.open_db(made[-1])
    try:
        assert workshops.get_question(copy, question["id"])["phase"] == "voting"
    finally:
        copy.close()


def test_status_reports_processes_write_latency_disk_and_last_backup(db, db_path, voting, tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_BACKUP_DIR", str(tmp_path / "backups"))
    with socket.socket() as sock:  # a port where nothing listens: a process that is down
        sock.bind(("127.0.0.1", 0))
        down_port = sock.getsockname()[1]
    report = ops.status(db, [down_port])
    assert report["processes"] == [{**report["processes"][0], "port": down_port, "up": False, "sessions": None}]
    assert report["write_ms"] > 0 and report["disk_free_bytes"] > 0 and report["last_backup"] is None
    assert storage.fetch_value(db, "SELECT count(*) FROM ops_probe") == 1  # the probe rewrites one row
    assert not ops.status_ok(report)
    lines = ops.format_status(report)
    assert lines[1] == f"process    :{down_port} DOWN (URLError)" and lines[-1].startswith("backup     NONE yet")
    ops.backup_rotating(db)
    assert ops.status(db, [])["last_backup"]["count"] == 1


def test_status_command_exit_code_says_whether_something_needs_you(db, db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HUB_BACKUP_DIR", str(tmp_path / "backups"))
    assert cli.main(["backup-rotate"]) == 0
    assert cli.main(["status", "--ports", "1"]) == 1  # port 1: nobody listens
    assert ":1 DOWN" in capsys.readouterr().out


def test_site_address_gives_tls_to_a_domain_and_plain_http_to_this_machine():
    assert serve.site_address("hub.example.org") == "hub.example.org"
    assert serve.site_address("127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert serve.site_address("localhost:9000") == "http://localhost:9000"
    assert serve.site_address("http://10.0.0.5:80") == "http://10.0.0.5:80"
    assert serve.site_address("") == serve.DEFAULT_ADDRESS


def test_the_shipped_deploy_caddyfile_is_what_the_generator_writes():
    """deploy/Caddyfile is the generator's output for 4 processes: the two never drift apart."""
    expected = serve.render_caddyfile("hub.example.org", [8501, 8502, 8503, 8504],
                                      Path("/opt/hub-workshop/build/static"), admin=True)
    assert (ROOT / "deploy" / "Caddyfile").read_text() == expected
    assert "lb_policy cookie hub_lb" in expected and "precompressed br gzip" in expected
    assert 'Strict-Transport-Security' in expected
    local = serve.render_caddyfile("http://127.0.0.1:8080", [8501], Path("/x"))
    assert "admin off" in local and "Strict-Transport-Security" not in local


def test_static_build_writes_br_and_gz_that_decompress_to_the_originals(tmp_path, monkeypatch):
    source = tmp_path / "streamlit-static"
    (source / "static" / "js").mkdir(parents=True)
    script = b"console.log('hub');\n" * 500
    (source / "static" / "js" / "index.abc.js").write_bytes(script)
    (source / "static" / "media" ).mkdir()
    (source / "static" / "media" / "font.woff2").write_bytes(os.urandom(4096))  # already compressed
    (source / "index.html").write_bytes(b"<html></html>")  # too small to gain
    monkeypatch.setattr(serve, "streamlit_static_dir", lambda: source)
    built = serve.build_static(tmp_path / "build")
    js = built / "static" / "js" / "index.abc.js"
    assert brotli.decompress((js.parent / (js.name + ".br")).read_bytes()) == script
    assert gzip.decompress((js.parent / (js.name + ".gz")).read_bytes()) == script
    assert sorted(p.name for p in (built / "static" / "media").iterdir()) == ["font.woff2"]
    assert not (built / "index.html.br").exists()
    js.write_bytes(b"changed")  # a second run with the same stamp keeps the copy as it is
    assert serve.build_static(tmp_path / "build") == built and js.read_bytes() == b"changed"


def test_supervisor_starts_a_dead_process_again_and_backs_up_on_schedule(db, db_path, tmp_path, monkeypatch):
    """make serve's loop: a Streamlit process that died is started again; backups keep coming."""
    monkeypatch.setenv("HUB_BACKUP_DIR", str(tmp_path / "backups"))
    started = []

    def fake_start(port, env, log_dir):
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        started.append(proc)
        return proc

    monkeypatch.setattr(serve, "start_streamlit", fake_start)
    monkeypatch.setattr(serve, "RESTART_PAUSE_SECONDS", 0)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    layout = serve.Layout("http://127.0.0.1:1", [1], {}, tmp_path)
    layout.streamlit[1] = dead
    stop = threading.Event()
    loop = threading.Thread(target=serve.supervise, args=(layout, stop, 1.0))
    loop.start()
    try:
        wait_until(lambda: len(ops.backup_files(tmp_path / "backups")) >= 3, timeout=30)
    finally:
        stop.set()
        loop.join()
        for proc in started:
            proc.kill()
            proc.wait()
    assert len(started) == 1 and layout.streamlit[1] is started[0]


def test_make_serve_refuses_a_taken_port_before_starting_anything(db, db_path, key_file, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert serve.main(["serve", "--processes", "1", "--first-port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("make serve refuses to start:") and f"Port {port} is taken" in err and "HUB_FIRST_PORT" in err
