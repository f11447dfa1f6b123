"""Representation: participation against the network's membership mix, flags, re-weighting and pooling."""

from __future__ import annotations

import pytest

from components import analysis, facilitation, membership, participation, representation, seed, suppression, workshops
from components.rules import RuleError

# Seeded mix (min_group 2; every voter places 3 dots): letter -> (country, voters, dots per voter on A, B, C).
SEEDED = {"pl": ("Poland", 4, (2, 1, 0)), "rs": ("Serbia", 2, (0, 0, 3)), "hr": ("Croatia", 1, (0, 3, 0)),
          "ng": ("", 2, (1, 0, 2))}
MIX_CSV = "dimension,group,count\ncountry,Poland,500\ncountry,Serbia,300\ncountry,Croatia,200\n"


def seed_room(db, people: dict, dots: int = 3, title: str = "Representation") -> dict:
    """A workshop with priorities A, B, C and voters as given: name -> (country, how many, dots on A, B, C)."""
    wid = workshops.create_workshop(db, title, "test", profile_questions=seed.default_profile_questions())
    qid = workshops.add_question(db, wid, "What next?", "test", dots_per_participant=dots, max_dots_per_item=dots)
    facilitation.set_phase(db, qid, "collecting", "test")
    pids = {letter: facilitation.add_priority_for_room(db, qid, f"Priority {letter}", "test") for letter in "ABC"}
    facilitation.set_phase(db, qid, "voting", "test")
    code = workshops.get_workshop(db, wid)["code"]
    for country, count, ballot in people.values():
        for _ in range(count):
            person = participation.join_workshop(db, code, None, {"country": country})
            for letter, placed in zip("ABC", ballot):
                for _ in range(placed):
                    participation.place_dot(db, person, pids[letter])
    return {"workshop_id": wid, "question_id": qid, "pids": pids}


def compare(db, room, min_group=2, margin=5, key="country"):
    data = analysis.load_question_votes(db, room["question_id"])
    return representation.compare(data, key, membership.load_mix(db, room["workshop_id"])[key], min_group, margin)


@pytest.fixture
def room(db):
    room = seed_room(db, SEEDED)
    membership.import_csv(db, room["workshop_id"], MIX_CSV.encode(), "olga")
    return room


def test_reweighting_against_hand_computed_weights(db, room):
    """Hand computation (min_group 2, membership Poland 50 %, Serbia 30 %, Croatia 20 %):

    Voters: Poland 4, Serbia 2, Croatia 1, no country 2 = 9. Croatia (1 < 2) is pooled; the pool then holds
    1 voter, so the smallest group shown joins it: "Not given" (2 voters, before "Serbia" by name). Pool
    "Other / not given" = Croatia + not given = 3 voters, membership share 1 - .5 - .3 = 20 %.
    Dots (3 per voter, T = 27): Poland A 8, B 4 (12); Serbia C 6 (6); pool B 3 + A 2, C 4 (9).
    Weights = share x T / group dots: Poland .5 x 27 / 12 = 1.125; Serbia .3 x 27 / 6 = 1.35; pool .2 x 27 / 9 = .6.
    Re-weighted: A 8 x 1.125 + 2 x .6 = 10.2; B 4 x 1.125 + 3 x .6 = 6.3; C 6 x 1.35 + 4 x .6 = 10.5 (sum 27).
    Raw A 10, B 7, C 10 ranks 1, 3, 1; re-weighted ranks A 2, B 3, C 1.
    Participation 4/9 = 44.4 %, 2/9 = 22.2 %, 3/9 = 33.3 %: gaps -5.6, -7.8, +13.3 points, all beyond 5.
    """
    result = compare(db, room)
    assert result.groups.to_dict("records") == [
        {"group": "Poland", "membership_share": 0.5, "participants": 4, "participation_share": 0.4444,
         "gap_points": -5.6, "flag": "under", "weight": 1.125},
        {"group": "Serbia", "membership_share": 0.3, "participants": 2, "participation_share": 0.2222,
         "gap_points": -7.8, "flag": "under", "weight": 1.35},
        {"group": representation.POOLED, "membership_share": 0.2, "participants": 3, "participation_share": 0.3333,
         "gap_points": 13.3, "flag": "over", "weight": 0.6}]
    assert result.pooled == ["Croatia"]
    letters = {pid: letter for letter, pid in room["pids"].items()}
    assert [(letters[r["priority_id"]], r["rank"], r["dots"], r["reweighted_dots"], r["reweighted_rank"])
            for r in result.tally.to_dict("records")] == [
        ("A", 1, 10, 10.2, 2), ("C", 1, 10, 10.5, 1), ("B", 3, 7, 6.3, 3)]
    assert result.tally["reweighted_dots"].sum() == pytest.approx(27)


