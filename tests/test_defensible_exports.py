"""Exports of the defensible results: receipts in the CSV and XLSX, the report's chosen top N and language."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter

from openpyxl import load_workbook

from components import exports, receipts
from tests.test_analysis import seed_small
from tests.test_receipts import ballots  # noqa: F401  (fixture)


def _receipt_rows_csv(db, workshop_id: int) -> list[dict]:
    """The receipts CSV of the 'download all' archive, as dicts (blank cells as '')."""
    archive = zipfile.ZipFile(io.BytesIO(exports.export_bytes(db, workshop_id, "zip")))
    name = next(n for n in archive.namelist() if n.endswith("-receipts.csv"))
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def _receipt_rows_xlsx(db, workshop_id: int) -> list[dict]:
    """The receipts sheet of the workbook, as dicts (blank cells as None)."""
    rows = list(load_workbook(io.BytesIO(exports.export_bytes(db, workshop_id, "xlsx")))["receipts"].values)
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_every_receipt_appears_once_in_the_csv_and_xlsx_and_adds_up_to_the_tally(db, ballots):  # noqa: F811
    workshop, question, ids, people = ballots
    expected = sorted(receipts.receipt_for(db, question, p["id"]) for p in people)
    tally = {t["priority_id"]: t["dots"] for t in json.loads(exports.export_bytes(db, workshop["id"], "json"))
             ["questions"][0]["tally"]}
    mine = receipts.receipt_for(db, question, people[0]["id"])
    for rows in (_receipt_rows_csv(db, workshop["id"]), _receipt_rows_xlsx(db, workshop["id"])):
        assert list(rows[0]) == ["question_no", "receipt", "dots per priority", "dots"]  # nothing else
        assert [r["receipt"] for r in rows] == expected  # each ballot once, sorted by receipt
        added = Counter()
        for row in rows:
            dots = {int(k.strip("# ")): int(v) for k, v in (part.split(":") for part in row["dots per priority"]
                                                            .split(" · ") if part)}
            assert int(row["dots"]) == sum(dots.values())
            added.update(dots)
        assert dict(added) == {pid: n for pid, n in tally.items() if n} == {ids[0]: 3, ids[1]: 2, ids[2]: 3}
        assert next(r for r in rows if r["receipt"] == mine)["dots per priority"] == f"#{ids[0]}: 2 · #{ids[1]}: 1"


# One dot each. Poland: 3 on A, 4 on B; Serbia: 2 on A, 3 on C. Dots A5 B4 C3 (supporters and equal budgets
# the same); per country, Poland's dots x 6/7 and Serbia's x 6/5: A 4.97, B 3.43, C 3.6, so places 2-3 swap.
SPLIT = {"pa": ("Poland", 3, (1, 0, 0)), "pb": ("Poland", 4, (0, 1, 0)), "sa": ("Serbia", 2, (1, 0, 0)),
         "sc": ("Serbia", 3, (0, 0, 1))}


def test_report_and_json_use_the_chosen_top_and_the_workshops_language(db):
    from tests.test_representation import seed_room
    room = seed_room(db, SPLIT, dots=1)
    db.conn.execute("UPDATE workshop SET language = 'cs' WHERE id = ?", (room["workshop_id"],))
    db.conn.commit()
    page = exports.export_bytes(db, room["workshop_id"], "html", top=3).decode()
    assert page.startswith("<!DOCTYPE html><html lang='en'>")  # the report's own text is English
    section = page[page.index("<h3>Robustness"):page.index("<h3>Ballot receipts")]
    assert "<p><b>First place is the same under all 5 counts; places 2–3 change.</b></p>" in section
    assert "<p lang='cs'><b>První místo je stejné ve všech 5 sčítáních; místa 2–3 se mění.</b></p>" in section
    assert "Top 3 compared." in section
    first = exports.export_bytes(db, room["workshop_id"], "html", top=1).decode()
    assert "<p lang='cs'><b>První místo je stejné ve všech 5 sčítáních.</b></p>" in first
    document = json.loads(exports.export_bytes(db, room["workshop_id"], "json", top=3))
    assert {k: document["questions"][0]["robustness"][k] for k in ("top", "sentence", "all", "some")} == {
        "top": 3, "sentence": "First place is the same under all 5 counts; places 2–3 change.",
        "all": [room["pids"]["A"], room["pids"]["B"], room["pids"]["C"]], "some": []}
    assert document["membership"] == {} and document["questions"][0]["representation"] == []
    assert "No membership mix was entered for this workshop" in page


def test_an_english_report_does_not_repeat_its_sentences(db):
    small = seed_small(db)
    page = exports.export_bytes(db, small["workshop_id"], "html").decode()
    assert "lang='en'><b>" not in page and page.count("Even first place differs between the 5 counts.") == 1


def test_the_command_line_export_takes_the_top_and_the_margin(db, db_path, tmp_path):
    from components import cli, membership
    from tests.test_representation import MIX_CSV, SEEDED, seed_room
    room = seed_room(db, SEEDED)
    membership.import_csv(db, room["workshop_id"], MIX_CSV.encode(), "olga")
    code = db.conn.execute("SELECT code FROM workshop WHERE id = ?", (room["workshop_id"],)).fetchone()[0]
    out = tmp_path / "results.json"
    assert cli.main(["--db", str(db_path), "export", "--workshop", code, "--format", "json", "--out", str(out),
                     "--min-group", "2", "--top", "2", "--margin", "6"]) == 0
    question = json.loads(out.read_text())["questions"][0]
    assert question["robustness"]["top"] == 2
    # Poland's gap of -5.6 points is inside a 6-point margin; Serbia (-7.8) and the pool (+13.3) are not.
    assert [(g["group"], g["flag"]) for g in question["representation"][0]["groups"]] == [
        ("Poland", ""), ("Serbia", "under"), ("Other / not given", "over")]
