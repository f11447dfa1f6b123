"""Robustness of the ranking under five counting rules, against figures computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from components import analysis, robustness
from tests.test_analysis import seed_small

# Hand-computed on tests/test_analysis.BALLOTS with min_group=2 (dots A5 B5 C3 D2):
# supporters A3 B2 C2 D1; normalised A .6+.5+1=2.1, B .4+.6=1.0, C .5+.4=.9, D 1.0;
# per country: "not given" (p4) has 1 voter, so it is hidden, and Czechia (2 voters, the smallest other group; ties
# by name) is hidden with it, or Czechia's figures would give p4's; pooled: p1 p2 p4 (9 dots), Serbia 6; each to 7.5:
#   A 4·7.5/9+1.25=4.58, B 2·7.5/9+3·1.25=5.42, C 7.5/9+2·1.25=3.33, D 2·7.5/9=1.67;
# per org type (Civil society 12 dots; Local government and Academia have 1 voter each, pooled: 3 dots; each to 7.5):
#   A 3·.625+2·2.5=6.875, B 5·.625=3.125, C 2·.625+2.5=3.75, D 2·.625=1.25.
EXPECTED = {"A": {"dots": 1, "supporters": 1, "per_country": 2, "per_org_type": 1, "normalised": 1},
            "B": {"dots": 1, "supporters": 2, "per_country": 1, "per_org_type": 3, "normalised": 2},
            "C": {"dots": 3, "supporters": 2, "per_country": 3, "per_org_type": 2, "normalised": 4},
            "D": {"dots": 4, "supporters": 4, "per_country": 4, "per_org_type": 4, "normalised": 2}}


@pytest.fixture
def small(db):
    return seed_small(db)


def _ranks(db, small, min_group=2):
    data = analysis.load_question_votes(db, small["question_id"])
    return robustness.rank_rules(data, min_group)


def _by_letter(ranks, pids):
    letters = {pid: letter for letter, pid in pids.items()}
    return {letters[row["priority_id"]]: {rule: int(row[rule]) for rule in robustness.RULES}
            for row in ranks.to_dict("records")}


def test_ranks_under_every_rule_with_ties_and_disagreement(db, small):
    ranks = _ranks(db, small)
    assert _by_letter(ranks, small["pids"]) == EXPECTED
    assert list(ranks.columns) == ["priority_id", "title", *robustness.RULES]


def test_top_split_and_even_first_place_differs(db, small):
    ranks = _ranks(db, small)
    pids = small["pids"]
    assert robustness.split_top(ranks, 2) == {"all": [pids["A"]], "some": [pids["B"], pids["C"], pids["D"]]}
    assert robustness.split_top(ranks, 4) == {"all": [pids["A"], pids["B"], pids["C"], pids["D"]], "some": []}
    assert robustness.describe_agreement(ranks, 2) == ("none", {"rules": 5})


def _frame(orders: dict[str, list[int]]) -> pd.DataFrame:
    """Ranks per rule from a list of ranks per priority 1..n."""
    size = len(next(iter(orders.values())))
    return pd.DataFrame({"priority_id": range(1, size + 1), "title": [f"P{i}" for i in range(1, size + 1)],
                         **orders})


def test_sentence_when_all_agree():
    ranks = _frame({rule: [1, 2, 3, 4, 5, 6] for rule in robustness.RULES})
    assert robustness.describe_agreement(ranks, 3) == ("all", {"n": 3, "rules": 5})
    assert robustness.write_sentence(ranks, 3) == "The top 3 are the same under all 5 counts."
    assert robustness.split_top(ranks, 3) == {"all": [1, 2, 3], "some": []}


def test_sentence_when_places_4_to_6_change():
    orders = {rule: [1, 2, 3, 4, 5, 6, 7] for rule in robustness.RULES}
    orders["normalised"] = [1, 2, 3, 6, 4, 5, 7]
    ranks = _frame(orders)
    assert robustness.describe_agreement(ranks, 6) == ("some", {"n": 3, "rules": 5, "a": 4, "b": 6})
    assert robustness.write_sentence(ranks, 6) == "The top 3 are the same under all 5 counts; places 4–6 change."
    assert robustness.split_top(ranks, 4) == {"all": [1, 2, 3], "some": [4, 5]}



def test_a_tie_under_one_count_does_not_unseat_the_winner_of_every_count():
    """P1 is first under all five counts; under supporters P2 shares first place (seen in a rehearsal)."""
    orders = {rule: [1, 2, 3, 4] for rule in robustness.RULES}
    orders["supporters"] = [1, 1, 4, 3]
    ranks = _frame(orders)
    assert robustness.describe_agreement(ranks, 4) == ("some", {"n": 2, "rules": 5, "a": 3, "b": 4})
    assert robustness.write_sentence(ranks, 4) == "The top 2 are the same under all 5 counts; places 3–4 change."
    orders["supporters"] = [1, 3, 2, 4]  # only first place holds: it is named as such, not "the top 1"
    assert robustness.write_sentence(_frame(orders), 3) == \
        "First place is the same under all 5 counts; places 2–3 change."
    assert robustness.write_sentence(_frame(orders), 1) == "First place is the same under all 5 counts."
    orders["supporters"] = [2, 1, 3, 4]  # a real change of first place is still one
    assert robustness.describe_agreement(_frame(orders), 3) == ("none", {"rules": 5})

def test_small_groups_are_pooled_before_weighting(db, small):
    data = analysis.load_question_votes(db, small["question_id"])
    people = {name: person["id"] for name, person in small["people"].items()}
    groups = robustness.pool_small_groups(data, "org_type", 2)
    assert {name: groups[pid] for name, pid in people.items() if pid in groups.index} == {
        "p1": "Civil society", "p2": robustness.POOLED, "p3": "Civil society", "p4": "Civil society",
        "p5": robustness.POOLED}
    countries = robustness.pool_small_groups(data, "country", 3)
    assert set(countries) == {robustness.POOLED}
    # p4 alone gave no country: weighted alone, the pool would be p4's own ballot (D would come first);
    # the smallest country shown, Czechia, joins the pool so it holds 3 voters.
    countries = robustness.pool_small_groups(data, "country", 2)
    assert {name: countries[pid] for name, pid in people.items() if pid in countries.index} == {
        "p1": robustness.POOLED, "p2": robustness.POOLED, "p3": "Serbia", "p4": robustness.POOLED, "p5": "Serbia"}


def test_a_group_of_one_is_never_weighted_alone(db, small):
    # Academia (p5 alone) would get five times Civil society's weight if weighted on its own; pooled, the
    # org-type ranking is what the pooled group gives (hand-computed above), and only ranks are published.
    ranks = _ranks(db, small)
    assert not {"weight", "score"} & set(ranks.columns)
    assert ranks["per_org_type"].tolist() == [EXPECTED[k]["per_org_type"] for k in ("A", "B", "C", "D")]


def test_missing_org_type_is_reported_not_available(db, small):
    data = analysis.load_question_votes(db, small["question_id"])
    data.profile_keys = ["country"]
    ranks = robustness.rank_rules(data, 2)
    assert ranks["per_org_type"].isna().all()
    assert robustness.available_rules(ranks) == ["dots", "supporters", "per_country", "normalised"]
    assert robustness.describe_agreement(ranks, 2)[1] == {"rules": 4}


def test_json_and_xlsx_carry_the_robustness_section(db, small):
    import io
    import json

    from openpyxl import load_workbook

    from components import exports
    document = json.loads(exports.export_bytes(db, small["workshop_id"], "json", min_group=2))
    section = document["questions"][0]["robustness"]
    assert section["rules_available"] == list(robustness.RULES)
    assert section["sentence"] == "Even first place differs between the 5 counts."
    assert [row["per_country"] for row in section["ranks"]] == [2, 1, 3, 4]
    assert "Robustness" in document["methodology"]
    book = load_workbook(io.BytesIO(exports.export_bytes(db, small["workshop_id"], "xlsx", min_group=2)))
    rows = list(book["robustness"].values)
    assert rows[0] == ("question_no", "priority_id", "title", *robustness.RULES)
    assert [row[2:] for row in rows[1:]] == [("Priority A", 1, 1, 2, 1, 1), ("Priority B", 1, 2, 1, 3, 2),
                                            ("Priority C", 3, 2, 3, 2, 4), ("Priority D", 4, 4, 4, 4, 2)]


def test_results_page_shows_the_robustness_section(db, small):
    from tests.test_staff_pages import open_page, shown
    from components import auth
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)
    at = open_page("results", "olga")
    assert "Robustness" in [tab.label for tab in at.tabs]
    # The default minimum group (5) pools every country and org type: those ranks equal the raw dots ranks.
    assert "Even first place differs between the 5 counts." in shown(at)
    assert "Only ranks are shown. Before weighting, the groups hidden in the segments (minimum 5) are pooled" in shown(at)
    columns = ["title", "top", *robustness.RULES]
    table = next(frame.value for frame in at.dataframe if "per_country" in frame.value.columns)
    assert table[columns].values.tolist() == [
        ["Priority A", "✓ every count", 1, 1, 1, 1, 1], ["Priority B", "✓ every count", 1, 2, 1, 1, 2],
        ["Priority C", "✓ every count", 3, 2, 3, 3, 4], ["Priority D", "✓ every count", 4, 4, 4, 4, 2]]


def test_html_report_has_the_robustness_table_escaped(db):
    from components import exports
    small = seed_small(db, titles={"A": "<b>A</b>"})
    page = exports.export_bytes(db, small["workshop_id"], "html", min_group=2).decode()
    section = page[page.index("<h3>Robustness"):]
    assert "Even first place differs between the 5 counts." in section
    assert "<td>&lt;b&gt;A&lt;/b&gt;</td>" in section and "<b>A</b>" not in section
    assert section.count("<span class='bar'") == 4 * 5
    # The same names for the counts as on the results page (components/ui/robustness.py, in English).
    assert "<th>Dots</th><th>Supporters</th><th>Per country</th><th>Per organisation type</th><th>Equal budgets</th>" \
        in section
