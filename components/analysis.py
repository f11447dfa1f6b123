"""Results analysis for organisers: rankings, segments and fairness (across workshops: across.py).

Everything is computed from the dot rows on the fly (no stored tallies), so a
result can always be traced back to the dots that produced it. No Streamlit here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from components import rules, suppression, workshops
from components.rules import RuleError
from components.storage import fetch_all

MIN_GROUP_DEFAULT = rules.MIN_GROUP_DEFAULT  # the rule lives in components/rules/; kept here for older callers
NOT_GIVEN = suppression.NOT_GIVEN
NO_THEME = "No theme"
COUNTRY_KEY = "country"
TALLY_COLUMNS = ["rank", "priority_id", "title", "theme", "dots", "supporters", "share_supporting",
                 "backed_by_countries"]

METHODOLOGY = (
    "Each participant had a budget of dots per question and could put up to the per-priority cap on any one "
    "priority. Dots counts every dot a priority received; supporters counts the distinct participants who put at "
    "least one dot on it. Share supporting = supporters / participants who placed at least one dot on that "
    "question (participants who placed no dot are not in the denominator). Priorities are ranked by dots with "
    "competition ranking: ties share a rank and the next rank is skipped (1, 2, 2, 4). Hidden priorities are left "
    "out; a merged duplicate's dots were moved to the surviving priority up to the per-priority cap, and any excess "
    "returned to the participant. Segments group the participants who voted on the question by their profile "
    "answer (group sizes count the participants with a dot on a priority still on the ballot). Small groups: a group "
    "with fewer participants than the minimum group size is 'hidden' and none of its figures are published; when "
    "that would leave one hidden group alone, or hidden groups that together have fewer participants than the "
    "minimum, the next smallest group is hidden too, so that 'all participants' minus the shown groups never gives "
    "a small group's figures. The same hidden groups apply everywhere below. The equal-weight tally pools the "
    "hidden countries and the participants who gave no country into one group 'Other / not given', then scales "
    "each group's dots so that every group contributes the same total; the weighted totals add up to the raw "
    "total. 'Backed by N countries' counts the distinct countries (not 'Not given') of a priority's supporters, "
    "the hidden countries counted together as one. "
    "Robustness: the ranking is recomputed under five counting rules (raw dots; distinct supporters; equal weight "
    "per country; equal weight per organisation type; every participant's dots scaled to a total of 1) and only "
    "the ranks are shown, never group weights; groups are pooled as in the equal-weight tally. "
    "Exports hold no participant's profile answers next to their dots unless the organiser asked for microdata. "
    "Participants are shown only as anonymous codes (P001, P002, ...) unless names were explicitly included."
)


@dataclass
class QuestionVotes:
    """One question's priorities, dots (per participant and priority) and voters' profiles."""

    question: dict
    priorities: pd.DataFrame
    votes: pd.DataFrame
    participants: pd.DataFrame
    profile_keys: list[str] = field(default_factory=list)

    @property
    def voter_ids(self) -> set[int]:
        """Participants with at least one dot on this question."""
        return set(self.votes["participant_id"])


# ---------------------------------------------------------------- loading

def load_participants(db, workshop_id: int) -> pd.DataFrame:
    """Return a workshop's participants with their anonymous code and profile answers as columns."""
    rows = fetch_all(db, "SELECT id AS participant_id, kind, display_name, profile FROM participant"
                         " WHERE workshop_id = ? ORDER BY id", (workshop_id,))
    width = max(3, len(str(len(rows))))
    for number, row in enumerate(rows, start=1):
        row["code"] = f"P{number:0{width}d}"
        row["profile"] = json.loads(row["profile"] or "{}")
    frame = pd.DataFrame(rows, columns=["participant_id", "kind", "display_name", "profile", "code"])
    keys = [pq["key"] for pq in workshops.list_profile_questions(db, workshop_id)]
    for key in dict.fromkeys(keys + [COUNTRY_KEY]):
        frame[key] = [(p.get(key) or NOT_GIVEN) for p in frame["profile"]]
    return frame


