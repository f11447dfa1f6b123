"""Robustness of a ranking: would another counting rule have changed the answer? No Streamlit here.

Only ranks are published: per-group weights could reveal a small group's dots, and the groups the
small-group rule hides (components/suppression.py) are pooled with 'not given' before weighting.
"""

from __future__ import annotations

import pandas as pd

from components import analysis, rules, suppression

ORG_TYPE_KEY = "org_type"
POOLED = suppression.POOLED
RULES = ("dots", "supporters", "per_country", "per_org_type", "normalised")
# The rules' names as the results page shows them (translated there: components/ui/robustness.py); the
# report and the exports use these, so a reader sees the same words everywhere.
RULE_LABELS = {"dots": "Dots", "supporters": "Supporters", "per_country": "Per country",
               "per_org_type": "Per organisation type", "normalised": "Equal budgets"}
TOP_DEFAULT = 5
# The organiser page shows these translated (components/ui/robustness.py); exports use the English.
SENTENCES = {"all": "The top {n} are the same under all {rules} counts.",
             "none": "Even first place differs between the {rules} counts.",
             "some": "The top {n} are the same under all {rules} counts; places {a}–{b} change.",
             # "The top 1 are the same" reads wrong: first place gets sentences of its own.
             "first_all": "First place is the same under all {rules} counts.",
             "first": "First place is the same under all {rules} counts; places {a}–{b} change."}


def pool_small_groups(data: analysis.QuestionVotes, key: str, min_group: int) -> pd.Series:
    """Participant id -> group; 'not given' and the hidden groups (small ones and their cover) become one group."""
    voters = set(_visible_votes(data)["participant_id"])
    return suppression.pool_hidden(suppression.answers_of(data.participants, voters, key), min_group)


def _visible_votes(data: analysis.QuestionVotes) -> pd.DataFrame:
    """Votes on the priorities still on the ballot, dots as floats."""
    visible = set(data.priorities.loc[data.priorities["state"] == "visible", "priority_id"])
    votes = data.votes[data.votes["priority_id"].isin(visible)]
    return votes.assign(dots=votes["dots"].astype(float))


def score_equal_groups(votes: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """Priority id -> dots with every group's total scaled to the same share."""
    group = votes["participant_id"].map(groups)
    totals = votes["dots"].groupby(group).sum()
    weights = (totals.sum() / len(totals)) / totals if len(totals) else totals
    return (votes["dots"] * group.map(weights)).groupby(votes["priority_id"]).sum()


def score_normalised(votes: pd.DataFrame) -> pd.Series:
    """Priority id -> dots with every participant's dots scaled to a total of 1."""
    totals = votes.groupby("participant_id")["dots"].transform("sum")
    return (votes["dots"] / totals).groupby(votes["priority_id"]).sum()


def score_rules(data: analysis.QuestionVotes, min_group: int) -> dict[str, pd.Series | None]:
    """Rule -> priority id -> score; None when a rule's profile key is not asked in this workshop."""
    votes = _visible_votes(data)
    by_priority = votes.groupby("priority_id")
    scores = {"dots": by_priority["dots"].sum(), "supporters": by_priority["participant_id"].nunique(),
              "per_country": score_equal_groups(votes, pool_small_groups(data, analysis.COUNTRY_KEY, min_group)),
              "per_org_type": None, "normalised": score_normalised(votes)}
    if ORG_TYPE_KEY in data.profile_keys:
        scores["per_org_type"] = score_equal_groups(votes, pool_small_groups(data, ORG_TYPE_KEY, min_group))
    return scores


def rank_rules(data: analysis.QuestionVotes, min_group: int = rules.MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """One row per visible priority: its competition rank under every rule (no scores, no weights)."""
    visible = data.priorities[data.priorities["state"] == "visible"][["priority_id", "title"]].reset_index(drop=True)
    frame = visible.copy()
    for rule, score in score_rules(data, min_group).items():
        if score is None:
            frame[rule] = pd.NA
            continue
        frame[rule] = analysis.rank_competition(visible["priority_id"].map(score).fillna(0.0).astype(float))
    return frame.sort_values(["dots", "priority_id"]).reset_index(drop=True)


def available_rules(ranks: pd.DataFrame) -> list[str]:
    """The rules that could be computed (a missing profile question makes its rule unavailable)."""
    return [rule for rule in RULES if rule in ranks.columns and ranks[rule].notna().all() and len(ranks)]


def split_top(ranks: pd.DataFrame, top: int = TOP_DEFAULT) -> dict[str, list[int]]:
    """Priority ids in the top N under every available rule, and under only some of them."""
    rules = available_rules(ranks)
    inside = ranks[rules].le(top)
    return {"all": ranks.loc[inside.all(axis=1), "priority_id"].astype(int).tolist(),
            "some": ranks.loc[inside.any(axis=1) & ~inside.all(axis=1), "priority_id"].astype(int).tolist()}


def count_stable_places(ranks: pd.DataFrame, top: int = TOP_DEFAULT) -> int:
    """How many leading places (up to N) every rule gives to the priorities the raw dots put there.

    A place holds when, under every rule, each priority the dots rank at or above it is still at or
    above it, and any other priority there only shares a rank with one of them: a tie under one count
    does not make the winner of every count "differ" (found in a rehearsal)."""
    rules = available_rules(ranks)
    for place in range(1, top + 1):
        base = set(ranks.loc[ranks["dots"] <= place, "priority_id"])
        for rule in rules:
            inside = ranks[ranks[rule] <= place]
            ours = inside["priority_id"].isin(base)
            if ours.sum() < len(base) or not set(inside.loc[~ours, rule]) <= set(inside.loc[ours, rule]):
                return place - 1
    return top


def describe_agreement(ranks: pd.DataFrame, top: int = TOP_DEFAULT) -> tuple[str, dict]:
    """How far the rules agree: a SENTENCES key and its placeholders."""
    top = min(top, len(ranks))
    rules = len(available_rules(ranks))
    stable = count_stable_places(ranks, top)
    if stable >= top:
        return ("first_all", {"rules": rules}) if top == 1 else ("all", {"n": top, "rules": rules})
    if stable == 0:
        return "none", {"rules": rules}
    if stable == 1:
        return "first", {"rules": rules, "a": 2, "b": top}
    return "some", {"n": stable, "rules": rules, "a": stable + 1, "b": top}


def write_sentence(ranks: pd.DataFrame, top: int = TOP_DEFAULT) -> str:
    """The agreement sentence in English (exports and the report)."""
    kind, values = describe_agreement(ranks, top)
    return SENTENCES[kind].format(**values)


def to_record(ranks: pd.DataFrame, top: int = TOP_DEFAULT) -> dict:
    """For the JSON export: the places compared, the rules available, the top-N split and the sentence (English)."""
    return {"top": top, "rules_available": available_rules(ranks), **split_top(ranks, top),
            "sentence": write_sentence(ranks, top)}
