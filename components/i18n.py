"""Interface languages: gettext catalogs (.po, read with Babel), plurals, locale formats.

Catalogs live in components/locales/<lang>/LC_MESSAGES/messages.po and are
compiled in memory on first use, so there is no build step.
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """Return the language codes that have a catalog, English first."""
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists()) \
        if LOCALES_DIR.exists() else []
    return tuple([DEFAULT_LANGUAGE] + [code for code in found if code != DEFAULT_LANGUAGE])


def language_name(code: str) -> str:
    """Return a language's own name, e.g. 'čeština' for cs."""
    try:
        return Locale.parse(code).get_display_name(code).capitalize()
    except (ValueError, UnknownLocaleError):
        return code


@lru_cache(maxsize=None)
def translator(language: str) -> gettext.NullTranslations:
    """Return a gettext translator for a language (English falls back to the msgids)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick_language(chosen: str | None, workshop_language: str | None, browser_locale: str | None) -> str:
    """Choose the participant's choice, then the workshop's language, then the browser's, then English."""
    available = available_languages()
    for candidate in (chosen, workshop_language, browser_locale):
        code = (candidate or "").replace("-", "_").split("_")[0].lower()
        if code in available:
            return code
    return DEFAULT_LANGUAGE


# RuleError params that carry data the UI shows translated: phase codes (by their staff-screen
# labels) and profile-question labels such as "Country". Other params (codes, names) stay as typed.
PHASE_MSGIDS = {"draft": "Draft", "collecting": "Collecting priorities", "voting": "Voting", "closed": "Closed"}
TRANSLATED_PARAMS = frozenset({"phase", "current", "target", "label"})


def translate_error(exc, language: str, escape=None) -> str:
    """Translate a RuleError's msgid and fill its placeholders (phase names and labels translated too)."""
    gettext_ = translator(language).gettext
    text = gettext_(exc.msgid)
    if not exc.params:
        return text
    params = {name: gettext_(PHASE_MSGIDS.get(value, value))
              if name in TRANSLATED_PARAMS and isinstance(value, str) else value
              for name, value in exc.params.items()}
    if escape is not None:  # values can come from a participant or the URL: shown literally, never as markup
        params = {name: escape(str(value)) for name, value in params.items()}
    return text.format(**params)


def format_number(value: float, language: str) -> str:
    """Format a number for a locale."""
    return format_decimal(value, locale=language)


def format_share(value: float, language: str) -> str:
    """Format a 0–1 share as a percentage for a locale."""
    return format_percent(value, locale=language)


def format_when(moment: datetime, language: str) -> str:
    """Format a date and time for a locale."""
    return format_datetime(moment, format="medium", locale=language)


def format_countdown(seconds: int) -> str:
    """Format a countdown as M:SS (the same in every language of the region)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