def load_question_votes(db, question_id: int, participants: pd.DataFrame | None = None) -> QuestionVotes:
    """Load a question's priorities and dots (aggregated per participant and priority)."""
    question = workshops.get_question(db, question_id)
    rules.check_question_exists(question)
    priorities = pd.DataFrame(fetch_all(db, """
        SELECT p.id AS priority_id, p.title, p.details, coalesce(t.name, '') AS theme, p.state,
               p.merged_into_id, p.participant_id AS author_id, p.created_at, p.source
        FROM priority p LEFT JOIN theme t ON t.id = p.theme_id
        WHERE p.question_id = ? ORDER BY p.id""", (question_id,)),
        columns=["priority_id", "title", "details", "theme", "state", "merged_into_id", "author_id", "created_at",
                 "source"])
    votes = pd.DataFrame(fetch_all(db, """
        SELECT priority_id, participant_id, count(*) AS dots FROM dot WHERE question_id = ?
        GROUP BY priority_id, participant_id ORDER BY participant_id, priority_id""", (question_id,)),
        columns=["priority_id", "participant_id", "dots"])
    if participants is None:
        participants = load_participants(db, question["workshop_id"])
    keys = [pq["key"] for pq in workshops.list_profile_questions(db, question["workshop_id"])]
    return QuestionVotes(question, priorities, votes, participants, keys)


# ---------------------------------------------------------------- rankings

def rank_competition(values: pd.Series) -> pd.Series:
    """Competition ranking, highest first: ties share a rank and the next is skipped (1, 2, 2, 4)."""
    if values.empty:
        return pd.Series([], dtype=int, index=values.index)
    return values.round(9).rank(method="min", ascending=False).astype(int)


def _visible(data: QuestionVotes) -> pd.DataFrame:
    """The priorities that are on the ballot (hidden and merged ones are left out)."""
    return data.priorities[data.priorities["state"] == "visible"]


def _votes_with(data: QuestionVotes, key: str) -> pd.DataFrame:
    """Votes on visible priorities joined with one profile answer of the voter."""
    visible_ids = set(_visible(data)["priority_id"])
    votes = data.votes[data.votes["priority_id"].isin(visible_ids)]
    return votes.merge(data.participants[["participant_id", key]], on="participant_id", how="left") \
        .fillna({key: NOT_GIVEN})


def _answers(data: QuestionVotes, votes: pd.DataFrame, key: str) -> pd.Series:
    """Participant id -> profile answer of everyone with a dot in these votes (the group sizes of the rule)."""
    return suppression.answers_of(data.participants, set(votes["participant_id"]), key)


