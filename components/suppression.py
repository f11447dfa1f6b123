"""The small-group rule, in one place: which groups of a profile answer may show figures.

Every view that splits participants by a profile answer asks this module: segments, the fairness
weights, the robustness rules, "backed by countries", the cross-workshop country lists and every
export built from them. The rule itself (the minimum size, never one hidden group alone) is in
components/rules/. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from components import rules

HIDDEN = "hidden"  # what a hidden group shows instead of figures
POOLED = "Other / not given"  # the one group hidden groups are pooled into before weighting
NOT_GIVEN = "Not given"


def hide_small_groups(sizes: Mapping[str, int], min_group: int) -> set[str]:
    """The groups that must show no figures: every group below the minimum size and then, while the hidden
    ones could still be worked out by subtraction, the smallest shown group (ties by name)."""
    hidden = {group for group, size in sizes.items() if rules.is_group_too_small(int(size), min_group)}
    shown = sorted((int(size), str(group)) for group, size in sizes.items() if group not in hidden)
    by_name = {str(group): group for group in sizes}
    while shown and rules.could_subtract_hidden([int(sizes[g]) for g in hidden], min_group):
        hidden.add(by_name[shown.pop(0)[1]])
    return hidden


def answers_of(participants: pd.DataFrame, participant_ids: set, key: str) -> pd.Series:
    """Participant id -> answer to one profile question, for these participants."""
    chosen = participants[participants["participant_id"].isin(participant_ids)]
    return chosen.set_index("participant_id")[key]


def pool_hidden(answers: pd.Series, min_group: int, also: tuple[str, ...] = (NOT_GIVEN,)) -> pd.Series:
    """Participant id -> group, with the hidden groups (and the answers in `also`) pooled into POOLED.

    The pool is safe to weigh and show: it holds the hidden groups, which together reach the minimum
    size, or a group in `also` that is itself large enough to be shown, or everyone.
    """
    hidden = hide_small_groups(answers.value_counts().to_dict(), min_group)
    return answers.where(~answers.isin(hidden | set(also)), POOLED)


def label_countries(answers: pd.Series, min_group: int) -> pd.Series:
    """Participant id -> country for counting "backed by N countries": hidden countries count as one
    (POOLED), so the count never tells whether one particular small country backed a priority."""
    hidden = hide_small_groups(answers.value_counts().to_dict(), min_group)
    # A pool of people who gave no country backs no country.
    pooled = NOT_GIVEN if hidden <= {NOT_GIVEN} else POOLED
    return answers.where(~answers.isin(hidden), pooled)


def count_backing(votes: pd.DataFrame, countries: pd.Series, by: list[str]) -> pd.Series:
    """Distinct countries (not 'Not given') among the voters of each `by` group, from label_countries."""
    labelled = votes.assign(backing=votes["participant_id"].map(countries))
    given = labelled[labelled["backing"].notna() & (labelled["backing"] != NOT_GIVEN)]
    return given.groupby(by)["backing"].nunique()
