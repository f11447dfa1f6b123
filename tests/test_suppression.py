"""Small groups stay hidden on every path: the rule itself, the screen, CSV, XLSX, JSON, the HTML report.

The seeded workshop has one voter from Slovenia. Before this rule, the Segments tab hid Slovenia but showed
Serbia, so "all participants" minus Czechia minus Serbia gave the Slovenian's ballot; the weights table said
"Slovenia, 1 participant, 3 dots"; and the JSON paired each participant's profile with their dots.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import openpyxl
import pytest

from components import auth, exports, facilitation, participation, rules, suppression, workshops

PROFILE = [{"key": "country", "label": "Country", "options": ["Czechia", "Serbia", "Slovenia"]},
           {"key": "org_type", "label": "Organisation type",
            "options": ["Civil society", "Local government", "Academia"]}]
CZ, LG, AC = "Civil society", "Local government", "Academia"
# (country, organisation type, ballot, how many such voters)
VOTERS = [("Czechia", CZ, {"A": 2, "B": 2, "C": 1}, 4), ("Czechia", LG, {"A": 2, "B": 2, "C": 1}, 2),
          ("Serbia", CZ, {"B": 2, "C": 2, "D": 1}, 3), ("Serbia", LG, {"B": 2, "C": 2, "D": 1}, 1),
          ("Serbia", AC, {"B": 2, "C": 2, "D": 1}, 1), ("Slovenia", AC, {"A": 1, "E": 2}, 1)]
LONE = {"A": 1, "E": 2}  # the Slovenian's ballot: it must not be readable or derivable anywhere
# Overall: A 13, B 22, C 16, D 5, E 2 (12 voters). Czechia (6): A 12, B 12, C 6. Serbia (5) and Slovenia (1) are
# hidden together: "all" minus Czechia gives A 1, B 10, C 10, D 5, E 2 for 6 people, never the Slovenian alone.
# Organisation type: Civil society (7) shown; Local government (3) and Academia (2) hidden together (5 people).
HIDDEN_COUNTRIES = {"A": 1, "B": 10, "C": 10, "D": 5, "E": 2}
HIDDEN_ORG_TYPES = {"A": 5, "B": 8, "C": 6, "D": 2, "E": 2}
LETTERS = "ABCDE"


@pytest.fixture
def lone(db):
    """A workshop with 12 voters: Czechia 6, Serbia 5, Slovenia 1 (the lone voter)."""
    return seed_lone(db)


def seed_lone(db) -> dict:
    """Seed the lone-voter workshop (also used by the browser journey)."""
    wid = workshops.create_workshop(db, "Lone voter", "test", profile_questions=PROFILE, country="Czechia")
    qid = workshops.add_question(db, wid, "What next?", "test", dots_per_participant=5, max_dots_per_item=3)
    facilitation.set_phase(db, qid, "collecting", "test")
    pids = {letter: facilitation.add_priority_for_room(db, qid, f"Priority {letter}", "test") for letter in LETTERS}
    facilitation.set_phase(db, qid, "voting", "test")
    code = workshops.get_workshop(db, wid)["code"]
    for country, org, ballot, count in VOTERS:
        for _ in range(count):
            person = participation.join_workshop(db, code, None, {"country": country, "org_type": org})
            for letter, dots in ballot.items():
                for _ in range(dots):
                    participation.place_dot(db, person, pids[letter])
    return {"workshop_id": wid, "question_id": qid, "pids": pids, "code": code, "slovenian": person}


def residual(overall: dict[str, int], shown: list[dict[str, int]]) -> dict[str, int]:
    """What subtraction gives: all participants minus every shown group, per priority."""
    return {k: overall[k] - sum(group.get(k, 0) for group in shown) for k in LETTERS if overall[k]
            - sum(group.get(k, 0) for group in shown)}


def assert_not_derivable(overall: dict[str, int], shown: list[dict[str, int]], hidden: dict[str, int]) -> None:
    """Subtraction gives the hidden groups together (at least the minimum size), never the lone ballot."""
    assert residual(overall, shown) == hidden
    assert residual(overall, shown) != LONE


OVERALL = {"A": 13, "B": 22, "C": 16, "D": 5, "E": 2}
CZECHIA = {"A": 12, "B": 12, "C": 6}
CIVIL = {"A": 8, "B": 14, "C": 10, "D": 3}


# ---------------------------------------------------------------- the rule

def test_the_rule_hides_small_groups_and_their_cover():
    hide = suppression.hide_small_groups
    assert rules.MIN_GROUP_DEFAULT == 5
    assert hide({"Czechia": 6, "Serbia": 5, "Slovenia": 1}, 5) == {"Slovenia", "Serbia"}  # the smallest shown covers
    assert hide({"Civil society": 7, "Local government": 3, "Academia": 2}, 5) == {"Local government", "Academia"}
    # Two small groups of 1 together are still 2 people: hide more until the hidden ones reach the minimum.
    assert hide({"A": 10, "B": 1, "C": 1}, 5) == {"A", "B", "C"}
    assert hide({"A": 10, "B": 6, "C": 1, "D": 1}, 5) == {"B", "C", "D"}
    assert hide({"A": 5, "B": 5}, 5) == set() and hide({}, 5) == set()
    assert hide({"A": 6, "B": 6, "C": 4}, 5) == {"A", "C"}  # ties broken by name
    assert rules.could_subtract_hidden([1], 5) and rules.could_subtract_hidden([2, 2], 5)
    assert not rules.could_subtract_hidden([4, 1], 5) and not rules.could_subtract_hidden([], 5)


def test_pools_for_weighting_and_country_counts(db, lone):
    from components import analysis
    data = analysis.load_question_votes(db, lone["question_id"])
    answers = suppression.answers_of(data.participants, data.voter_ids, "country")
    pooled = suppression.pool_hidden(answers, 5)
    assert pooled.value_counts().to_dict() == {"Czechia": 6, suppression.POOLED: 6}
    labels = suppression.label_countries(answers, 5)
    assert labels.value_counts().to_dict() == {"Czechia": 6, suppression.POOLED: 6}


# ---------------------------------------------------------------- screen

def _results_page(db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)
    at = AppTest.from_file(str(ROOT / "pages/results.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "olga"
    at.run()
    assert not at.exception
    return at


def _by_title(frame, column) -> dict[str, object]:
    """Priority letter -> a column's value, from a table with a 'title' column."""
    return {row["title"][-1]: row[column] for row in frame.to_dict("records")}


