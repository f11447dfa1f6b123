"""Organiser widget: would another counting rule have changed the ranking? (ranks only, never weights)."""

from __future__ import annotations

import streamlit as st

from components import analysis, analysis_charts, robustness
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
            "some": _("The top {n} are the same under all {rules} counts; places {a}–{b} change."),
            "first_all": _("First place is the same under all {rules} counts."),
            "first": _("First place is the same under all {rules} counts; places {a}–{b} change.")}


TOP_KEY = "robust_top"
TITLE_WIDTH = 300  # pixels: with the rules' own widths, the table fits a 1440 px screen beside the sidebar


def chosen_top() -> int:
    """The places to compare the organiser chose on this page (the default until they change it)."""
    return int(st.session_state.get(TOP_KEY, robustness.TOP_DEFAULT))


def render_robustness(data: analysis.QuestionVotes, min_group: int) -> None:
    """The agreement sentence, then each priority's rank under every rule and whether it is in the top N."""
    _ = gettext()
    ranks = robustness.rank_rules(data, min_group)
    if ranks.empty:
        st.info(_("No priorities yet."))
        return
    top = int(st.number_input(_("Places to compare"), min_value=1, max_value=max(1, len(ranks)),
                              value=min(robustness.TOP_DEFAULT, len(ranks)), key=TOP_KEY, width=200))
    kind, values = robustness.describe_agreement(ranks, top)
    st.markdown("**" + _sentences()[kind].format(**values) + "**")
    split = robustness.split_top(ranks, top)
    rules = robustness.available_rules(ranks)
    if "per_org_type" not in rules:
        st.caption(_("Per organisation type: not available (no organisation type was asked)."))
    st.caption(_("Only ranks are shown. Before weighting, the groups hidden in the segments (minimum {n}) are "
                 "pooled into one group “Other / not given”.").format(n=min_group))
    labels = _rule_labels()
    st.plotly_chart(analysis_charts.build_rank_chart(ranks, rules, top, {**labels, "rank": _("Rank")},
                                                     _("Top {n}").format(n=top)), width="stretch", key="robust_chart")
    # One top-N column beside the title, and a title column of fixed width: the table fits 1440 px unscrolled.
    marks = {**dict.fromkeys(split["all"], "✓ " + _("every count")), **dict.fromkeys(split["some"], _("some counts"))}
    table = ranks[["priority_id", "title"]].assign(top=ranks["priority_id"].map(marks).fillna(""))
    table = table.join(ranks[rules])
    st.dataframe(table.drop(columns="priority_id"), hide_index=True, width="stretch", column_config={
        "title": st.column_config.TextColumn(_("Priority"), width=TITLE_WIDTH),
        "top": _("Top {n}").format(n=top), **labels})
