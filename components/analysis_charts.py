"""Plotly figures for the organiser's analysis. Participant text goes through escape_label."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts import build_ranking_chart, colour_map, escape_label

TOP_DEFAULT = 30
RAW_COLOUR, WEIGHTED_COLOUR = "#0072B2", "#E69F00"


def _layout(fig: go.Figure, height: int) -> go.Figure:
    """A plain white layout that reads well on a laptop and in the printed report."""
    fig.update_layout(template="plotly_white", height=height, margin={"l": 10, "r": 30, "t": 40, "b": 10},
                      font={"size": 14}, legend={"orientation": "h", "y": -0.15})
    return fig


def build_top_ranking_chart(tally: pd.DataFrame, themes: list[str], top: int = TOP_DEFAULT) -> go.Figure:
    """The ranking chart of the top priorities (the full list is in the table)."""
    fig = build_ranking_chart(tally.head(top), themes, font_size=13)
    fig.update_layout(margin={"l": 10, "r": 40, "t": 10, "b": 10})
    return fig


def build_theme_chart(summary: pd.DataFrame, themes: list[str]) -> go.Figure:
    """Dots per theme, coloured like the ranking chart."""
    colours = colour_map(themes)
    fig = go.Figure(go.Bar(
        x=[escape_label(t, 40) for t in summary["theme"]], y=summary["dots"], text=summary["dots"],
        textposition="outside", cliponaxis=False, marker_color=[colours.get(t, "#999999") for t in summary["theme"]],
        hovertext=[f"{escape_label(t, 80)}: {p} priorities, {s} supporters"
                   for t, p, s in zip(summary["theme"], summary["priorities"], summary["supporters"])],
        hoverinfo="text+y"))
    fig.update_layout(title={"text": "Dots per theme"}, yaxis={"rangemode": "tozero", "title": "dots"},
                      xaxis={"automargin": True})
    return _layout(fig, 380)


def build_distribution_chart(distribution: pd.DataFrame) -> go.Figure:
    """How many participants placed 0..budget dots."""
    fig = go.Figure(go.Bar(x=distribution["dots_placed"].astype(str), y=distribution["participants"],
                           text=distribution["participants"], textposition="outside", cliponaxis=False,
                           marker_color="#009E73"))
    fig.update_layout(title={"text": "Participants by number of dots placed"},
                      xaxis={"title": "dots placed", "type": "category"},
                      yaxis={"title": "participants", "rangemode": "tozero"})
    return _layout(fig, 340)


def build_fairness_chart(fairness: pd.DataFrame, top: int = 20) -> go.Figure:
    """Raw dots beside the equal-weight-per-country dots for the top priorities."""
    part = fairness.head(top).iloc[::-1]
    labels = [f"{r.rank}. {escape_label(r.title, 50)}" for r in part.itertuples()]
    ids = [f"p{i}" for i in part["priority_id"]]
    fig = go.Figure()
    fig.add_bar(y=ids, x=part["dots"], name="raw dots", orientation="h", marker_color=RAW_COLOUR)
    fig.add_bar(y=ids, x=part["equal_weight_dots"], name="equal weight per country", orientation="h",
                marker_color=WEIGHTED_COLOUR)
    fig.update_layout(barmode="group", yaxis={"tickmode": "array", "tickvals": ids, "ticktext": labels,
                                              "automargin": True},
                      xaxis={"rangemode": "tozero", "title": "dots"})
    return _layout(fig, max(320, 80 + 40 * len(part)))


def build_cross_chart(cross: pd.DataFrame, top: int = TOP_DEFAULT) -> go.Figure:
    """The combined cross-workshop ranking of the top items."""
    part = cross.head(top).iloc[::-1]
    ids = [f"i{i}" for i in part["item_id"]]
    fig = go.Figure(go.Bar(
        y=ids, x=part["dots"], orientation="h", text=part["dots"], textposition="outside", cliponaxis=False,
        marker_color=RAW_COLOUR, hovertext=[escape_label(w, 200) for w in part["workshops"]], hoverinfo="text+x"))
    fig.update_layout(yaxis={"tickmode": "array", "tickvals": ids, "automargin": True,
                             "ticktext": [f"{r.rank}. {escape_label(r.title, 50)}" for r in part.itertuples()]},
                      xaxis={"rangemode": "tozero"})
    return _layout(fig, max(320, 60 + 36 * len(part)))


RULE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"]
RULE_SYMBOLS = ["circle", "diamond", "square", "triangle-up", "x"]
RANK_CHART_MAX = 15


def build_rank_chart(ranks: pd.DataFrame, rules: list[str], top: int, labels: dict[str, str] | None = None,
                     boundary: str = "top {n}") -> go.Figure:
    """Each priority's rank under every counting rule, one marker per rule: markers that sit together agree.

    Only the priorities in the top N under at least one rule (at most RANK_CHART_MAX), best first; a dashed
    line marks the end of the top N. Ranks only, as in the table beside it.
    """
    labels = labels or {}
    inside = ranks[ranks[rules].le(top).any(axis=1)] if rules else ranks.iloc[0:0]
    part = inside.sort_values(["dots", "priority_id"]).head(RANK_CHART_MAX).reset_index(drop=True)
    fig = go.Figure()
    for number, rule in enumerate(rules):
        # Each rule sits a little above or below the line, so five equal ranks still show five markers.
        offset = (number - (len(rules) - 1) / 2) * 0.16
        fig.add_scatter(x=part[rule].astype(int), y=[i + offset for i in part.index], mode="markers",
                        name=labels.get(rule, rule.replace("_", " ")),
                        marker={"color": RULE_COLOURS[number % 5], "symbol": RULE_SYMBOLS[number % 5], "size": 11},
                        hovertext=[f"{escape_label(t, 80)}: {labels.get(rule, rule)} {int(r)}"
                                   for t, r in zip(part["title"], part[rule])], hoverinfo="text")
    worst = int(part[rules].max().max()) if len(part) else top
    fig.add_vline(x=top + 0.5, line_dash="dash", line_color="#555555",
                  annotation_text=boundary.format(n=top), annotation_position="bottom right")
    # Ranks along the top like a table header; the rules' legend below.
    fig.update_layout(yaxis={"tickmode": "array", "tickvals": list(part.index), "autorange": "reversed",
                             "ticktext": [escape_label(t, 45) for t in part["title"]], "automargin": True},
                      xaxis={"title": labels.get("rank", "rank"), "side": "top", "range": [0.5, max(worst, top) + 0.7],
                             "dtick": 1, "zeroline": False})
    fig = _layout(fig, max(260, 150 + 46 * len(part)))
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 0, "x": 0, "yref": "container"},
                      margin={"l": 10, "r": 30, "t": 10, "b": 50})
    return fig


def build_reweighted_chart(tally: pd.DataFrame, top: int = 20, names: tuple[str, str] = ("raw dots", "re-weighted"),
                           ) -> go.Figure:
    """Raw dots beside the dots re-weighted to the membership mix, for the top priorities by raw dots."""
    part = tally.head(top).iloc[::-1]
    ids = [f"p{i}" for i in part["priority_id"]]
    fig = go.Figure()
    # Plotly stacks a group's bars upwards: the re-weighted bar goes in first so the raw one sits on top.
    fig.add_bar(y=ids, x=part["reweighted_dots"], name=names[1], orientation="h", marker_color=WEIGHTED_COLOUR)
    fig.add_bar(y=ids, x=part["dots"], name=names[0], orientation="h", marker_color=RAW_COLOUR)
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"}, yaxis={"tickmode": "array", "tickvals": ids, "automargin": True,
                                              "ticktext": [f"{r.rank}. {escape_label(r.title, 45)}"
                                                           for r in part.itertuples()]},
                      xaxis={"rangemode": "tozero"})
    return _layout(fig, max(260, 80 + 40 * len(part)))
