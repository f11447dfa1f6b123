"""Analysis on a small seeded workshop, against figures computed by hand."""

from __future__ import annotations

import pytest

from components import across, analysis, audit, facilitation, participation, workshops
from components.rules import RuleError

X, Y = "Participatory budgeting", "Capacity building"
PROFILE = [{"key": "country", "label": "Country", "options": ["Czechia", "Serbia", "Croatia", "Poland"]},
           {"key": "org_type", "label": "Organisation type",
            "options": ["Civil society", "Local government", "Academia"]}]
# participant -> (country, org type, {priority letter: dots})
BALLOTS = {
    "p1": ("Czechia", "Civil society", {"A": 3, "B": 2}),
    "p2": ("Czechia", "Local government", {"A": 1, "C": 1}),
    "p3": ("Serbia", "Civil society", {"B": 3, "C": 2}),
    "p4": ("", "Civil society", {"D": 2}),
    "p5": ("Serbia", "Academia", {"A": 1}),
    "p6": ("Serbia", "", {}),
}


def seed_small(db, title: str = "Small workshop", titles: dict | None = None) -> dict:
    """Workshop with priorities A–D and six participants voting as in BALLOTS."""
    wid = workshops.create_workshop(db, title, "test", themes=[X, Y], profile_questions=PROFILE, country="Czechia")
    qid = workshops.add_question(db, wid, "What next?", "test", dots_per_participant=5, max_dots_per_item=3)
    facilitation.set_phase(db, qid, "collecting", "test")
    themes = {t["name"]: t["id"] for t in workshops.list_themes(db, wid)}
    titles = titles or {}
    pids = {}
    for letter, theme in (("A", X), ("B", X), ("C", Y), ("D", None)):
        pids[letter] = facilitation.add_priority_for_room(db, qid, titles.get(letter, f"Priority {letter}"), "test",
                                                       theme_id=themes.get(theme))
    facilitation.set_phase(db, qid, "voting", "test")
    people = {}
    for name, (country, org, ballot) in BALLOTS.items():
        person = participation.join_workshop(db, workshops.get_workshop(db, wid)["code"], f"Name {name}",
                                         {"country": country, "org_type": org})
        people[name] = person
        for letter, count in ballot.items():
            for _ in range(count):
                participation.place_dot(db, person, pids[letter])
    return {"workshop_id": wid, "question_id": qid, "pids": pids, "people": people}


@pytest.fixture
def small(db):
    return seed_small(db)


def _by_letter(frame, pids, column):
    index = {pid: letter for letter, pid in pids.items()}
    return {index[r["priority_id"]]: r[column] for r in frame.to_dict("records")}


def test_tally_ranks_ties_supporters_share_and_countries(db, small):
    tally = analysis.tally_question(db, small["question_id"])
    pids = small["pids"]
    assert _by_letter(tally, pids, "dots") == {"A": 5, "B": 5, "C": 3, "D": 2}
    assert _by_letter(tally, pids, "rank") == {"A": 1, "B": 1, "C": 3, "D": 4}
    assert _by_letter(tally, pids, "supporters") == {"A": 3, "B": 2, "C": 2, "D": 1}
    # denominator: 5 participants placed at least one dot (p6 placed none)
    assert _by_letter(tally, pids, "share_supporting") == {"A": 0.6, "B": 0.4, "C": 0.4, "D": 0.2}
    # Every country group is below the default minimum (5): hidden, they count together as one.
    assert _by_letter(tally, pids, "backed_by_countries") == {"A": 1, "B": 1, "C": 1, "D": 1}
    shown = analysis.tally_question(db, small["question_id"], min_group=1)
    assert _by_letter(shown, pids, "backed_by_countries") == {"A": 2, "B": 2, "C": 2, "D": 0}


def test_hidden_priority_left_out(db, small):
    facilitation.set_priority_hidden(db, small["pids"]["C"], True, "test")
    tally = analysis.tally_question(db, small["question_id"])
    assert _by_letter(tally, small["pids"], "rank") == {"A": 1, "B": 1, "D": 3}


