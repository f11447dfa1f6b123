"""Plotly figures. Participant text is escaped before it becomes a label."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
THEME_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
NO_THEME = "—"
LABEL_MAX = 60


def escape_label(text: str, limit: int | None = LABEL_MAX) -> str:
    """Make participant text inert in a plotly label (no tags, links or TeX)."""
    text = str(text)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    # plotly renders <b>, <a href> and $TeX$ in labels; entities are shown literally.
    # Quotes stay as typed: plotly shows &quot; literally, and with < > escaped no tag can form.
    return html.escape(text, quote=False).replace("$", "&#36;")


def colour_map(themes: list[str]) -> dict[str, str]:
    """Give each theme a stable colour in the order given."""
    return {name: THEME_COLOURS[i % len(THEME_COLOURS)] for i, name in enumerate(themes)}


def build_ranking_chart(tally: pd.DataFrame, themes: list[str], *, dark: bool = False,
                        font_size: int = 16, highlight: dict[int, int] | None = None,
                        label_wrap: int | None = None) -> go.Figure:
    """Horizontal bars of dots per priority, ranked top-down and coloured by theme.

    ``label_wrap`` breaks long titles onto two lines of about that many characters (for the projector).
    """
    colours = colour_map(themes)
    fig = go.Figure()
    ordered = tally.sort_values(["dots", "priority_id"], ascending=[True, False])
    for theme in list(dict.fromkeys(ordered["theme"].replace("", NO_THEME))):
        part = ordered[ordered["theme"].replace("", NO_THEME) == theme]
        fig.add_bar(
            x=part["dots"], y=[f"p{i}" for i in part["priority_id"]], orientation="h", name=escape_label(theme, 40),
            marker_color=colours.get(theme, "#999999"), text=part["dots"], textposition="outside",
            hovertext=[escape_label(t, 280) for t in part["title"]], hoverinfo="text+x", cliponaxis=False,
        )
    fg, bg = ("#FFFFFF", "#000000") if dark else ("#000000", "#FFFFFF")
    fig.update_layout(
        barmode="stack", template="plotly_dark" if dark else "plotly_white",
        font={"size": font_size, "color": fg}, paper_bgcolor=bg, plot_bgcolor=bg,
        margin={"l": 10, "r": 40, "t": 10, "b": 10}, legend={"orientation": "h", "y": -0.08},
        height=max(320, 60 + 44 * len(tally)), uirevision="ranking", transition={"duration": 0},
        # Bars are keyed by id so two priorities with the same title never share a bar.
        yaxis={"categoryorder": "array", "categoryarray": [f"p{i}" for i in ordered["priority_id"]],
               "tickmode": "array", "tickvals": [f"p{i}" for i in ordered["priority_id"]],
               "ticktext": [_bar_label(r, highlight, label_wrap) for r in ordered.itertuples()], "automargin": True},
        xaxis={"title": None, "rangemode": "tozero"},
    )
    return fig


def _bar_label(row, highlight: dict[int, int] | None, wrap: int | None = None) -> str:
    """Label a bar with its rank and title; mark the viewer's own dots."""
    mark = f" ● {highlight[row.priority_id]}" if highlight and highlight.get(row.priority_id) else ""
    if not wrap:
        return f"{row.rank}. {escape_label(row.title)}{mark}"
    return f"{row.rank}. {wrap_label(escape_label(row.title, 2 * wrap), wrap)}{mark}"


def wrap_label(text: str, width: int) -> str:
    """Break an (already escaped) label at spaces into lines of about width characters."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join(lines + [line])