def test_flags_at_the_margin_boundary(db):
    """Poland is 30 % of the members and 5 of 20 voters (25 %): a gap of exactly 5 points, Serbia +5."""
    boundary = seed_room(db, {"pl": ("Poland", 5, (1, 0, 0)), "rs": ("Serbia", 15, (0, 1, 0))}, dots=1)
    membership.save_dimension(db, boundary["workshop_id"], "country", "share",
                              [{"group": "Poland", "amount": "30"}, {"group": "Serbia", "amount": "70"}], "olga")
    at_margin = compare(db, boundary, min_group=5, margin=5).groups
    assert at_margin[["group", "gap_points", "flag"]].values.tolist() == [["Serbia", 5.0, ""], ["Poland", -5.0, ""]]
    inside = compare(db, boundary, min_group=5, margin=4).groups
    assert inside["flag"].tolist() == ["over", "under"]


def test_a_group_that_did_not_come_is_absent_and_cannot_be_weighted_up(db):
    room = seed_room(db, {"pl": ("Poland", 3, (1, 0, 0)), "rs": ("Serbia", 3, (0, 1, 0))}, dots=1)
    membership.save_dimension(db, room["workshop_id"], "country", "count",
                              [{"group": "Poland", "amount": 10}, {"group": "Serbia", "amount": 10}], "olga")
    result = compare(db, room, min_group=3)
    # No voter is pooled and no member group is left out: no pooled row at all, weights 1.
    assert result.groups[["group", "participants", "weight"]].values.tolist() == [["Poland", 3, 1.0],
                                                                                  ["Serbia", 3, 1.0]]
    membership.save_dimension(db, room["workshop_id"], "country", "count",
                              [{"group": "Poland", "amount": 10}, {"group": "Serbia", "amount": 10},
                               {"group": "Greece", "amount": 20}], "olga")
    result = compare(db, room, min_group=3)
    assert result.groups[["group", "participants", "flag"]].values.tolist()[-1] == [representation.POOLED, 0,
                                                                                    "absent"]
    assert pd_isna(result.groups["weight"].iloc[-1]) and result.pooled == ["Greece"]
    # Greece's half of the network cannot be weighted up: the tally stays the raw one.
    assert result.tally["reweighted_dots"].tolist() == [3.0, 3.0, 0.0]


def pd_isna(value) -> bool:
    import pandas as pd
    return bool(pd.isna(value))


BAD_CSV = ("dimension;group;count;share\n"
           "country;Poland;500;\n"
           "country;Czech Republic;10;\n"  # row 3: not an answer offered
           "country;Serbia;12,5;\n"  # row 4: not a whole number
           "region;Serbia;5;\n"  # row 5: unknown dimension
           "country;poland;7;\n"  # row 6: Poland twice (any case)
           "Organisation type;Academia;;40\n"
           "org_type;Civil society;;50\n")  # shares 90 %, not 100 %


def test_csv_import_with_bad_rows_imports_nothing_and_names_them(db, room):
    before = membership.load_rows(db, room["workshop_id"])
    with pytest.raises(RuleError) as refused:
        membership.import_csv(db, room["workshop_id"], BAD_CSV.encode(), "olga")
    assert refused.value.msgid == "Nothing was saved: fix these rows and try again."
    assert [(row, str(exc)) for row, exc in refused.value.problems] == [
        (3, "“Czech Republic” is not one of the answers this workshop offers."),
        (4, "A count is a whole number of members above 0."),
        (5, "“region” is not one of: country, org_type."),
        (6, "“Poland” is listed twice."),
        (None, "Organisation type: the shares add up to 90.0 %, not 100 %.")]
    assert membership.load_rows(db, room["workshop_id"]) == before


def test_csv_import_reads_semicolons_decimal_commas_and_labels(db, room):
    text = ("\ufeffDimension;Group;Share\nOrganisation type;civil society;62,5 %\norg_type;Academia;37.5\n"
            "country;Poland;\n")  # a template row without a number is left out
    assert membership.import_csv(db, room["workshop_id"], text.encode(), "olga") == {"org_type": 2}
    mix = membership.load_mix(db, room["workshop_id"])
    assert mix["org_type"][["group", "unit", "amount", "share"]].values.tolist() == [
        ["Civil society", "share", 62.5, 0.625], ["Academia", "share", 37.5, 0.375]]
    assert mix["country"]["group"].tolist() == ["Poland", "Serbia", "Croatia"]  # the country mix is untouched


