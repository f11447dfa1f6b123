"""Interface languages: gettext catalogs (.po, read with Babel), plurals, locale formats.

Catalogs live in components/locales/<lang>/LC_MESSAGES/messages.po and are
compiled in memory on first use, so there is no build step.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from components.rules import LANGUAGE_HEADER_MAX, LANGUAGE_TAGS_MAX

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


# Where a catalog lacks a message, these languages borrow from their nearest neighbours first.
FALLBACKS = {"bs": ("hr", "sr_Latn")}
# A bare "sr" (or sr-RS) is Cyrillic, the official script; sr-Latn picks the Latin catalog.
DEFAULT_SCRIPTS = {"sr": "Cyrl"}


def compile_catalog(language: str) -> gettext.NullTranslations:
    """Compile one language's .po file in memory (English and unknown codes give the msgids)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # untranslated entries are left out, so the fallbacks answer them
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=None)
def translator(language: str) -> gettext.NullTranslations:
    """Return a gettext translator for a language, with its neighbour languages as fallbacks."""
    translations = compile_catalog(language)
    for neighbour in FALLBACKS.get(language, ()):
        translations.add_fallback(compile_catalog(neighbour))
    return translations


def match_language(tag: str | None) -> str | None:
    """Map a language tag (cs-CZ, sr-Latn-RS, sr_Cyrl, EN) onto a shipped language code, or None."""
    parts = [part for part in (tag or "").strip().replace("_", "-").split("-") if part]
    if not parts or not parts[0].isalpha():
        return None
    language = parts[0].lower()
    scripts = [part.title() for part in parts[1:] if len(part) == 4 and part.isalpha()]
    script = scripts[0] if scripts else DEFAULT_SCRIPTS.get(language)
    available = available_languages()
    if script and f"{language}_{script}" in available:
        return f"{language}_{script}"
    return language if language in available else None


def parse_accept_language(header: str | None) -> list[str]:
    """Return the tags of an Accept-Language header, most wanted first (q=0 and '*' dropped)."""
    weighted = []
    for position, item in enumerate((header or "")[:LANGUAGE_HEADER_MAX].split(",")[:LANGUAGE_TAGS_MAX]):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _quality, _position, tag in sorted(weighted)]


@lru_cache(maxsize=1024)  # asked on every gettext of every rerun, with the same few inputs
def pick_language(chosen: str | None, workshop_language: str | None, browser: str | None) -> str:
    """The participant's choice, else the browser's languages in order, else the workshop's, else English.

    `browser` is an Accept-Language header or a single tag such as "cs-CZ".
    """
    for candidate in (chosen, *parse_accept_language(browser), workshop_language):
        code = match_language(candidate)
        if code:
            return code
    return DEFAULT_LANGUAGE


def html_lang(language: str) -> str:
    """Return a language code as an HTML lang attribute (sr_Latn -> sr-Latn)."""
    return language.replace("_", "-")


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


def format_countdown(seconds: int) -> str:
    """Format a countdown as M:SS (the same in every language of the region)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
