"""Organiser widget: would another counting rule have changed the ranking? (ranks only, never weights)."""

from __future__ import annotations

import streamlit as st

from components import analysis, robustness
from components.ui.results import show_table
from components.ui.session import gettext


def _rule_labels() -> dict[str, str]:
    """Translated column headers for the five counting rules."""
    _ = gettext()
    return {"dots": _("Dots"), "supporters": _("Supporters"), "per_country": _("Per country"),
            "per_org_type": _("Per organisation type"), "normalised": _("Equal budgets")}


def _sentences() -> dict[str, str]:
    """The agreement sentences, translated (same keys as robustness.SENTENCES)."""
    _ = gettext()
    return {"all": _("The top {n} are the same under all {rules} counts."),
            "none": _("Even first place differs between the {rules} counts."),
            "some": _("The top {n} are the same under all {rules} counts; places {a}–{b} change.")}


def render_robustness(data: analysis.QuestionVotes, min_group: int) -> None:
    """The agreement sentence, then each priority's rank under every rule and whether it is in the top N."""
    _ = gettext()
    ranks = robustness.rank_rules(data, min_group)
    if ranks.empty:
        st.info(_("No priorities yet."))
        return
    top = int(st.number_input(_("Places to compare"), min_value=1, max_value=max(1, len(ranks)),
                              value=min(robustness.TOP_DEFAULT, len(ranks)), key="robust_top", width=200))
    kind, values = robustness.describe_agreement(ranks, top)
    st.markdown("**" + _sentences()[kind].format(**values) + "**")
    split = robustness.split_top(ranks, top)
    # The top-N marks go beside the title so a narrow screen keeps them in view.
    table = ranks.copy()
    table.insert(2, _("Top {n}: some counts").format(n=top), ranks["priority_id"].isin(split["some"]).map(
        {True: "✓", False: ""}))
    table.insert(2, _("Top {n}: every count").format(n=top), ranks["priority_id"].isin(split["all"]).map(
        {True: "✓", False: ""}))
    if "per_org_type" not in robustness.available_rules(ranks):
        table = table.drop(columns="per_org_type")
        st.caption(_("Per organisation type: not available (no organisation type was asked)."))
    st.caption(_("Only ranks are shown. Before weighting, the groups hidden in the segments (minimum {n}) are "
                 "pooled into one group “Other / not given”.").format(n=min_group))
    show_table(table.rename(columns=_rule_labels()))
