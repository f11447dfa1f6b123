"""Join links and QR codes for a workshop's code."""

from __future__ import annotations

import io
import re
from urllib.parse import quote, urlsplit

import segno

from components import rules


def join_url(page_url: str, code: str) -> str:
    """Return the participant join link for a code, on the same server as the page being viewed."""
    parts = urlsplit(page_url or "")
    base = f"{parts.scheme}://{parts.netloc}/" if parts.netloc else "/"
    return f"{base}?code={quote(rules.normalise_code(code))}"


def seat_url(page_url: str, code: str, seat_code: str) -> str:
    """Return the join link that claims one seat (a seat code is made of the code alphabet only)."""
    return f"{join_url(page_url, code)}&seat={quote(rules.normalise_seat_code(seat_code))}"


def short_url(url: str) -> str:
    """Return a link without its scheme, for reading off a screen."""
    return re.sub(r"^https?://", "", url)


def qr_svg(url: str) -> str:
    """Return a QR code of a link as inline SVG markup that scales with its box (for print)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)


def qr_png(url: str, dark: bool = False, scale: int = 12) -> bytes:
    """Return a QR code of a link as PNG bytes (light on dark when dark=True)."""
    colours = {"dark": "#FFFFFF", "light": "#000000"} if dark else {"dark": "#000000", "light": "#FFFFFF"}
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2, **colours)
    return buffer.getvalue()