def test_screen_segments_fairness_and_results(db, lone):
    at = _results_page(db)
    tables = [frame.value for frame in at.dataframe]
    segments = next(t for t in tables if "all participants" in t.columns)
    assert list(segments.columns) == ["rank", "title", "all participants", "Czechia (n=6)", "Serbia (hidden group)",
                                      "Slovenia (hidden group)"]
    assert segments.values.tolist() == [
        [1, "Priority B", 22, 12, "—", "—"], [2, "Priority C", 16, 6, "—", "—"],
        [3, "Priority A", 13, 12, "—", "—"], [4, "Priority D", 5, 0, "—", "—"],
        [5, "Priority E", 2, 0, "—", "—"]]
    assert_not_derivable(_by_title(segments, "all participants"), [_by_title(segments, "Czechia (n=6)")],
                         HIDDEN_COUNTRIES)
    captions = " ".join(c.value for c in at.caption)
    assert "Hidden groups: 2." in captions and "fewer than 5)" not in captions
    # Fairness: the weights table names Czechia and one pooled group of 6, never "Slovenia, 1 participant".
    weights = next(t for t in tables if list(t.columns) == ["group", "dots", "participants", "weight"])
    assert weights.values.tolist() == [["Czechia", 30, 6, 0.9667], ["Other / not given", 28, 6, 1.0357]]
    fair = next(t for t in tables if "equal_weight_dots" in t.columns)
    assert _by_title(fair, "equal_weight_dots") == {"B": 21.96, "C": 16.16, "A": 12.64, "D": 5.18, "E": 2.07}
    # "Backed by countries" counts the hidden countries as one: E is backed by "one", not by Slovenia.
    assert _by_title(fair, "backed_by_countries") == {"B": 2, "C": 2, "A": 2, "D": 1, "E": 1}
    ranking = next(t for t in tables if "share_supporting" in t.columns and "rank" in t.columns)
    assert _by_title(ranking, "backed_by_countries") == {"B": 2, "C": 2, "A": 2, "D": 1, "E": 1}
    everything = " ".join(str(t.to_dict()) for t in tables)
    assert everything.count("Slovenia") == 1  # only the "Slovenia (hidden group)" header


