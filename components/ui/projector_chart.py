"""The projector's ranking: bars drawn in the browser (static/bars.js) that glide as dots arrive.

The server sends at most CHART_TOP small rows a second (rank, title, theme colour, dots); the browser keeps
the rows on the page, so a new dot grows its bar with a CSS transition and a change of rank slides the row,
and it fits the rows to the height left on the screen (1920×1080, 1280×720 and between) without a rerun.
Titles are set with textContent only, in the page's font, wrapped in a column of their own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from components import charts
from components.ui.session import gettext, ngettext

STATIC = Path(__file__).parent / "static"
BARS = st.components.v2.component("hub_projector_bars", html='<div class="hub-bars"></div>',
                                  css=(STATIC / "bars.css").read_text(encoding="utf-8"),
                                  js=(STATIC / "bars.js").read_text(encoding="utf-8"), isolate_styles=False)
CHART_TOP = 10
NO_THEME_COLOUR = "#999999"


def build_bars(tally: pd.DataFrame, themes: list[str]) -> dict:
    """The rows and legend the browser draws: the top CHART_TOP by rank, each with its theme's colour."""
    _ = gettext()
    n_ = ngettext()
    colours = charts.colour_map(themes)
    top = tally.sort_values(["rank", "priority_id"]).head(CHART_TOP)
    rows = [{"id": int(row.priority_id), "rank": int(row.rank), "title": row.title, "dots": int(row.dots),
             "colour": colours.get(row.theme, NO_THEME_COLOUR),
             "value_label": n_("{n} dot", "{n} dots", int(row.dots)).format(n=int(row.dots))}
            for row in top.itertuples()]
    shown = list(dict.fromkeys(top["theme"]))
    legend = [{"name": _(name) if name else _("No theme"), "colour": colours.get(name, NO_THEME_COLOUR)}
              for name in shown]
    return {"rows": rows, "legend": legend, "total": len(tally),
            "labels": {"top": _("Top {n} of {total} priorities."), "list": _("Ranking by dots")}}


def render_chart(tally: pd.DataFrame, themes: list[str]) -> None:
    """The ranking as bars for the wall (a list a screen reader reads as rank, title and dots)."""
    BARS(key="projector_bars", data=build_bars(tally, themes))
