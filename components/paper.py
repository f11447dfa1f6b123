"""Paper ballots for people without a phone: printable, numbered A4 sheets in the workshop's language.

The sheet lists the ballot's priorities in the phone's order with their # (the number the facilitator's
entry form shows), one box per dot allowed, the rules and the sheet number. Priority text is escaped.
"""

from __future__ import annotations

import html

from components import i18n, workshops

SHEETS_DEFAULT = 20

SHEET_CSS = """
@page{size:A4;margin:15mm}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#000;margin:0;line-height:1.35}
.sheet{box-sizing:border-box;width:180mm;margin:0 auto 2rem;padding:0 0 1rem;border-bottom:1px dashed #888}
.head{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
.head h1{font-size:1.2rem;margin:0}.number{font-size:1.4rem;font-weight:700;white-space:nowrap}
h2{font-size:1.05rem;margin:.6rem 0}.rules{border:1px solid #000;padding:.4rem .6rem;margin:0 0 .8rem}
ol{list-style:none;padding:0;margin:0}li{display:flex;gap:.6rem;align-items:center;padding:.35rem 0;
border-bottom:1px solid #ccc;break-inside:avoid}.id{font-weight:700;min-width:3.2rem}.title{flex:1}
.boxes{display:flex;gap:.3rem}.box{width:7mm;height:7mm;border:1.5px solid #000}
.receipt{margin-top:1rem;font-size:1rem}.receipt span{display:inline-block;width:60mm;border-bottom:1px solid #000}
@media print{.sheet{border:none;margin:0;page-break-after:always;break-after:page}}
"""


def build_sheets(db, question: dict, count: int) -> bytes:
    """An HTML file of `count` numbered ballot sheets for one question (A4, print-ready)."""
    workshop = workshops.get_workshop(db, question["workshop_id"])
    language = workshop["language"]
    _ = i18n.translator(language).gettext
    esc = html.escape
    items = "".join(f"<li><span class='id'>#{p['id']}</span><span class='title'>{esc(p['title'])}</span>"
                    f"<span class='boxes'>{_boxes(question['max_dots_per_item'])}</span></li>"
                    for p in workshops.list_visible_priorities(db, question["id"]))
    rules = _("You have {budget} dots: tick one box per dot, at most {cap} on one priority.").format(
        budget=question["dots_per_participant"], cap=question["max_dots_per_item"])
    sheet_label, receipt_label = _("Sheet {n}"), _("Receipt")
    sheets = [f"<section class='sheet'><div class='head'><h1>{esc(workshop['title'])}</h1>"
              f"<span class='number'>{esc(sheet_label.format(n=n))}</span></div>"
              f"<h2>{esc(question['prompt'])}</h2><p class='rules'>{esc(rules)}</p><ol>{items}</ol>"
              f"<p class='receipt'>{esc(receipt_label)}: <span></span></p></section>" for n in range(1, count + 1)]
    return (f"<!DOCTYPE html><html lang='{esc(i18n.html_lang(language))}'><head><meta charset='utf-8'>"
            f"<title>{esc(_('Paper ballot'))} — {esc(workshop['title'])}</title><style>{SHEET_CSS}</style></head>"
            f"<body>{''.join(sheets)}</body></html>").encode("utf-8")


def _boxes(cap: int) -> str:
    """One empty box per dot a priority can take."""
    return "<span class='box'></span>" * cap
