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
