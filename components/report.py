"""The self-contained HTML report of a workshop's results: charts, rules, tables and methodology.

Everything is escaped (titles are participant text); plotly.js is inlined once so it works offline.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd
import plotly.io as pio

from components import analysis, analysis_charts, i18n, receipts, representation, robustness, seats
from components.spreadsheet import plain_rows

if TYPE_CHECKING:
    from components.exports import WorkshopResults

REPORT_TOP = 50
HIDDEN_NOTE = ("groups with fewer than {n} participants are hidden, then more groups, smallest first, until the hidden "
               "ones together have at least {n}, so that no hidden group's figures can be worked out by subtraction.")

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
    # The report is written in English; the sentences a reader acts on come in the workshop's language too,
    # each marked with its own lang so a screen reader voices them right.
    lang, gettext = i18n.html_lang(w["language"]), i18n.translator(w["language"]).gettext
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>{esc(w['title'])} — results</title><style>{REPORT_CSS}</style></head><body>",
             f"<h1>{esc(w['title'])}</h1>",
             f"<p class='muted'>Join code {esc(w['code'])} · status {esc(w['status'])} · created "
             f"{esc(w['created_at'])} · report generated {esc(res.generated_at)}</p>"]
    if w["description"]:
        parts.append(f"<p>{esc(w['description'])}</p>")
    parts.append(_seats_paragraph(res.seats))
    plotly_included = []

    def embed(fig) -> str:
        """A chart as HTML; plotly.js is inlined with the first one only."""
        chart = pio.to_html(fig, full_html=False, include_plotlyjs=not plotly_included,
                            config={"displaylogo": False, "responsive": True})
        plotly_included.append(True)
        return chart

    for number, (data, tally, fair, by_key, ballots, ranks, compared) in enumerate(
            zip(res.questions, res.tallies, res.fairness, res.segments, res.receipts, res.robustness,
                res.representation), start=1):
        figures = [analysis_charts.build_top_ranking_chart(tally, res.themes),
                   analysis_charts.build_theme_chart(analysis.summarise_themes(data, tally), res.themes),
                   analysis_charts.build_distribution_chart(analysis.count_dot_distribution(data))]
        parts += _question_section(res, number, data, tally, fair, by_key, [embed(fig) for fig in figures])
        parts += _robustness_section(ranks, res.min_group, res.top, (lang, gettext), embed)
        for result in compared:
            parts += _representation_section(result, res.top, (lang, gettext), embed)
        parts += _receipts_section(ballots)
    parts.append(f"<h2>Methodology</h2><p class='note'>{esc(analysis.METHODOLOGY)}</p>")
    parts.append("<h3>Representation: what re-weighting can and cannot do</h3><ul>"
                 + "".join(f"<li>{esc(text)}</li>" for text in representation.write_caveats()) + "</ul>"
                 + ("" if res.membership else "<p class='muted'>No membership mix was entered for this workshop, "
                                              "so representation is not shown.</p>"))
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
                 "Each country's dots are scaled so that every country contributes the same total; the hidden "
                 "countries and participants without a country count as one group 'Other / not given'.</p>")
    parts.append(_html_table(fair.drop(columns=["priority_id"]).head(REPORT_TOP)))
    labels = {pq["key"]: pq["label"] for pq in res.profile_questions}
    for key, groups in by_key.items():
        parts.append(f"<h3>Segment: {esc(labels.get(key, key))}</h3><p class='muted'>Top {REPORT_TOP} overall; "
                     f"{HIDDEN_NOTE.format(n=res.min_group)}</p>")
        parts.append(_html_table(analysis.build_segment_table(tally, groups)
                                 .drop(columns=["priority_id"]).head(REPORT_TOP)))
    return parts


def _receipts_section(ballots: list[dict]) -> list[str]:
    """Every ballot's receipt with its dots per priority (# as in the ranking), sorted by receipt."""
    rows = [{"receipt": b["receipt"], "dots per priority": receipts.format_dots(b["dots"]),
             "dots": sum(b["dots"].values())} for b in ballots]
    frame = pd.DataFrame(rows, columns=["receipt", "dots per priority", "dots"])
    return [f"<h3>Ballot receipts</h3><p class='muted'>{len(rows)} ballots. Each voter saw a receipt on their phone "
            "(or on their paper sheet) and finds their ballot here; the dots add up to the ranking above. "
            "A row holds only the receipt and the dots, nothing about the voter.</p>", _html_table(frame)]


