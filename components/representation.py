"""Representation: were the people who voted representative of the network? No Streamlit here.

For one kind of group (country or organisation type) it compares each group's share of the voters with
its share of the network's membership (components/membership.py), flags the groups whose gap is more than
a margin, and re-weights the tally so that each group's dots carry its membership share.

Small groups are never shown alone. Every answer given by fewer voters than the minimum group size goes
into one pooled group, "Other / not given", with the voters who gave no answer or one that is not in the
membership mix; when that pool would hold 1 to N-1 voters, the smallest group shown is pooled too, so the
pool can never be worked out as one small group (total minus the groups shown). Only groups of at least N
voters, or the pool, carry a weight, so no weighted figure can be traced back to fewer than N people.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components import analysis, rules, suppression
from components.membership import DIMENSIONS

POOLED = suppression.POOLED
GROUP_COLUMNS = ["group", "membership_share", "participants", "participation_share", "gap_points", "flag",
                 "weight"]
TALLY_COLUMNS = ["rank", "priority_id", "title", "dots", "reweighted_dots", "reweighted_rank"]
# The readable caveats: the page shows them translated (components/ui/representation.py), exports in English.
CAVEATS = (
    "The raw tally is the result of the vote; the re-weighted tally is a “what if the room had looked like "
    "the network” to read beside it, not a replacement.",
    "It is not a survey sample: people chose to come, and weighting corrects the mix of groups, not who "
    "chose to come from within a group.",
    "Weighting amplifies small groups' noise: when a group has few voters, each of their dots counts several "
    "times, and a weight above {warn} means a few voices stand in for many members.",
    "Groups absent from the room cannot be weighted up: nobody speaks for them, and their share is shared out "
    "among the groups that came.",
    "Groups with fewer voters than the minimum group size, and voters who gave no answer or one that is not "
    "in the membership mix, are pooled into “Other / not given”; it is weighted as one group to the "
    "membership share of the member groups it pools, so within it, those present stand in for those absent.",
    "One kind of group at a time: weighting by country does not correct the mix of organisation types, "
    "and the other way round.",
    "The weights are only as good as the membership figures entered: check their date and source.",
)


@dataclass
class Representation:
    """One question compared with one dimension of the membership mix."""

    dimension: str
    groups: pd.DataFrame  # GROUP_COLUMNS, one row per group shown and one for the pool
    pooled: list[str]  # the member groups inside the pool (names from the mix, present or not)
    tally: pd.DataFrame  # TALLY_COLUMNS
    margin: float
    min_group: int


def assign_cells(data: analysis.QuestionVotes, key: str, mix: pd.DataFrame, min_group: int) -> pd.Series:
    """Voter id -> the group they are counted in: a member group shown alone, or POOLED."""
    # The voters every other view counts: a dot on a priority still on the ballot. Counting everyone with a dot
    # made a voter whose dots were all on a hidden priority a group member here and nobody on the Segments tab,
    # so the difference named them.
    voters = data.participants[data.participants["participant_id"].isin(set(_visible_votes(data)["participant_id"]))]
    answers = voters.set_index("participant_id")[key] if key in voters.columns else \
        pd.Series(analysis.NOT_GIVEN, index=voters["participant_id"])
    pooled = suppression.hide_small_groups(answers.value_counts().to_dict(), min_group)  # as the segments hide
    listed = set(mix["group"])
    return answers.where(answers.isin(listed) & ~answers.isin(pooled), POOLED).astype(object)


def compute_weights(dots: pd.Series, shares: pd.Series) -> pd.Series:
    """Group -> factor on its dots so each group present carries its membership share of the total.

    Shares of groups without dots are shared out among those present. A pool with no member group in it
    (share 0) keeps its dots as they are, and the other groups share the rest.
    """
    present = dots[dots > 0].index
    total = float(dots.sum())
    kept = [g for g in present if shares.get(g, 0) <= 0]
    weighted = [g for g in present if g not in kept]
    spread, share_sum = total - float(dots[kept].sum()), float(shares[weighted].sum()) if weighted else 0.0
    factors = pd.Series(1.0, index=dots.index)
    for group in weighted:
        factors[group] = shares[group] / share_sum * spread / float(dots[group])
    factors[dots <= 0] = float("nan")
    return factors


def compare(data: analysis.QuestionVotes, key: str, mix: pd.DataFrame, min_group: int = analysis.MIN_GROUP_DEFAULT,
            margin: float = rules.REPRESENTATION_MARGIN_DEFAULT) -> Representation:
    """Participation against membership per group, flags beyond the margin, and the re-weighted tally."""
    cells = assign_cells(data, key, mix, min_group)
    shares = mix.set_index("group")["share"]
    shown = [g for g in shares.sort_values(ascending=False, kind="stable").index if g in set(cells)]
    pooled_members = [g for g in mix["group"] if g not in shown]
    share_of = {g: float(shares[g]) for g in shown}
    share_of[POOLED] = max(0.0, 1.0 - sum(share_of.values()))
    order = shown + ([POOLED] if (cells == POOLED).any() or share_of[POOLED] > 1e-12 else [])
    votes = _visible_votes(data)
    votes = votes.assign(cell=votes["participant_id"].map(cells))
    dots = votes.groupby("cell")["dots"].sum().reindex(order, fill_value=0.0)
    factors = compute_weights(dots, pd.Series(share_of).reindex(order))
    sizes, voters = cells.value_counts().reindex(order, fill_value=0), len(cells)
    rows = []
    for group in order:
        participation = sizes[group] / voters if voters else 0.0
        gap = (participation - share_of[group]) * 100
        rows.append({"group": group, "membership_share": round(share_of[group], 4), "participants": int(sizes[group]),
                     "participation_share": round(participation, 4), "gap_points": round(gap, 1),
                     "flag": _flag(int(sizes[group]), share_of[group], gap, margin),
                     "weight": None if pd.isna(factors[group]) else round(float(factors[group]), 3)})
    tally = _reweight(data, votes, factors)
    return Representation(key, pd.DataFrame(rows, columns=GROUP_COLUMNS), pooled_members, tally, margin, min_group)


def _flag(participants: int, share: float, gap: float, margin: float) -> str:
    """'absent' (members but no voter), 'under', 'over' (beyond the margin) or ''."""
    if participants == 0 and share > 0:
        return "absent"
    if rules.is_beyond_margin(gap, margin):
        return "under" if gap < 0 else "over"
    return ""


def has_voters(data: analysis.QuestionVotes) -> bool:
    """True once someone has a dot on a priority still on the ballot (the voters representation compares)."""
    return not _visible_votes(data).empty


def _visible_votes(data: analysis.QuestionVotes) -> pd.DataFrame:
    """Votes on the priorities still on the ballot, dots as floats."""
    visible = set(data.priorities.loc[data.priorities["state"] == "visible", "priority_id"])
    votes = data.votes[data.votes["priority_id"].isin(visible)]
    return votes.assign(dots=votes["dots"].astype(float))


def _reweight(data: analysis.QuestionVotes, votes: pd.DataFrame, factors: pd.Series) -> pd.DataFrame:
    """The raw tally beside the re-weighted one (dots times their group's factor), both ranked."""
    weighted = (votes["dots"] * votes["cell"].map(factors).astype(float)).groupby(votes["priority_id"]).sum()
    tally = analysis.tally_votes(data)[["rank", "priority_id", "title", "dots"]].copy()
    exact = tally["priority_id"].map(weighted).fillna(0.0).astype(float)
    tally["reweighted_dots"] = exact.round(2)
    tally["reweighted_rank"] = analysis.rank_competition(exact)
    return tally[TALLY_COLUMNS].reset_index(drop=True)


def compare_all(data: analysis.QuestionVotes, mix: dict[str, pd.DataFrame], min_group: int,
                margin: float = rules.REPRESENTATION_MARGIN_DEFAULT) -> list[Representation]:
    """One comparison per dimension the mix gives and the workshop asks (none while nobody has voted)."""
    if not has_voters(data):
        return []
    asked = set(data.profile_keys)
    return [compare(data, key, mix[key], min_group, margin) for key in DIMENSIONS if key in mix and key in asked]


def list_heavy(result: Representation) -> list[str]:
    """Groups whose weight is above the warning limit: a few voices stand in for many members."""
    heavy = result.groups[result.groups["weight"].fillna(0) > rules.REPRESENTATION_WEIGHT_WARN]
    return heavy["group"].tolist()


def write_caveats() -> list[str]:
    """The caveats in English, limits filled in (exports and report)."""
    return [text.format(warn=f"{rules.REPRESENTATION_WEIGHT_WARN:g}") for text in CAVEATS]


def to_record(result: Representation) -> dict:
    """A JSON-able section: groups, the member groups pooled, the two tallies, margin and minimum group."""
    return {"dimension": result.dimension, "margin_points": result.margin, "minimum_group_size": result.min_group,
            "groups": _records(result.groups), "pooled_member_groups": result.pooled,
            "tally": _records(result.tally)}


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts with None for missing values."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def tabulate_groups(per_question: list[list[Representation]]) -> pd.DataFrame:
    """Per question and kind of group: membership against participation, flags, weights (small groups pooled)."""
    frames = [result.groups.assign(question_no=number, dimension=result.dimension, margin_points=result.margin,
                                   pooled_member_groups=["; ".join(result.pooled) if group == POOLED else ""
                                                         for group in result.groups["group"]])
              for number, results in enumerate(per_question, start=1) for result in results]
    columns = ["question_no", "dimension", *GROUP_COLUMNS, "margin_points", "pooled_member_groups"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def tabulate_tallies(per_question: list[list[Representation]]) -> pd.DataFrame:
    """Per question and kind of group: the raw tally beside the one re-weighted to the membership mix."""
    frames = [result.tally.assign(question_no=number, dimension=result.dimension)
              for number, results in enumerate(per_question, start=1) for result in results]
    columns = ["question_no", "dimension", *TALLY_COLUMNS]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def format_gap(gap: float) -> str:
    """A gap in points with its sign, e.g. +13.3 or −5.6 (a real minus sign)."""
    return f"{gap:+.1f}".replace("-", "\u2212")


def _identity(text: str) -> str:
    """No translation (exports are in English)."""
    return text


def write_summary(result: Representation, top: int, _=_identity) -> list[str]:
    """Readable sentences: which groups are beyond the margin, heavy weights, and how far the top N moves.

    `_` is the reader's gettext (the page's, or the report's language); the English is the msgid.
    """
    margin = f"{result.margin:g}"
    beyond = result.groups[result.groups["flag"] != ""]
    if beyond.empty:
        lines = [_("Every group's share of the voters is within {margin} points of its share of the members.")
                 .format(margin=margin)]
    else:
        groups = ", ".join(f"{_(g)} ({format_gap(gap)})" for g, gap in zip(beyond["group"], beyond["gap_points"]))
        lines = [_("More than {margin} points away from their share of the members: {groups}.").format(
            margin=margin, groups=groups)]
    heavy = list_heavy(result)
    if heavy:
        lines.append(_("Weights above {warn}: {groups}. A few voices stand in for many members there.").format(
            warn=f"{rules.REPRESENTATION_WEIGHT_WARN:g}", groups=", ".join(_(g) for g in heavy)))
    n = min(top, len(result.tally))
    if n:
        kept = int((result.tally["rank"].le(n) & result.tally["reweighted_rank"].le(n)).sum())
        lines.append(_("Priorities in the top {n} both raw and re-weighted: {same} of {n}.").format(same=min(kept, n),
                                                                                                 n=n))
    return lines
