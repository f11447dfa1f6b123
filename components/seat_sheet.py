"""Handing seats out: a printable A4 sheet of seat cards (one QR code per seat) and the registered attendees'
personal links as CSV, for the organiser. No Streamlit here; every text is escaped or neutralised.
"""

from __future__ import annotations

import csv
import html
import io

from components import i18n, links, seats, workshops
from components.spreadsheet import neutralise

CARDS_PER_PAGE = 8  # 2 columns x 4 rows on A4: a card is about 90 x 66 mm, easy to cut and hand over

SHEET_CSS = """
@page{size:A4;margin:10mm}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#000;margin:0;line-height:1.3}
.page{width:190mm;margin:0 auto;display:grid;grid-template-columns:1fr 1fr;grid-auto-rows:68mm;break-after:page}
.page:last-child{break-after:auto}
.card{border:1px dashed #777;padding:4mm;display:grid;grid-template-columns:36mm 1fr;gap:3mm;align-items:start;
overflow:hidden}
.card svg{width:36mm;height:36mm}.title{font-size:9pt;margin:0 0 1.5mm;font-weight:600}
.seat{font-size:15pt;font-weight:700;margin:0}.code{font:700 13pt ui-monospace,Menlo,Consolas,monospace;
letter-spacing:.06em;margin:1mm 0 2mm}.how{font-size:8pt;margin:0 0 1.5mm}.once{font-size:8pt;font-weight:600;
grid-column:1/3;margin:0;border-top:1px solid #ccc;padding-top:1.5mm}
@media screen{body{background:#eee;padding:10mm 0}.page{background:#fff;padding:0;margin-bottom:10mm;
box-shadow:0 1px 4px rgba(0,0,0,.3)}}
"""


def build_seat_sheet(db, workshop_id: int, page_url: str) -> bytes:
    """An HTML file of seat cards for every free seat code (A4, print from the browser), in the workshop's language."""
    workshop = workshops.get_workshop(db, workshop_id)
    _ = i18n.translator(workshop["language"]).gettext
    esc = html.escape
    address = links.short_url(links.join_url(page_url, "")).split("?")[0]
    cards = []
    for seat in [s for s in seats.list_seats(db, workshop_id) if s["state"] in ("free", "reissued") and s["code"]]:
        url = links.seat_url(page_url, workshop["code"], seat["code"])
        how = _("Scan the code, or open {address} and type the join code {code} and this seat code.").format(
            address=address, code=workshop["code"])
        cards.append(f"<section class='card'>{links.qr_svg(url)}<div><p class='title'>{esc(workshop['title'])}</p>"
                     f"<p class='seat'>{esc(_('Seat {n}').format(n=seat['number']))}</p>"
                     f"<p class='code'>{esc(seats.format_seat_code(seat['code']))}</p><p class='how'>{esc(how)}</p></div>"
                     f"<p class='once'>{esc(_('This seat works once, on one phone. Keep it to yourself.'))}</p></section>")
    pages = ["<div class='page'>" + "".join(cards[i:i + CARDS_PER_PAGE]) + "</div>"
             for i in range(0, len(cards), CARDS_PER_PAGE)]
    return (f"<!DOCTYPE html><html lang='{esc(i18n.html_lang(workshop['language']))}'><head><meta charset='utf-8'>"
            f"<title>{esc(_('Seat cards'))} — {esc(workshop['title'])}</title><style>{SHEET_CSS}</style></head>"
            f"<body>{''.join(pages)}</body></html>").encode("utf-8")


def build_personal_links(db, workshop_id: int, page_url: str) -> bytes:
    """The registered attendees' personal links as CSV (UTF-8 with BOM): seat, name, e-mail, seat code, link."""
    workshop = workshops.get_workshop(db, workshop_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["seat", "name", "email", "seat_code", "link", "state"])
    for seat in seats.list_seats(db, workshop_id):
        if seat["kind"] == "registered" and seat["state"] != "voided" and seat["code"]:
            writer.writerow([seat["number"], neutralise(seat["name"] or ""), neutralise(seat["email"] or ""),
                             seats.format_seat_code(seat["code"]),
                             links.seat_url(page_url, workshop["code"], seat["code"]), seat["state"]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