def tally_votes(data: QuestionVotes, min_group: int = MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """Rank visible priorities by dots, with supporters, share supporting and countries backing each
    (hidden countries count together as one, see suppression.label_countries)."""
    visible = _visible(data)[["priority_id", "title", "theme"]]
    votes = _votes_with(data, COUNTRY_KEY)
    voters = len(data.voter_ids)
    grouped = votes.groupby("priority_id").agg(dots=("dots", "sum"), supporters=("participant_id", "nunique"))
    countries = suppression.label_countries(_answers(data, votes, COUNTRY_KEY), min_group)
    grouped["backed_by_countries"] = suppression.count_backing(votes, countries, ["priority_id"])
    frame = visible.merge(grouped, left_on="priority_id", right_index=True, how="left")
    for column in ("dots", "supporters", "backed_by_countries"):
        frame[column] = frame[column].fillna(0).astype(int)
    frame["share_supporting"] = (frame["supporters"] / voters).round(4) if voters else 0.0
    frame["rank"] = rank_competition(frame["dots"])
    frame = frame.sort_values(["rank", "priority_id"])
    return frame[TALLY_COLUMNS].reset_index(drop=True)


def tally_question(db, question_id: int, min_group: int = MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """Ranked results of one question."""
    return tally_votes(load_question_votes(db, question_id), min_group)


def summarise_themes(data: QuestionVotes, tally: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dots, priorities and supporters per theme, most dots first."""
    tally = tally_votes(data) if tally is None else tally
    themed = tally.assign(theme=tally["theme"].replace("", NO_THEME))
    votes = _votes_with(data, COUNTRY_KEY).merge(themed[["priority_id", "theme"]], on="priority_id")
    supporters = votes.groupby("theme")["participant_id"].nunique()
    frame = themed.groupby("theme").agg(priorities=("priority_id", "count"), dots=("dots", "sum")).reset_index()
    frame["supporters"] = frame["theme"].map(supporters).fillna(0).astype(int)
    total = frame["dots"].sum()
    frame["share_of_dots"] = (frame["dots"] / total).round(4) if total else 0.0
    return frame.sort_values(["dots", "theme"], ascending=[False, True]).reset_index(drop=True)


def count_dot_distribution(data: QuestionVotes) -> pd.DataFrame:
    """How many participants placed 0, 1, ... budget dots on this question."""
    budget = data.question["dots_per_participant"]
    used = data.votes.groupby("participant_id")["dots"].sum()
    eligible = set(data.participants.loc[data.participants["kind"] == "phone", "participant_id"]) | set(used.index)
    counts = used.reindex(sorted(eligible), fill_value=0).clip(upper=budget).value_counts()
    return pd.DataFrame({"dots_placed": range(budget + 1),
                         "participants": [int(counts.get(n, 0)) for n in range(budget + 1)]})


def summarise_question(data: QuestionVotes) -> dict:
    """Counts and rules of one question, for summaries and the report."""
    q = data.question
    return {"question_id": q["id"], "prompt": q["prompt"], "phase": q["phase"],
            "dots_per_participant": q["dots_per_participant"], "max_dots_per_item": q["max_dots_per_item"],
            "phase_changed_at": q["phase_changed_at"], "phase_deadline": q["phase_deadline"] or "",
            "priorities": int((data.priorities["state"] == "visible").sum()),
            "participants": int((data.participants["kind"] == "phone").sum()),
            "voters": len(data.voter_ids), "dots": int(data.votes["dots"].sum())}


def load_workshop_votes(db, workshop_id: int) -> list[QuestionVotes]:
    """Load every question of a workshop (participants loaded once)."""
    participants = load_participants(db, workshop_id)
    return [load_question_votes(db, q["id"], participants) for q in workshops.list_questions(db, workshop_id)]


# ---------------------------------------------------------------- segments

@dataclass
class SegmentGroup:
    """One group of a segment; figures are None when the group is hidden (suppression.hide_small_groups)."""

    name: str
    participants: int | None
    suppressed: bool
    tally: pd.DataFrame | None


def list_segment_keys(db, workshop_id: int) -> list[dict]:
    """The profile questions results can be split by (key and label)."""
    return [{"key": pq["key"], "label": pq["label"]} for pq in workshops.list_profile_questions(db, workshop_id)]


def tally_segment(data: QuestionVotes, key: str, min_group: int = MIN_GROUP_DEFAULT) -> list[SegmentGroup]:
    """Rank priorities within each group of a profile answer; small groups (and their cover) are hidden whole."""
    if key not in data.participants.columns:
        raise RuleError("Unknown profile question.")
    votes = _votes_with(data, COUNTRY_KEY)
    answers = _answers(data, votes, key)
    sizes = answers.value_counts()
    hidden = suppression.hide_small_groups(sizes.to_dict(), min_group)
    votes = votes.assign(group=votes["participant_id"].map(answers))
    # One grouped pass over all groups (a loop of per-group tallies is slow on 5,000 participants).
    per_item = votes.groupby(["group", "priority_id"]).agg(dots=("dots", "sum"),
                                                           supporters=("participant_id", "nunique"))
    countries = suppression.label_countries(_answers(data, votes, COUNTRY_KEY), min_group)
    per_item["backed_by_countries"] = suppression.count_backing(votes, countries, ["group", "priority_id"])
    per_item = per_item.reset_index().fillna({"backed_by_countries": 0})
    visible = _visible(data).set_index("priority_id")
    groups = []
    for name in sorted(sizes.index, key=lambda n: (n == NOT_GIVEN, str(n))):
        size = int(sizes[name])
        if name in hidden:
            groups.append(SegmentGroup(str(name), None, True, None))
            continue
        tally = per_item[(per_item["group"] == name) & (per_item["dots"] > 0)].drop(columns="group")
        tally = tally.assign(title=tally["priority_id"].map(visible["title"]),
                             theme=tally["priority_id"].map(visible["theme"]),
                             share_supporting=(tally["supporters"] / size).round(4),
                             rank=rank_competition(tally["dots"]),
                             backed_by_countries=tally["backed_by_countries"].astype(int))
        tally = tally.sort_values(["rank", "priority_id"])[TALLY_COLUMNS].reset_index(drop=True)
        groups.append(SegmentGroup(str(name), size, False, tally))
    return groups


def suppressed_label() -> str:
    """The text shown instead of a hidden group's figures (no number: not even 'fewer than N')."""
    return suppression.HIDDEN


def build_segment_table(overall: pd.DataFrame, groups: list[SegmentGroup]) -> pd.DataFrame:
    """Overall ranking beside each group's dots; a hidden group's column says 'hidden'."""
    table = overall[["rank", "priority_id", "title", "dots"]].rename(columns={"dots": "all participants"}).copy()
    for group in groups:
        if group.suppressed:
            table[f"{group.name} ({suppressed_label()})"] = suppressed_label()
            continue
        dots = group.tally.set_index("priority_id")["dots"]
        table[f"{group.name} (n={group.participants})"] = table["priority_id"].map(dots).fillna(0).astype(int)
    return table


def flatten_segments(question, segment: str, groups: list[SegmentGroup]) -> list[dict]:
    """Long rows (one per group and priority) for exports; a hidden group is one row of text."""
    rows = []
    for group in groups:
        base = {"question_no": question, "segment": segment, "group": group.name}
        if group.suppressed:
            rows.append({**base, "participants": suppressed_label()})
            continue
        for item in group.tally.itertuples():
            rows.append({**base, "participants": group.participants, "rank": item.rank,
                         "priority_id": item.priority_id, "title": item.title, "dots": item.dots,
                         "supporters": item.supporters, "share_supporting": item.share_supporting})
    return rows


# ---------------------------------------------------------------- fairness

def _pooled_votes(data: QuestionVotes, key: str, min_group: int) -> pd.DataFrame:
    """Votes on visible priorities with the voter's group: hidden groups and 'Not given' pooled into one."""
    votes = _votes_with(data, key)
    groups = suppression.pool_hidden(_answers(data, votes, key), min_group)
    return votes.assign(group=votes["participant_id"].map(groups))


def tally_equal_weight(data: QuestionVotes, key: str = COUNTRY_KEY, min_group: int = MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """Raw tally beside an equal-weight-per-country tally that sums to the same total (small groups pooled)."""
    tally = tally_votes(data, min_group)
    votes = _pooled_votes(data, key, min_group)
    group_totals = votes.groupby("group")["dots"].sum()
    group_totals = group_totals[group_totals > 0]
    total = group_totals.sum()
    weights = (total / len(group_totals)) / group_totals if len(group_totals) else group_totals
    # An empty vote table keeps object dtypes; cast so "no votes yet" multiplies as numbers.
    weighted = (votes["dots"].astype(float) * votes["group"].map(weights).astype(float)).groupby(votes["priority_id"]).sum()
    frame = tally[["rank", "priority_id", "title", "theme", "dots", "supporters", "backed_by_countries"]].copy()
    frame["equal_weight_dots"] = frame["priority_id"].map(weighted).fillna(0.0).round(2)
    frame["equal_weight_rank"] = rank_competition(frame["priority_id"].map(weighted).fillna(0.0))
    return frame


def list_group_weights(data: QuestionVotes, key: str = COUNTRY_KEY, min_group: int = MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """Each shown country's raw dots and scaling factor; hidden ones only inside 'Other / not given'."""
    votes = _pooled_votes(data, key, min_group)
    frame = votes.groupby("group").agg(dots=("dots", "sum"), participants=("participant_id", "nunique")).reset_index()
    frame = frame[frame["dots"] > 0]
    total = frame["dots"].sum()
    frame["weight"] = ((total / len(frame)) / frame["dots"]).round(4) if len(frame) else 0.0
    frame = frame.sort_values("group", key=lambda g: g.map(lambda n: (n == suppression.POOLED, str(n))))
    return frame[["group", "dots", "participants", "weight"]].reset_index(drop=True)