def _robustness_section(ranks: pd.DataFrame, min_group: int, top: int, language: tuple, embed) -> list[str]:
    """Ranks under every counting rule: the agreement sentence (in the workshop's language too), a compact
    chart and table bars (a longer bar is a better rank); ranks only, no weights."""
    esc = html.escape
    rules = robustness.available_rules(ranks)
    missing = [r for r in robustness.RULES if r not in rules]
    parts = [f"<h3>Robustness: ranks under {len(rules)} counting rules</h3>",
             _sentences([robustness.write_sentence(ranks, top)], language,
                        [_translate_agreement(ranks, top, language[1])]),
             f"<p class='muted'>Top {top} compared. Hidden groups (see the segments) and "
             "'not given' are pooled into 'Other / not given' before weighting; only ranks are shown."
             + (f" Not available: {esc(', '.join(missing))}." if missing else "") + "</p>"]
    if ranks.empty:
        return parts
    parts.append(embed(analysis_charts.build_rank_chart(ranks, rules, top, robustness.RULE_LABELS)))
    worst = int(ranks[rules].max().max())
    head = "".join(f"<th>{esc(robustness.RULE_LABELS[rule])}</th>" for rule in rules)
    rows = []
    for row in ranks.head(REPORT_TOP).to_dict("records"):
        cells = "".join(f"<td class='num'><span class='bar' style='width:{round(60 * (worst - row[r] + 1) / worst)}px'>"
                        f"</span>{int(row[r])}</td>" for r in rules)
        rows.append(f"<tr><td>{esc(str(row['title']))}</td>{cells}</tr>")
    return parts + [f"<table><thead><tr><th>title</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"]


def _translate_agreement(ranks: pd.DataFrame, top: int, gettext) -> str:
    """The agreement sentence in the workshop's language (the page's msgids)."""
    kind, values = robustness.describe_agreement(ranks, top)
    return gettext(robustness.SENTENCES[kind]).format(**values)


def _sentences(english: list[str], language: tuple, translated: list[str]) -> str:
    """Sentences in bold; when the workshop speaks another language, its translation follows (marked lang)."""
    esc = html.escape
    parts = [f"<p><b>{esc(text)}</b></p>" for text in english]
    if translated != english:
        parts += [f"<p lang='{esc(language[0])}'><b>{esc(text)}</b></p>" for text in translated]
    return "".join(parts)


def _representation_section(result, top: int, language: tuple, embed) -> list[str]:
    """Participation against membership for one kind of group, flags, and the re-weighted tally beside the raw one."""
    esc = html.escape
    label = {"country": "country", "org_type": "organisation type"}.get(result.dimension, result.dimension)
    groups = result.groups.assign(flag=result.groups["flag"].map(
        {"under": "under-represented", "over": "over-represented", "absent": "absent", "": ""}))
    pooled = (f" “{representation.POOLED}” pools the member groups {esc(', '.join(result.pooled))} and anyone "
              "who gave no answer or one outside the mix." if result.pooled else "")
    return [f"<h3>Representation by {esc(label)}</h3>",
            _sentences(representation.write_summary(result, top), language,
                       representation.write_summary(result, top, language[1])),
            f"<p class='muted'>Shares of the network's members against shares of the voters on this question; "
            f"flagged beyond {result.margin:g} points. Groups with fewer than {result.min_group} voters are never "
            f"shown alone.{pooled}</p>",
            _html_table(groups.rename(columns={"membership_share": "share of members", "participants": "voters",
                                               "participation_share": "share of voters", "gap_points": "gap (points)"})),
            "<p class='muted'>Re-weighted: each group's dots scaled to its share of the members (totals unchanged).</p>",
            embed(analysis_charts.build_reweighted_chart(result.tally)),
            _html_table(result.tally.drop(columns="priority_id").head(REPORT_TOP))]


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
