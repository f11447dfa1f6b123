"""The export command: a round trip through components.cli.main writes files we read back."""

from __future__ import annotations

import io
import re
import json

import openpyxl
import pytest

from components import audit, cli, workshops
from tests.test_analysis import seed_small


def test_export_json_round_trip(db, db_path, tmp_path, capsys):
    small = seed_small(db)
    code = workshops.get_workshop(db, small["workshop_id"])["code"]
    out = tmp_path / "out" / "results.json"
    assert cli.main(["--db", str(db_path), "export", "--workshop", code.lower(), "--format", "json",
                     "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    tally = {t["priority_id"]: t["dots"] for t in document["questions"][0]["tally"]}
    assert tally == {small["pids"]["A"]: 5, small["pids"]["B"]: 5, small["pids"]["C"]: 3, small["pids"]["D"]: 2}
    assert "Wrote" in capsys.readouterr().out
    assert audit.list_audit(db, small["workshop_id"])[-1]["action"] == "export"


def test_export_xlsx_and_csv(db, db_path, tmp_path):
    small = seed_small(db)
    code = workshops.get_workshop(db, small["workshop_id"])["code"]
    xlsx, csv_out = tmp_path / "r.xlsx", tmp_path / "r.csv"
    assert cli.main(["--db", str(db_path), "export", "--workshop", code, "--format", "xlsx", "--out", str(xlsx)]) == 0
    assert cli.main(["--db", str(db_path), "export", "--workshop", code, "--format", "csv", "--out", str(csv_out),
                     "--include-names"]) == 0
    book = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert book["ranked priorities"]["E2"].value == "Priority A"
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_unknown_workshop_is_a_message_not_a_traceback(db, db_path, tmp_path, capsys):
    assert cli.main(["--db", str(db_path), "export", "--workshop", "NOPE99", "--format", "csv",
                     "--out", str(tmp_path / "x.csv")]) == 2
    assert "No workshop has the code" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_usage_is_documented(capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    text = capsys.readouterr().out
    assert "--workshop CODE" in text and "csv,xlsx,json,html,zip" in text and "examples:" in text


def test_init_names_the_first_organiser_at_random_or_as_asked(tmp_path, capsys):
    names = []
    for run, extra in enumerate([[], [], ["--organiser", "ana.k"]]):
        assert cli.main(["--db", str(tmp_path / f"hub{run}.db"), "init", *extra]) == 0
        names.append(next(line.split(": ")[1] for line in capsys.readouterr().out.splitlines()
                          if line.strip().startswith("username:")))
    assert names[0] != names[1] and all(re.fullmatch(r"organiser-[0-9a-f]{6}", n) for n in names[:2])
    assert names[2] == "ana.k"
