"""The self-contained HTML report of a workshop's results: charts, rules, tables and methodology.

Everything is escaped (titles are participant text); plotly.js is inlined once so it works offline.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd
import plotly.io as pio

from components import analysis, analysis_charts, i18n, robustness, seats

if TYPE_CHECKING:
    from components.exports import WorkshopResults

REPORT_TOP = 50

REPORT_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:2rem auto;
padding:0 1rem;color:#111;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-top:2px solid #0072B2;padding-top:1rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem;width:100%}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#555}.rules{display:flex;flex-wrap:wrap;gap:.5rem 2rem;padding:0;list-style:none}
.note{background:#f7f7f7;border-left:4px solid #E69F00;padding:.5rem 1rem}
.bar{display:inline-block;height:.7rem;background:#0072B2;margin-right:.4rem;vertical-align:middle}
"""


def build_html(res: WorkshopResults) -> bytes:
    """A self-contained report (plotly.js inline, works offline) with charts, rules and methodology."""
    esc = html.escape
    w = res.workshop
    parts = [f"<!DOCTYPE html><html lang='{esc(i18n.html_lang(w['language']))}'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>{esc(w['title'])} — results</title><style>{REPORT_CSS}</style></head><body>",
             f"<h1>{esc(w['title'])}</h1>",
             f"<p class='muted'>Join code {esc(w['code'])} · status {esc(w['status'])} · created "
             f"{esc(w['created_at'])} · report generated {esc(res.generated_at)}</p>"]
    if w["description"]:
        parts.append(f"<p>{esc(w['description'])}</p>")
    parts.append(_seats_paragraph(res.seats))
    plotly_included = False
    for number, (data, tally, fair, by_key, ballots, ranks) in enumerate(
            zip(res.questions, res.tallies, res.fairness, res.segments, res.receipts, res.robustness), start=1):
        figures = [analysis_charts.build_top_ranking_chart(tally, res.themes),
                   analysis_charts.build_theme_chart(analysis.summarise_themes(data, tally), res.themes),
                   analysis_charts.build_distribution_chart(analysis.count_dot_distribution(data))]
        chart_html = []
        for fig in figures:
            chart_html.append(pio.to_html(fig, full_html=False, include_plotlyjs=not plotly_included,
                                          config={"displaylogo": False, "responsive": True}))
            plotly_included = True
        parts += _question_section(res, number, data, tally, fair, by_key, chart_html)
        parts += _robustness_section(ranks, res.min_group)
        parts += _receipts_section(ballots)
    parts.append(f"<h2>Methodology</h2><p class='note'>{esc(analysis.METHODOLOGY)}</p>")
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


def _seats_paragraph(summary: dict) -> str:
    """Who could join: the seat mode and how many seats were issued, voided and used."""
    text = (f"Seat mode: {seats.SEAT_MODE_NAMES[summary['mode']]} · seats issued {summary['issued']}"
            f" · voided {summary['voided']} · used {summary['used']}"
            f" · phones joined without a seat {summary['joined_without_seat']}")
    return f"<p class='muted' id='seats'>{html.escape(text)}</p>"