def test_rank_competition_is_1_2_2_4():
    import pandas as pd
    assert list(analysis.rank_competition(pd.Series([9, 7, 7, 3, 3, 1]))) == [1, 2, 2, 4, 4, 6]


def test_theme_summary_and_distribution(db, small):
    data = analysis.load_question_votes(db, small["question_id"])
    themes = analysis.summarise_themes(data).set_index("theme")
    assert themes.loc[X, "dots"] == 10 and themes.loc[X, "priorities"] == 2 and themes.loc[X, "supporters"] == 4
    assert themes.loc[Y, "dots"] == 3 and themes.loc[Y, "supporters"] == 2
    assert themes.loc[analysis.NO_THEME, "dots"] == 2
    assert themes.loc[X, "share_of_dots"] == round(10 / 15, 4)
    dist = analysis.count_dot_distribution(data)
    # p1 5, p2 2, p3 5, p4 2, p5 1, p6 0
    assert list(dist["participants"]) == [1, 1, 2, 0, 0, 2]
    assert list(dist["dots_placed"]) == [0, 1, 2, 3, 4, 5]


def test_segments_by_country_and_org_type(db, small):
    data = analysis.load_question_votes(db, small["question_id"])
    pids = small["pids"]
    groups = {g.name: g for g in analysis.tally_segment(data, "country", min_group=1)}
    assert list(groups) == ["Czechia", "Serbia", "Not given"]
    assert groups["Czechia"].participants == 2
    assert _by_letter(groups["Czechia"].tally, pids, "dots") == {"A": 4, "B": 2, "C": 1}
    assert _by_letter(groups["Czechia"].tally, pids, "rank") == {"A": 1, "B": 2, "C": 3}
    assert groups["Serbia"].participants == 2  # p6 placed no dot, so is not counted
    assert _by_letter(groups["Serbia"].tally, pids, "dots") == {"B": 3, "C": 2, "A": 1}
    assert _by_letter(groups["Not given"].tally, pids, "dots") == {"D": 2}
    # Minimum 2: "Not given" (1) is hidden, and so is the smallest other group (Czechia, 2; ties by name),
    # or "all participants" minus Czechia and Serbia would give p4's ballot.
    groups = {g.name: g for g in analysis.tally_segment(data, "country", min_group=2)}
    assert [(g.name, g.participants, g.suppressed) for g in groups.values()] == [
        ("Czechia", None, True), ("Serbia", 2, False), ("Not given", None, True)]
    assert groups["Czechia"].tally is None and groups["Not given"].tally is None
    org = {g.name: g for g in analysis.tally_segment(data, "org_type", min_group=2)}
    civil = org["Civil society"]
    assert civil.participants == 3
    assert _by_letter(civil.tally, pids, "dots") == {"A": 3, "B": 5, "C": 2, "D": 2}
    assert _by_letter(civil.tally, pids, "rank") == {"B": 1, "A": 2, "C": 3, "D": 3}
    assert _by_letter(civil.tally, pids, "share_supporting") == {"B": round(2 / 3, 4), "A": round(1 / 3, 4),
                                                                 "C": round(1 / 3, 4), "D": round(1 / 3, 4)}
    assert org["Local government"].suppressed and org["Academia"].suppressed


def test_segment_table_never_shows_numbers_for_small_groups(db, small):
    data = analysis.load_question_votes(db, small["question_id"])
    overall = analysis.tally_votes(data)
    groups = analysis.tally_segment(data, "country")  # default minimum 5: every group is small
    table = analysis.build_segment_table(overall, groups)
    assert list(table.columns) == ["rank", "priority_id", "title", "all participants", "Czechia (hidden)",
                                   "Serbia (hidden)", "Not given (hidden)"]
    assert set(table["Czechia (hidden)"]) == {"hidden"}
    rows = analysis.flatten_segments(1, "country", groups)
    assert rows == [{"question_no": 1, "segment": "country", "group": g, "participants": "hidden"}
                    for g in ("Czechia", "Serbia", "Not given")]


