"""Exports read back: no formula cells, BOM and Unicode in CSV, JSON reproduces tallies, HTML escapes."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict

import openpyxl
import pytest

from components import analysis, exports, facilitation, spreadsheet
from tests.test_analysis import seed_small

NASTY = ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "{=1+1}"]


@pytest.fixture
def nasty(db):
    """The small workshop plus priorities whose titles try formula injection."""
    small = seed_small(db, titles={"A": "<script>alert(1)</script>", "B": "Příliš žluťoučký kůň",
                                   "C": "Громадський бюджет"})
    qid = small["question_id"]
    facilitation.set_phase(db, qid, "collecting", "test", confirmed=True)
    for title in NASTY:
        # Direct insert: the app trims titles, but a leading tab or CR must be safe in any data.
        db.conn.execute("INSERT INTO priority (question_id, title) VALUES (?, ?)", (qid, title + " pad"))
    db.conn.commit()
    facilitation.set_phase(db, qid, "voting", "test")
    return small


def test_neutralise_each_formula_start():
    assert [spreadsheet.neutralise(t) for t in NASTY] == ["'=1+1", "'+x", "'-x", "'@x", "'\tx", "'\rx", "{=1+1}"]
    assert spreadsheet.neutralise(-3) == -3 and spreadsheet.neutralise("fine") == "fine"


def test_xlsx_has_the_sheets_and_no_formula_cell(db, nasty):
    data = exports.export_bytes(db, nasty["workshop_id"], "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == list(exports.SHEETS)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    titles = {c.value for c in cells if isinstance(c.value, str)}
    for title in NASTY:
        raw = title + " pad"
        assert raw not in titles or raw.startswith("{")
    assert "'=1+1 pad" in titles and "'\tx pad" in titles and "{=1+1} pad" in titles
    ranked = book["ranked priorities"]
    header = [c.value for c in ranked[1]]
    assert "author_name" not in header
    assert ranked.column_dimensions["E"].width >= 20  # the title column is readable
    dots_sheet = book["dots per participant"]
    assert {r[0] for r in dots_sheet.iter_rows(min_row=2, values_only=True)} == {"P001", "P002", "P003", "P004",
                                                                                 "P005"}
    assert "Name p1" not in titles


def test_names_only_when_included(db, nasty):
    without = exports.export_bytes(db, nasty["workshop_id"], "json").decode()
    with_names = exports.export_bytes(db, nasty["workshop_id"], "json", include_names=True).decode()
    assert "Name p1" not in without and "Name p1" in with_names


def test_csv_has_bom_and_round_trips_czech_and_cyrillic(db, nasty):
    data = exports.export_bytes(db, nasty["workshop_id"], "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    titles = {r["title"] for r in rows}
    assert {"Příliš žluťoučký kůň", "Громадський бюджет", "<script>alert(1)</script>"} <= titles
    assert "'=1+1 pad" in titles and "=1+1 pad" not in titles and "'-x pad" in titles
    by_title = {r["title"]: r for r in rows}
    assert by_title["Příliš žluťoučký kůň"]["dots"] == "5" and by_title["Příliš žluťoučký kůň"]["rank"] == "1"


def test_json_reproduces_tallies(db, nasty):
    document = json.loads(exports.export_bytes(db, nasty["workshop_id"], "json"))
    question = document["questions"][0]
    assert question["rules"]["dots_per_participant"] == 5 and question["rules"]["max_dots_per_item"] == 3
    visible = {p["id"] for p in question["priorities"] if p["state"] == "visible"}
    dots, supporters, voters = defaultdict(int), defaultdict(set), set()
    for row in question["dots"]:
        voters.add(row["participant"])
        if row["priority_id"] in visible:
            dots[row["priority_id"]] += row["dots"]
            supporters[row["priority_id"]].add(row["participant"])
    for item in question["tally"]:
        assert item["dots"] == dots[item["priority_id"]]
        assert item["supporters"] == len(supporters[item["priority_id"]])
        assert item["share_supporting"] == round(len(supporters[item["priority_id"]]) / len(voters), 4)
    ranks = {item["priority_id"]: item["rank"] for item in question["tally"]}
    for item in question["tally"]:
        assert item["rank"] == 1 + sum(1 for other in question["tally"] if other["dots"] > item["dots"])
    assert ranks[nasty["pids"]["A"]] == 1 and ranks[nasty["pids"]["B"]] == 1
    assert all("name" not in p for p in document["participants"])
    assert {p["id"] for p in document["participants"]} == {f"P00{i}" for i in range(1, 7)}
    # No profile beside the codes the dots use, unless microdata is asked for.
    assert document["participants"][0] == {"id": "P001", "kind": "phone"} and document["microdata"] is False
    micro = json.loads(exports.export_bytes(db, nasty["workshop_id"], "json", microdata=True))
    p1 = next(p for p in micro["participants"] if p["id"] == "P001")
    assert p1["profile"] == {"country": "Czechia", "org_type": "Civil society"} and micro["microdata"] is True


def test_html_report_is_offline_and_escaped(db, nasty):
    page = exports.export_bytes(db, nasty["workshop_id"], "html").decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Plotly.newPlot" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)  # nothing fetched: plotly.js is inline
    assert page.count("plotly.js v") >= 1 and len(page) > 3_000_000
    assert "Methodology" in page and "Dots per participant" in page and "Max dots per priority" in page
    assert "Příliš žluťoučký kůň" in page


def test_zip_holds_every_format(db, nasty):
    steps = []
    data = exports.export_bytes(db, nasty["workshop_id"], "zip", progress=lambda f, label: steps.append(f))
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sum(n.endswith(".csv") for n in names) == len(exports.SHEETS)
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".json") for n in names)
    assert any(n.endswith("-report.html") for n in names)
    assert steps == sorted(steps) and steps[-1] == 1.0


def test_segments_sheet_suppresses_small_groups(db, nasty):
    res = exports.gather_results(db, nasty["workshop_id"], min_group=3)
    assert set(exports.build_segments_table(res)["participants"]) == {"hidden"}  # no group reaches 3 with its cover
    res = exports.gather_results(db, nasty["workshop_id"], min_group=2)
    table = exports.build_segments_table(res)
    country = table[table["segment"] == "country"]
    assert country[country["participants"] == "hidden"]["group"].tolist() == ["Czechia", "Not given"]
    civil = table[(table["segment"] == "org_type") & (table["group"] == "Civil society")]
    assert set(civil["participants"]) == {3} and civil["dots"].sum() == 12
    small = table[(table["segment"] == "org_type") & (table["group"] == "Academia")]
    assert len(small) == 1 and small["dots"].isna().all()


def test_audit_sheet_uses_codes_not_ids(db, nasty):
    res = exports.gather_results(db, nasty["workshop_id"])
    audit = exports.build_audit_table(res)
    actors = set(audit["actor"])
    assert "P001" in actors and not any(a.startswith("participant:") for a in actors)


def test_equal_weight_in_export_matches_analysis(db, nasty):
    res = exports.gather_results(db, nasty["workshop_id"], min_group=1)
    table = exports.build_priorities_table(res).set_index("priority_id")
    assert table.loc[nasty["pids"]["D"], "equal_weight_dots"] == 5.0
    assert table.loc[nasty["pids"]["D"], "equal_weight_rank"] == 1
    expected = analysis.tally_question(db, nasty["question_id"]).set_index("priority_id")["dots"]
    assert (table["dots"] == expected.reindex(table.index)).all()


def test_xlsx_segments_sheet_keeps_top_ranks_and_suppressed_rows():
    import pandas as pd
    segments = pd.DataFrame({"group": ["a", "a", "a", "b"], "participants": [9, 9, 9, "hidden"],
                             "rank": [1, 2, 3, None]})
    trimmed = exports.trim_segments({"segments": segments}, top=2)["segments"]
    assert list(trimmed["group"]) == ["a", "a", "b"]


def test_a_deferred_export_asks_again_who_clicked(db):
    """A download button's build runs at click time: a disabled, demoted or logged-out organiser gets nothing."""
    from components import auth
    from components.rules import RuleError
    from components.ui.results import _export_later
    small = seed_small(db)
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="long-enough-pw")
    auth.create_user(db, "otto", "Otto", "organiser", "test", password="long-enough-pw")
    assert _export_later(small["workshop_id"], "csv", False, 5, "olga")().startswith(b"\xef\xbb\xbf")
    stale = _export_later(small["workshop_id"], "csv", False, 5, "olga")
    auth.record_logout(db, "olga")  # in another tab, after this page was drawn
    with pytest.raises(RuleError, match="This page is for organisers."):
        stale()
    fresh = _export_later(small["workshop_id"], "csv", False, 5, "olga")
    auth.set_user_disabled(db, "olga", True, "otto")
    with pytest.raises(RuleError, match="This page is for organisers."):
        fresh()
