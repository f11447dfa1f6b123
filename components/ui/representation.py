"""Organiser widget: were the voters representative of the network? Participation against membership,
flags beyond a margin, and a tally re-weighted to the membership mix beside the raw one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import analysis, analysis_charts, membership, representation, rules
from components.text import escape_markdown
from components.ui.membership import check_margin, dimension_labels, render_membership
from components.ui.robustness import chosen_top
from components.ui.session import get_db, gettext

MARGIN_KEY = "representation_margin"


def chosen_margin() -> int:
    """The margin in points the organiser chose on this page (the default until they change it)."""
    return check_margin(st.session_state.get(MARGIN_KEY, rules.REPRESENTATION_MARGIN_DEFAULT))


def _caveats() -> list[str]:
    """The caveats of re-weighting, translated (same text as representation.CAVEATS)."""
    _ = gettext()
    texts = [_("The raw tally is the result of the vote; the re-weighted tally is a “what if the room had looked "
               "like the network” to read beside it, not a replacement."),
             _("It is not a survey sample: people chose to come, and weighting corrects the mix of groups, not who "
               "chose to come from within a group."),
             _("Weighting amplifies small groups' noise: when a group has few voters, each of their dots counts "
               "several times, and a weight above {warn} means a few voices stand in for many members."),
             _("Groups absent from the room cannot be weighted up: nobody speaks for them, and their share is shared "
               "out among the groups that came."),
             _("Groups with fewer voters than the minimum group size, and voters who gave no answer or one that is "
               "not in the membership mix, are pooled into “Other / not given”; it is weighted as one group to the "
               "membership share of the member groups it pools, so within it, those present stand in for those "
               "absent."),
             _("One kind of group at a time: weighting by country does not correct the mix of organisation types, "
               "and the other way round."),
             _("The weights are only as good as the membership figures entered: check their date and source.")]
    return [text.format(warn=f"{rules.REPRESENTATION_WEIGHT_WARN:g}") for text in texts]


def render_representation(workshop: dict, data: analysis.QuestionVotes, min_group: int, user: dict) -> None:
    """The membership mix (editable), then participation against it and the re-weighted tally."""
    _ = gettext()
    mix = membership.load_mix(get_db(), workshop["id"])
    asked = [key for key in membership.DIMENSIONS if key in data.profile_keys]
    if not asked:
        st.info(_("This workshop asks neither country nor organisation type, so there is nothing to compare."))
        return
    ready = [key for key in asked if key in mix]
    with st.expander(_("The network's membership mix"), expanded=not ready, icon=":material/groups:"):
        render_membership(workshop, user)
    if not ready:
        st.info(_("Enter the network's membership mix to compare it with who voted."))
        return
    if not representation.has_voters(data):
        st.info(_("Nobody has placed a dot on this question yet."))
        return
    labels = dimension_labels()
    with st.container(horizontal=True, vertical_alignment="bottom"):
        key = st.segmented_control(_("Compare by"), ready, format_func=labels.get, default=ready[0],
                                   key="representation_dimension") or ready[0]
        st.number_input(_("Margin (points)"), min_value=1, max_value=rules.REPRESENTATION_MARGIN_MAX,
                        value=rules.REPRESENTATION_MARGIN_DEFAULT, key=MARGIN_KEY, width=200,
                        help=_("A group is flagged when its share of the voters is more than this many percentage "
                               "points away from its share of the members."))
    result = representation.compare(data, key, mix[key], min_group, chosen_margin())
    for line in representation.write_summary(result, chosen_top(), _):
        st.markdown("**" + escape_markdown(line) + "**")
    show_groups(result)
    # The chart, then its table, each the full width: side by side the table would scroll sideways at 1440 px.
    st.plotly_chart(analysis_charts.build_reweighted_chart(result.tally, names=(_("Raw dots"), _("Re-weighted"))),
                    width="stretch", key="representation_chart")
    show_tally(result.tally)
    with st.expander(_("How re-weighting works, and its limits")):
        st.markdown("\n".join("- " + escape_markdown(text) for text in _caveats()))


def show_groups(result: representation.Representation) -> None:
    """Each group shown alone (or the pool): membership and voter shares, the gap, its flag and weight."""
    _ = gettext()
    flags = {"under": "▼ " + _("Under-represented"), "over": "▲ " + _("Over-represented"), "absent": _("Absent"),
             "": ""}
    names = {representation.POOLED: _("Other / not given")}
    table = result.groups.assign(group=[names.get(g) or _(g) for g in result.groups["group"]],
                                 flag=result.groups["flag"].map(flags))
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "group": _("Group"), "membership_share": st.column_config.NumberColumn(_("Share of members"), format="percent"),
        "participants": _("Voters"),
        "participation_share": st.column_config.NumberColumn(_("Share of voters"), format="percent"),
        "gap_points": st.column_config.NumberColumn(_("Gap (points)"), format="%+.1f"), "flag": _("Flag"),
        "weight": st.column_config.NumberColumn(_("Weight"), format="%.2f")})
    caption = _("Groups with fewer than {n} voters are never shown alone.").format(n=result.min_group)
    if result.pooled:
        caption += " " + _("“Other / not given” pools: {groups}, and voters who gave no answer or one outside the "
                           "mix.").format(groups=", ".join(_(g) for g in result.pooled))
    st.caption(escape_markdown(caption))  # group names are answers typed in set-up: shown as written


def show_tally(tally: pd.DataFrame) -> None:
    """The raw tally beside the re-weighted one."""
    _ = gettext()
    st.dataframe(tally.drop(columns="priority_id"), hide_index=True, width="stretch", column_config={
        "rank": _("Rank"), "title": _("Priority"), "dots": _("Dots"),
        "reweighted_dots": st.column_config.NumberColumn(_("Re-weighted dots"), format="%.1f"),
        "reweighted_rank": _("Re-weighted rank")})