def _seed_countries(db, counts: tuple[tuple[str, int], ...]) -> int:
    """A workshop whose voters (one dot each on one priority) come from these countries; returns the question id."""
    wid = workshops.create_workshop(db, "Threshold", "test", profile_questions=PROFILE)
    qid = workshops.add_question(db, wid, "Q", "test", dots_per_participant=3, max_dots_per_item=3)
    facilitation.set_phase(db, qid, "collecting", "test")
    pid = facilitation.add_priority_for_room(db, qid, "Only priority", "test")
    facilitation.set_phase(db, qid, "voting", "test")
    code = workshops.get_workshop(db, wid)["code"]
    for country, n in counts:
        for _ in range(n):
            participation.place_dot(db, participation.join_workshop(db, code, None, {"country": country}), pid)
    return qid


def test_suppression_threshold_4_hidden_5_shown(db):
    qid = _seed_countries(db, (("Croatia", 5), ("Poland", 4), ("Serbia", 1)))
    groups = {g.name: g for g in analysis.tally_segment(analysis.load_question_votes(db, qid), "country")}
    assert groups["Croatia"].participants == 5 and not groups["Croatia"].suppressed
    assert int(groups["Croatia"].tally["dots"].iloc[0]) == 5
    # Poland and Serbia together hold 5: hidden together, they need no cover.
    assert groups["Poland"].suppressed and groups["Poland"].participants is None
    assert groups["Serbia"].suppressed and groups["Serbia"].participants is None


def test_one_small_group_never_stands_alone(db):
    # Croatia (5) alone beside Poland (4) would give Poland's figures as "all participants" minus Croatia.
    qid = _seed_countries(db, (("Croatia", 5), ("Poland", 4)))
    groups = analysis.tally_segment(analysis.load_question_votes(db, qid), "country")
    assert [(g.name, g.participants, g.suppressed) for g in groups] == [("Croatia", None, True),
                                                                        ("Poland", None, True)]


def test_equal_weight_per_country(db, small):
    data = analysis.load_question_votes(db, small["question_id"])
    fair = analysis.tally_equal_weight(data, min_group=1)
    pids = small["pids"]
    # totals: Czechia 7, Serbia 6, Other / not given (p4 alone, shown at minimum 1) 2 -> each scaled to 15/3 = 5
    # A = 4*5/7 + 1*5/6 = 3.69; B = 2*5/7 + 3*5/6 = 3.93; C = 1*5/7 + 2*5/6 = 2.38; D = 2*5/2 = 5
    assert _by_letter(fair, pids, "equal_weight_dots") == {"A": 3.69, "B": 3.93, "C": 2.38, "D": 5.0}
    assert _by_letter(fair, pids, "equal_weight_rank") == {"D": 1, "B": 2, "A": 3, "C": 4}
    assert _by_letter(fair, pids, "dots") == {"A": 5, "B": 5, "C": 3, "D": 2}
    assert round(fair["equal_weight_dots"].sum(), 1) == 15.0
    weights = analysis.list_group_weights(data, min_group=1)
    assert weights.values.tolist() == [["Czechia", 7, 2, round(5 / 7, 4)], ["Serbia", 6, 2, round(5 / 6, 4)],
                                       ["Other / not given", 2, 1, 2.5]]
    # The default minimum (5) hides every country: one pooled group, weighted 1, and no country's own figures.
    assert analysis.list_group_weights(data).values.tolist() == [["Other / not given", 15, 5, 1.0]]
    assert _by_letter(analysis.tally_equal_weight(data), pids, "equal_weight_dots") == {"A": 5.0, "B": 5.0, "C": 3.0,
                                                                                       "D": 2.0}