def test_screen_org_type_segment_and_projector(db, lone):
    from tests.test_staff_pages import open_page
    at = _results_page(db)
    at.selectbox(key="results_segment_key").select("org_type").run()
    assert not at.exception
    segments = next(frame.value for frame in at.dataframe if "all participants" in frame.value.columns)
    assert list(segments.columns) == ["rank", "title", "all participants", "Academia (hidden group)",
                                      "Civil society (n=7)", "Local government (hidden group)"]
    assert_not_derivable(_by_title(segments, "all participants"), [_by_title(segments, "Civil society (n=7)")],
                         HIDDEN_ORG_TYPES)
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)
    projector = open_page("projector", "fiona", w=str(lone["workshop_id"]))
    page = " ".join(str(e.value) for kind in ("markdown", "text", "caption", "dataframe", "table")
                    for e in getattr(projector, kind))
    assert "Slovenia" not in page and "Czechia" not in page  # the room sees the overall ranking only


def test_across_workshops_names_no_small_country(db, lone):
    from components import across
    # The Slovenian also wrote a priority of a second question: its author's country must not show either.
    second = workshops.add_question(db, lone["workshop_id"], "And then?", "test")
    facilitation.set_phase(db, second, "collecting", "test")
    participation.submit_priority(db, lone["slovenian"], second, "Slovenian idea")
    items, votes = across.load_cross_votes(db, [lone["workshop_id"]])
    combined = across.tally_cross(items, votes)
    assert [(r["title"], r["dots"], r["countries"], r["backed_by_countries"]) for r in combined.to_dict("records")] == [
        ("Priority B", 22, "Czechia", 2), ("Priority C", 16, "Czechia", 2), ("Priority A", 13, "Czechia", 2),
        ("Priority D", 5, "Czechia", 1), ("Priority E", 2, "Czechia", 1), ("Slovenian idea", 0, "Czechia", 0)]
    shown = across.tally_cross(items, votes, min_group=1)  # at minimum 1 nothing is hidden: the same code names them
    assert shown.set_index("title").loc[["Priority E", "Slovenian idea"], "countries"].tolist() == [
        "Czechia, Slovenia", "Czechia, Slovenia"]


# ---------------------------------------------------------------- exports

def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_ranked_priorities_and_segments(db, lone):
    ranked = _csv_rows(exports.export_bytes(db, lone["workshop_id"], "csv"))
    assert [(r["title"], r["dots"], r["supporters"], r["backed_by_countries"], r["equal_weight_dots"])
            for r in ranked] == [("Priority B", "22", "11", "2", "21.96"), ("Priority C", "16", "11", "2", "16.16"),
                                 ("Priority A", "13", "7", "2", "12.64"), ("Priority D", "5", "5", "1", "5.18"),
                                 ("Priority E", "2", "1", "1", "2.07")]
    archive = zipfile.ZipFile(io.BytesIO(exports.export_bytes(db, lone["workshop_id"], "zip")))
    name = next(n for n in archive.namelist() if n.endswith("-segments.csv"))
    rows = _csv_rows(archive.read(name))
    published = [(r["segment"], r["group"], r["participants"], r["title"], r["dots"]) for r in rows]
    assert published == [
        ("country", "Czechia", "6", "Priority A", "12"), ("country", "Czechia", "6", "Priority B", "12"),
        ("country", "Czechia", "6", "Priority C", "6"), ("country", "Serbia", "hidden", "", ""),
        ("country", "Slovenia", "hidden", "", ""),
        ("org_type", "Academia", "hidden", "", ""), ("org_type", "Civil society", "7", "Priority B", "14"),
        ("org_type", "Civil society", "7", "Priority C", "10"), ("org_type", "Civil society", "7", "Priority A", "8"),
        ("org_type", "Civil society", "7", "Priority D", "3"), ("org_type", "Local government", "hidden", "", "")]
    assert_not_derivable(OVERALL, [{r["title"][-1]: int(r["dots"]) for r in rows if r["group"] == "Czechia"}],
                         HIDDEN_COUNTRIES)
    assert_not_derivable(OVERALL, [{r["title"][-1]: int(r["dots"]) for r in rows if r["group"] == CZ}],
                         HIDDEN_ORG_TYPES)
    everything = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".csv")).decode("utf-8-sig")
    assert everything.count("Slovenia") == 1  # the segments row that says "hidden"


