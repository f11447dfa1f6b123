"""The dependency audit CI runs (.ci/audit_pins.py), against a fake index."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("audit_pins", ROOT / ".ci" / "audit_pins.py")
audit_pins = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_pins)

INDEX = {
    "https://pypi.org/pypi/bad/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": [
        {"id": "PYSEC-1", "withdrawn": None}, {"id": "GHSA-old", "withdrawn": "2024-01-01"}]},
    "https://pypi.org/pypi/newest/json": {"info": {"version": "2.0"}, "vulnerabilities": []},
    "https://pypi.org/pypi/older/json": {"info": {"version": "3.0"}, "vulnerabilities": [],
                                         "urls": [{"upload_time_iso_8601": "2999-01-01T00:00:00Z"}]},
    "https://pypi.org/pypi/long-overtaken/json": {"info": {"version": "3.0"}, "vulnerabilities": [],
                                                  "urls": [{"upload_time_iso_8601": "2020-01-01T00:00:00.1Z"}]},
    "https://pypi.org/pypi/newest-bad/json": {"info": {"version": "1.1"}, "vulnerabilities": [{"id": "GHSA-2"}]},
}


def test_audit_reads_per_release_then_project_data_and_never_passes_what_it_cannot_check():
    """An overtaken pin is reported apart (a warning): an upstream release must not fail CI."""
    assert audit_pins.audit_pin("bad", "1.0", INDEX.get) == ("vulnerable", ["PYSEC-1"])
    assert audit_pins.audit_pin("newest", "2.0", INDEX.get) == ("ok", [])
    assert audit_pins.audit_pin("newest-bad", "1.1", INDEX.get) == ("vulnerable", ["GHSA-2"])
    verdict, why = audit_pins.audit_pin("older", "2.9", INDEX.get)
    assert verdict == "overtaken" and "3.0" in why[0]
    verdict, why = audit_pins.audit_pin("long-overtaken", "2.9", INDEX.get)   # a fix may be in 3.0
    assert verdict == "unchecked" and "bump the pin" in why[0]
    assert audit_pins.audit_pin("missing", "1.0", INDEX.get) == ("unchecked", ["not on the index"])


def test_audit_reads_every_exact_pin(tmp_path):
    (tmp_path / "r.txt").write_text("-r other.txt\n# c\nJinja2==3.1.6\nuvicorn[standard]==0.54.0\nrange>=1\n")
    assert audit_pins.read_pins([str(tmp_path / "r.txt")]) == {"jinja2": "3.1.6", "uvicorn": "0.54.0"}


def test_audit_fails_on_a_vulnerable_or_missing_pin_but_not_on_an_overtaken_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(audit_pins, "fetch_json", INDEX.get)
    monkeypatch.setattr(audit_pins, "ALLOW_FILE", tmp_path / "none.txt")
    (tmp_path / "old.txt").write_text("older==2.9\nnewest==2.0\n")
    (tmp_path / "bad.txt").write_text("older==2.9\nbad==1.0\n")
    (tmp_path / "gone.txt").write_text("missing==1.0\n")
    assert audit_pins.main([str(tmp_path / "old.txt")]) == 0
    assert "2 pins, 0 failing, 1 overtaken" in capsys.readouterr().out
    assert audit_pins.main([str(tmp_path / "bad.txt")]) == 1
    assert audit_pins.main([str(tmp_path / "gone.txt")]) == 1