def test_template_round_trips_and_a_mix_is_copied_to_another_workshop(db, room):
    template = membership.write_template(db, room["workshop_id"])
    lines = template.decode("utf-8-sig").splitlines()
    assert lines[0] == "dimension,group,count,share" and "country,Poland,500," in lines and "country,Albania,," in lines
    other = seed_room(db, SEEDED, title="Second workshop of the network")
    assert membership.list_sources(db, other["workshop_id"])[0]["id"] == room["workshop_id"]
    assert membership.copy_from(db, room["workshop_id"], other["workshop_id"], "olga") == {"country": 3}
    membership.import_csv(db, other["workshop_id"], template, "olga")
    assert membership.load_rows(db, other["workshop_id"]) == membership.load_rows(db, room["workshop_id"])


@pytest.mark.parametrize("text, message", [
    (b"dimension,group\ncountry,Poland\n", "The file needs the columns dimension, group and count or share."),
    ("dimension,group,count\ncountry,Poland,5\n".encode("utf-16"),
     "The file is not UTF-8 text: save it as “CSV UTF-8” and try again."),
    (b"dimension,group,count\ncountry,Poland,\n", "The file has no rows with a number."),
    (b"x" * 200_001, "The file is too large: a membership mix file is at most 200 KB.")])
def test_a_file_that_is_not_a_membership_mix_is_refused_whole(db, room, text, message):
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        membership.import_csv(db, room["workshop_id"], text, "olga")
    assert len(membership.load_rows(db, room["workshop_id"])) == 3


# ---------------------------------------------------------------- suppression in every view

LONE = {"cz": ("Czechia", 5, (1, 0, 0)), "rs": ("Serbia", 5, (0, 1, 0)), "xk": ("Kosovo", 1, (0, 0, 1))}
LONE_MIX = "dimension,group,share\ncountry,Czechia,40\ncountry,Serbia,40\ncountry,Kosovo,20\n"


@pytest.fixture
def lone(db):
    """Kosovo's one voter: pooled with the smallest group shown (Czechia, 5, before Serbia by name)."""
    room = seed_room(db, LONE, dots=1, title="Lone voter")
    membership.import_csv(db, room["workshop_id"], LONE_MIX.encode(), "olga")
    return room


def test_a_lone_voters_group_is_pooled_with_the_smallest_group_shown(db, lone):
    result = compare(db, lone, min_group=5)
    assert result.groups[["group", "participants", "membership_share"]].values.tolist() == [
        ["Serbia", 5, 0.4], [representation.POOLED, 6, 0.6]]
    assert result.pooled == ["Czechia", "Kosovo"]
    assert suppression.hide_small_groups({"A": 1, "B": 7, "C": 5}, 5) == {"A", "C"}


def test_a_voter_whose_dots_are_all_on_a_hidden_priority_is_counted_nowhere(db, lone):
    """Kosovo's one voter placed their dot on C, which the facilitator then hid. Segments count voters on the
    ballot's priorities (Czechia 5, Serbia 5, both shown); representation counted everyone with a dot, so it
    pooled Kosovo with Czechia into a pool of 6. Pool 6 minus Czechia's 5 on the Segments tab gave one voter
    from Kosovo, and the export's dots showed the one participant code whose only dot is on C: their ballot."""
    facilitation.set_priority_hidden(db, lone["pids"]["C"], True, "olga")
    data = analysis.load_question_votes(db, lone["question_id"])
    segments = {g.name: g.participants for g in analysis.tally_segment(data, "country", min_group=5)}
    result = compare(db, lone, min_group=5)
    assert segments == {"Czechia": 5, "Serbia": 5}
    assert result.groups[["group", "participants"]].values.tolist() == [
        ["Czechia", 5], ["Serbia", 5], [representation.POOLED, 0]]
    assert result.pooled == ["Kosovo"] and result.groups["participants"].sum() == sum(segments.values())
    for letter in "AB":  # every dot on a hidden priority: nobody to compare, rather than groups of nobody
        facilitation.set_priority_hidden(db, lone["pids"][letter], True, "olga")
    data = analysis.load_question_votes(db, lone["question_id"])
    assert representation.compare_all(data, membership.load_mix(db, lone["workshop_id"]), 5) == []