def test_xlsx_segments_and_no_profile_anywhere(db, lone):
    book = openpyxl.load_workbook(io.BytesIO(exports.export_bytes(db, lone["workshop_id"], "xlsx")))
    segments = list(book["segments"].iter_rows(values_only=True))
    assert segments[0] == ("question_no", "segment", "group", "participants", "rank", "priority_id", "title", "dots",
                           "supporters", "share_supporting")
    assert [row[1:4] + row[6:8] for row in segments[1:]] == [
        ("country", "Czechia", 6, "Priority A", 12), ("country", "Czechia", 6, "Priority B", 12),
        ("country", "Czechia", 6, "Priority C", 6), ("country", "Serbia", "hidden", None, None),
        ("country", "Slovenia", "hidden", None, None),
        ("org_type", "Academia", "hidden", None, None), ("org_type", "Civil society", 7, "Priority B", 14),
        ("org_type", "Civil society", 7, "Priority C", 10), ("org_type", "Civil society", 7, "Priority A", 8),
        ("org_type", "Civil society", 7, "Priority D", 3), ("org_type", "Local government", "hidden", None, None)]
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert cells.count("Slovenia") == 1
    summary = dict(book["summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Microdata (profiles linked to dots, JSON only)"] == "no"


def test_json_holds_no_profile_beside_dots_unless_microdata(db, lone):
    document = json.loads(exports.export_bytes(db, lone["workshop_id"], "json"))
    assert document["microdata"] is False and document["microdata_note"].startswith("No microdata")
    assert all(set(p) == {"id", "kind"} for p in document["participants"]) and len(document["participants"]) == 12
    question = document["questions"][0]
    assert [(s["segment"], s["group"], s["participants"]) for s in question["segments"]
            if s["participants"] == "hidden"] == [("country", "Serbia", "hidden"), ("country", "Slovenia", "hidden"),
                                                  ("org_type", "Academia", "hidden"),
                                                  ("org_type", "Local government", "hidden")]
    czechia = {s["title"][-1]: s["dots"] for s in question["segments"] if s["group"] == "Czechia"}
    assert_not_derivable({t["title"][-1]: t["dots"] for t in question["tally"]}, [czechia], HIDDEN_COUNTRIES)
    # "Slovenia" appears as an offered answer and as a hidden group, nowhere next to a code or a number.
    text = json.dumps(document, ensure_ascii=False)
    assert text.count("Slovenia") == 2
    assert '"group": "Slovenia", "participants": "hidden"}' in text

    micro = json.loads(exports.export_bytes(db, lone["workshop_id"], "json", microdata=True))
    assert micro["microdata"] is True and micro["microdata_note"].startswith("Microdata: ")
    slovenian = next(p["id"] for p in micro["participants"] if p["profile"]["country"] == "Slovenia")
    ballot = {row["priority_id"]: row["dots"] for row in micro["questions"][0]["dots"] if row["participant"] == slovenian}
    assert ballot == {lone["pids"][k]: v for k, v in LONE.items()}  # asked for explicitly: then it is linked


def test_cli_asks_for_microdata_explicitly(db, db_path, lone, tmp_path):
    from components import audit, cli
    plain, micro = tmp_path / "plain.json", tmp_path / "micro.json"
    base = ["--db", str(db_path), "export", "--workshop", lone["code"], "--format", "json", "--out"]
    assert cli.main(base + [str(plain)]) == 0 and cli.main(base + [str(micro), "--microdata"]) == 0
    assert json.loads(plain.read_text())["microdata"] is False and '"profile"' not in plain.read_text()
    assert json.loads(micro.read_text())["microdata"] is True and '"profile"' in micro.read_text()
    details = [json.loads(r["details"]) for r in audit.list_audit(db, lone["workshop_id"]) if r["action"] == "export"]
    assert [d["microdata"] for d in details] == [False, True]


def test_html_report_hides_the_lone_voter(db, lone):
    page = exports.export_bytes(db, lone["workshop_id"], "html").decode()
    section = page[page.index("<h3>Segment: Country"):page.index("<h3>Segment: Organisation type")]
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", section).group(1)
    assert head == ("<th>rank</th><th>title</th><th>all participants</th><th>Czechia (n=6)</th>"
                    "<th>Serbia (hidden)</th><th>Slovenia (hidden)</th>")
    rows = re.findall(r"<tr>(<td.*?)</tr>", section)
    assert rows[-1] == ("<td class='num'>5</td><td>Priority E</td><td class='num'>2</td><td class='num'>0</td>"
                        "<td>hidden</td><td>hidden</td>")
    assert len(rows) == 5 and all(row.endswith("<td>hidden</td><td>hidden</td>") for row in rows)
    text = re.sub(r"<script.*?</script>", "", page, flags=re.S)  # plotly.js itself lists every country
    assert text.count("Slovenia") == 1
    fairness = page[page.index("<h3>Fairness"):page.index("<h3>Segment: Country")]
    assert "Other / not given" in fairness and "<td class='num'>2.07</td>" in fairness
