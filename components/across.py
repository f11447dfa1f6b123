"""Across workshops: one combined ranked list of several workshops' priorities, and merges of similar ones.

Country lists follow the small-group rule (components/suppression.py): a country with fewer
participants than the minimum group size is never named next to a priority. No Streamlit here.
"""

from __future__ import annotations

import pandas as pd

from components import audit, rules, suppression
from components.analysis import NOT_GIVEN, rank_competition
from components.rules import RuleError
from components.storage import fetch_all, immediate

def load_cross_votes(db, workshop_ids: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Visible priorities of several workshops (with origin) and their votes (with voter country)."""
    if not workshop_ids:
        return pd.DataFrame(columns=CROSS_ITEM_COLUMNS), pd.DataFrame(columns=["priority_id", "participant_id",
                                                                                 "dots", "country"])
    marks = ",".join("?" * len(workshop_ids))
    items = pd.DataFrame(fetch_all(db, f"""
        SELECT p.id AS priority_id, w.id AS workshop_id, w.title AS workshop, w.code,
               coalesce(w.country, '') AS workshop_country, q.prompt AS question, p.title,
               coalesce(t.name, '') AS theme,
               coalesce(json_extract(a.profile, '$.country'), '') AS author_country, p.participant_id AS author_id
        FROM priority p JOIN question q ON q.id = p.question_id JOIN workshop w ON w.id = q.workshop_id
        LEFT JOIN theme t ON t.id = p.theme_id LEFT JOIN participant a ON a.id = p.participant_id
        WHERE w.id IN ({marks}) AND p.state = 'visible' ORDER BY w.id, q.position, p.id""", workshop_ids),
        columns=CROSS_ITEM_COLUMNS)
    votes = pd.DataFrame(fetch_all(db, f"""
        SELECT d.priority_id, d.participant_id, count(*) AS dots,
               coalesce(json_extract(pa.profile, '$.country'), '{NOT_GIVEN}') AS country
        FROM dot d JOIN participant pa ON pa.id = d.participant_id
        WHERE pa.workshop_id IN ({marks}) GROUP BY d.priority_id, d.participant_id""", workshop_ids),
        columns=["priority_id", "participant_id", "dots", "country"])
    return items, votes


CROSS_ITEM_COLUMNS = ["priority_id", "workshop_id", "workshop", "code", "workshop_country", "question", "title",
                      "theme", "author_country", "author_id"]
CROSS_COLUMNS = ["rank", "item_id", "title", "dots", "supporters", "backed_by_countries", "workshops", "countries",
                 "sources", "merged_count"]


def resolve_merges(merges: dict[int, int]) -> dict[int, int]:
    """Follow chains (a→b, b→c becomes a→c, b→c) and refuse cycles."""
    resolved = {}
    for source in merges:
        seen, target = {source}, merges[source]
        while target in merges:
            if target in seen:
                raise RuleError("These merges form a loop.")
            seen.add(target)
            target = merges[target]
        resolved[source] = target
    return resolved


def label_people(items: pd.DataFrame, votes: pd.DataFrame, min_group: int) -> pd.Series:
    """Participant id -> country of every voter and author, hidden countries pooled (suppression.label_countries)."""
    voters = votes[["participant_id", "country"]]
    authors = items.loc[items["author_id"].notna(), ["author_id", "author_country"]].set_axis(
        ["participant_id", "country"], axis=1)
    people = pd.concat([voters, authors]).drop_duplicates("participant_id")
    countries = people.set_index("participant_id")["country"].replace("", NOT_GIVEN)
    return suppression.label_countries(countries, min_group)


def tally_cross(items: pd.DataFrame, votes: pd.DataFrame, merges: dict[int, int] | None = None,
                min_group: int = rules.MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """One combined ranked list; merged priorities become one item under the target's title. Countries with
    fewer participants (voters and authors) than min_group are not named and count together as one."""
    mapping = resolve_merges(merges or {})
    items = items.assign(item_id=items["priority_id"].map(lambda p: mapping.get(p, p)))
    votes = votes[votes["priority_id"].isin(set(items["priority_id"]))]
    votes = votes.assign(item_id=votes["priority_id"].map(lambda p: mapping.get(p, p)))
    people = label_people(items, votes, min_group)
    backing = suppression.count_backing(votes, people, ["item_id"])
    titles = items.set_index("priority_id")["title"]
    rows = []
    for item_id, members in items.groupby("item_id", sort=False):
        mine = votes[votes["item_id"] == item_id]
        # A workshop's own country is public; a person's is named only when their country is shown.
        named = set(mine["participant_id"].map(people)) | set(members["author_id"].dropna().map(people))
        countries = set(members["workshop_country"]) | (named - {suppression.POOLED})
        rows.append({
            "item_id": int(item_id), "title": titles.get(item_id, members["title"].iloc[0]),
            "dots": int(mine["dots"].sum()), "supporters": int(mine["participant_id"].nunique()),
            "backed_by_countries": int(backing.get(item_id, 0)),
            "workshops": "; ".join(dict.fromkeys(f"{r.workshop} ({r.code})" for r in members.itertuples())),
            "countries": ", ".join(sorted(c for c in countries if isinstance(c, str) and c and c != NOT_GIVEN)),
            "sources": "; ".join(f"{r.code} #{r.priority_id}: {r.title}" for r in members.itertuples()),
            "merged_count": len(members)})
    frame = pd.DataFrame(rows, columns=[c for c in CROSS_COLUMNS if c != "rank"])
    frame["rank"] = rank_competition(frame["dots"])
    return frame.sort_values(["rank", "item_id"])[CROSS_COLUMNS].reset_index(drop=True)


def record_cross_merge(db, actor: str, source_ids: list[int], target_id: int) -> None:
    """Audit a cross-workshop merge in the log of every workshop involved (the merge itself lives in the session)."""
    ids = sorted(set(source_ids) | {target_id})
    if len(ids) < 2:
        raise RuleError("Pick at least two priorities to merge.")
    marks = ",".join("?" * len(ids))
    rows = fetch_all(db, f"SELECT p.id, p.title, q.workshop_id FROM priority p JOIN question q ON q.id = p.question_id"
                         f" WHERE p.id IN ({marks})", ids)
    if len(rows) != len(ids):
        raise RuleError("This priority no longer exists.")
    titles = {r["id"]: r["title"] for r in rows}
    with immediate(db):
        for workshop_id in sorted({r["workshop_id"] for r in rows}):
            audit.record(db, actor, "cross.merge", workshop_id, target_id=target_id, target_title=titles[target_id],
                            source_ids=[i for i in ids if i != target_id])


def add_cross_merge(merges: dict[int, int], source_ids: list[int], target_id: int) -> dict[int, int]:
    """Return a new mapping with the sources merged into the target (checked for loops)."""
    updated = {**merges, **{s: target_id for s in source_ids if s != target_id}}
    resolve_merges(updated)
    return updated