def test_the_lone_voters_group_never_appears_alone_in_json_xlsx_or_html(db, lone):
    import io
    import json

    from openpyxl import load_workbook

    from components import exports
    wid = lone["workshop_id"]
    document = json.loads(exports.export_bytes(db, wid, "json"))
    section = document["questions"][0]["representation"][0]
    assert [(g["group"], g["participants"]) for g in section["groups"]] == [("Serbia", 5), (representation.POOLED, 6)]
    assert section["pooled_member_groups"] == ["Czechia", "Kosovo"]
    book = load_workbook(io.BytesIO(exports.export_bytes(db, wid, "xlsx")))
    rows = list(book["representation"].values)
    assert [(r[2], r[4]) for r in rows[1:]] == [("Serbia", 5), (representation.POOLED, 6)]
    assert rows[2][-1] == "Czechia; Kosovo"
    page = exports.export_bytes(db, wid, "html").decode()
    section = page[page.index("<h3>Representation by country"):page.index("<h3>Ballot receipts")]
    cells = [cell.split("</td>")[0] for cell in section.split("<td>")[1:]]
    assert "Kosovo" not in cells and "Czechia" not in cells and {"Serbia", representation.POOLED} <= set(cells)
    assert "pools the member groups Czechia, Kosovo" in section


def test_the_lone_voters_group_never_appears_alone_on_the_page(db, lone):
    from components import auth
    from tests.test_staff_pages import open_page, shown
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)
    at = open_page("results", "olga")
    table = next(frame.value for frame in at.dataframe if "membership_share" in frame.value.columns)
    # Serbia 5 of 11 voters (45.5 %) against 40 % of the members; the pool 6 of 11 (54.5 %) against 60 %.
    assert table[["group", "participants", "flag"]].values.tolist() == [
        ["Serbia", 5, "▲ Over-represented"], ["Other / not given", 6, "▼ Under-represented"]]
    assert "Groups with fewer than 5 voters are never shown alone. “Other / not given” pools: Czechia, Kosovo, " \
           "and voters who gave no answer or one outside the mix." in shown(at)
    tally = next(frame.value for frame in at.dataframe if "reweighted_dots" in frame.value.columns)
    # 11 dots: Serbia's 5 (on B) weigh .4 x 11 / 5 = .88, the pool's 6 (Czechia's 5 on A, Kosovo's 1 on C) .6 x 11 / 6 = 1.1.
    assert tally[["title", "dots", "reweighted_dots", "reweighted_rank"]].values.tolist() == [
        ["Priority A", 5, 5.5, 1], ["Priority B", 5, 4.4, 2], ["Priority C", 1, 1.1, 3]]


def test_the_page_copies_a_mix_from_another_workshop(db, lone):
    from components import auth
    from tests.test_staff_pages import open_page, shown
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)
    target = seed_room(db, SEEDED, title="A later workshop")  # listed first: the newest workshop
    at = open_page("results", "olga")
    assert "Enter the network's membership mix to compare it with who voted." in shown(at)
    next(b for b in at.button if b.label == "Copy").click().run()
    assert not at.exception
    assert "Imported: Country (3)." in shown(at)
    assert membership.load_rows(db, target["workshop_id"]) == membership.load_rows(db, lone["workshop_id"])
    assert any("membership_share" in frame.value.columns for frame in at.dataframe)


def test_the_page_says_so_when_nobody_has_voted_yet(db):
    from components import auth
    from tests.test_staff_pages import open_page, shown
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)
    room = seed_room(db, {}, title="Nobody yet")
    membership.import_csv(db, room["workshop_id"], MIX_CSV.encode(), "olga")
    at = open_page("results", "olga")
    assert "Nobody has placed a dot on this question yet." in shown(at)
    assert not any("membership_share" in frame.value.columns for frame in at.dataframe)


def test_a_question_nobody_voted_on_has_no_representation_section(db, room):
    import json

    from components import exports
    second = workshops.add_question(db, room["workshop_id"], "And after that?", "test")
    document = json.loads(exports.export_bytes(db, room["workshop_id"], "json", min_group=2))
    assert [len(q["representation"]) for q in document["questions"]] == [1, 0]
    assert workshops.get_question(db, second)["phase"] == "draft"
    page = exports.export_bytes(db, room["workshop_id"], "html", min_group=2).decode()
    assert page.count("<h3>Representation by country</h3>") == 1