def _question_section(res: WorkshopResults, number: int, data, tally, fair, by_key, charts: list[str]) -> list[str]:
    """One question's rules, charts and tables."""
    esc = html.escape
    s = analysis.summarise_question(data)
    rules = [("Dots per participant", s["dots_per_participant"]), ("Max dots per priority", s["max_dots_per_item"]),
             ("Phase", s["phase"]), ("Phase changed", s["phase_changed_at"]),
             ("Deadline", s["phase_deadline"] or "—"),
             ("Priorities", s["priorities"]), ("Participants joined", s["participants"]),
             ("Participants who placed a dot", s["voters"]), ("Dots placed", s["dots"])]
    parts = [f"<h2>Question {number}: {esc(s['prompt'])}</h2><ul class='rules'>"]
    parts += [f"<li><b>{esc(k)}:</b> {esc(str(v))}</li>" for k, v in rules]
    parts.append("</ul>")
    parts.append(f"<h3>Ranking</h3><p class='muted'>Chart: top {min(len(tally), analysis_charts.TOP_DEFAULT)} "
                 f"of {len(tally)}. Share supporting = supporters / {s['voters']} participants who placed at least "
                 "one dot on this question.</p>")
    parts.append(charts[0])
    parts.append(_html_table(tally.rename(columns={"priority_id": "#"})))
    parts += ["<h3>Themes and dots placed</h3>", charts[1], charts[2]]
    parts.append(f"<h3>Fairness: equal weight per country</h3><p class='muted'>Top {REPORT_TOP} by raw dots. "
                 "Each country's dots are scaled so that every country contributes the same total.</p>")
    parts.append(_html_table(fair.drop(columns=["priority_id"]).head(REPORT_TOP)))
    labels = {pq["key"]: pq["label"] for pq in res.profile_questions}
    for key, groups in by_key.items():
        parts.append(f"<h3>Segment: {esc(labels.get(key, key))}</h3><p class='muted'>Top {REPORT_TOP} overall; "
                     f"groups with fewer than {res.min_group} participants are not shown.</p>")
        parts.append(_html_table(analysis.build_segment_table(tally, groups, res.min_group)
                                 .drop(columns=["priority_id"]).head(REPORT_TOP)))
    return parts


def _receipts_section(ballots: list[dict]) -> list[str]:
    """Every ballot's receipt with its dots per priority (# as in the ranking), sorted by receipt."""
    rows = [{"receipt": b["receipt"], "dots per priority": " · ".join(f"#{k}: {v}" for k, v in b["dots"].items()),
             "dots": sum(b["dots"].values())} for b in ballots]
    frame = pd.DataFrame(rows, columns=["receipt", "dots per priority", "dots"])
    return [f"<h3>Ballot receipts</h3><p class='muted'>{len(rows)} ballots. Each voter saw a receipt on their phone "
            "(or on their paper sheet) and finds their ballot here; the dots add up to the ranking above. "
            "A row holds only the receipt and the dots, nothing about the voter.</p>", _html_table(frame)]


def _robustness_section(ranks: pd.DataFrame, min_group: int) -> list[str]:
    """Ranks under every counting rule as table bars (a longer bar is a better rank); ranks only, no weights."""
    esc = html.escape
    rules = robustness.available_rules(ranks)
    missing = [r for r in robustness.RULES if r not in rules]
    parts = [f"<h3>Robustness: ranks under {len(rules)} counting rules</h3>",
             f"<p><b>{esc(robustness.write_sentence(ranks))}</b></p>",
             f"<p class='muted'>Top {robustness.TOP_DEFAULT} compared. Groups smaller than {min_group} are pooled "
             "into 'Other / not given' before weighting; only ranks are shown."
             + (f" Not available: {esc(', '.join(missing))}." if missing else "") + "</p>"]
    if ranks.empty:
        return parts
    worst = int(ranks[rules].max().max())
    head = "".join(f"<th>{esc(rule.replace('_', ' '))}</th>" for rule in rules)
    rows = []
    for row in ranks.head(REPORT_TOP).to_dict("records"):
        cells = "".join(f"<td class='num'><span class='bar' style='width:{round(60 * (worst - row[r] + 1) / worst)}px'>"
                        f"</span>{int(row[r])}</td>" for r in rules)
        rows.append(f"<tr><td>{esc(str(row['title']))}</td>{cells}</tr>")
    return parts + [f"<table><thead><tr><th>title</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"]


def _html_table(frame: pd.DataFrame) -> str:
    """An escaped HTML table; numbers right-aligned."""
    esc = html.escape
    head = "".join(f"<th>{esc(str(c).replace('_', ' '))}</th>" for c in frame.columns)
    shares = [str(c).startswith("share") for c in frame.columns]
    body = []
    for row in plain_rows(frame):
        cells = "".join(_html_cell(v, share) for v, share in zip(row, shares))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _html_cell(value, share: bool) -> str:
    """One escaped table cell; shares as percentages, numbers right-aligned."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"<td class='num'>{value:.0%}</td>" if share else f"<td class='num'>{value}</td>"
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def plain_rows(frame: pd.DataFrame) -> list[list]:
    """Rows of Python values (no numpy scalars, NaN as None)."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()