def test_cross_workshop_combined_and_merged(db):
    first = seed_small(db, "Prague")
    second = seed_small(db, "Belgrade", titles={"A": "Priority A again"})
    items, votes = across.load_cross_votes(db, [first["workshop_id"], second["workshop_id"]])
    combined = across.tally_cross(items, votes)
    assert len(combined) == 8
    assert list(combined["dots"]) == [5, 5, 5, 5, 3, 3, 2, 2]
    assert list(combined["rank"]) == [1, 1, 1, 1, 5, 5, 7, 7]
    assert "Prague (" in combined.iloc[0]["workshops"]
    merges = across.add_cross_merge({}, [second["pids"]["A"]], first["pids"]["A"])
    merged = across.tally_cross(items, votes, merges, min_group=1)
    top = merged.iloc[0]
    assert (top["item_id"], top["dots"], top["supporters"], top["rank"]) == (first["pids"]["A"], 10, 6, 1)
    assert top["merged_count"] == 2 and "Priority A again" in top["sources"] and "Belgrade" in top["workshops"]
    assert (top["countries"], top["backed_by_countries"]) == ("Czechia, Serbia", 2)
    assert len(merged) == 7
    # Default minimum 5: Czechia and Serbia have 4 voters each across both workshops, "not given" 2. None is
    # named (Czechia appears as the workshops' own country), and together they back A as one.
    top = across.tally_cross(items, votes, merges).iloc[0]
    assert (top["countries"], top["backed_by_countries"]) == ("Czechia", 1)
    across.record_cross_merge(db, "olga", [second["pids"]["A"]], first["pids"]["A"])
    for wid in (first["workshop_id"], second["workshop_id"]):
        assert [r["action"] for r in audit.list_audit(db, wid)].count("cross.merge") == 1


def test_merge_loops_refused():
    with pytest.raises(RuleError):
        across.resolve_merges({1: 2, 2: 1})
    assert across.resolve_merges({1: 2, 2: 3}) == {1: 3, 2: 3}


# ---------------------------------------------------------------- the results page (AppTest)

def _results_page(username: str):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    at = AppTest.from_file(str(ROOT / "pages/results.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    return at


def test_results_page_shows_ranking_for_organiser(db, small):
    from components import auth
    auth.create_user(db, "olga", "Olga Organiser", "organiser", "test", password="x" * 12)
    at = _results_page("olga").run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["6", "5", "15", "4"]
    tables = [d.value for d in at.dataframe]
    ranking = next(t for t in tables if "title" in t.columns and "supporters" in t.columns)
    assert list(ranking["title"])[:2] == ["Priority A", "Priority B"] and list(ranking["rank"]) == [1, 1, 3, 4]
    # default minimum 5: every country group is hidden
    assert any("Czechia (hidden group)" in t.columns for t in tables)
    at.number_input(key="results_min_group").set_value(1).run()
    assert not at.exception
    assert any("Czechia (n=2)" in d.value.columns for d in at.dataframe)


def test_results_page_refuses_facilitator(db, small):
    from components import auth
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)
    at = _results_page("fiona").run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["This page is for organisers."]
    assert not at.dataframe and not at.title


def test_results_page_cross_workshop_merge(db):
    from components import auth
    first, second = seed_small(db, "Prague"), seed_small(db, "Belgrade")
    auth.create_user(db, "olga", "Olga Organiser", "organiser", "test", password="x" * 12)
    at = _results_page("olga").run()
    at.multiselect(key="cross_workshops").set_value([first["workshop_id"], second["workshop_id"]]).run()
    assert not at.exception
    combined = at.dataframe[-1].value
    assert len(combined) == 8 and "Came from" not in combined.columns  # headers are set by column_config
    merge_from = next(m for m in at.multiselect if m.label == "Merge these priorities …")
    merge_from.set_value([second["pids"]["A"]])
    next(s for s in at.selectbox if s.label == "… into this one").set_value(first["pids"]["A"])
    next(b for b in at.button if b.label == "Merge").click().run()
    assert not at.exception
    merged = at.dataframe[-1].value
    assert len(merged) == 7 and int(merged.iloc[0]["dots"]) == 10 and int(merged.iloc[0]["merged_count"]) == 2
    assert [r["action"] for r in audit.list_audit(db, second["workshop_id"])].count("cross.merge") == 1
