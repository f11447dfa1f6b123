"""Message extraction and catalog upkeep for the interface languages (no Streamlit here).

`python -m components.i18n_catalog` re-extracts every msgid and updates
components/locales/<lang>/LC_MESSAGES/messages.po for each shipped language:
existing translations are kept, obsolete ones dropped, new ones added empty.
"""

from __future__ import annotations

import ast
import io
import json
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "components" / "locales"
MAPPING_FILE = ROOT / "babel.cfg"
REFERENCE_FILE = ROOT / "workshop_data" / "reference.json"
DOMAIN = "messages"
PROJECT = "Hub Workshop"
DATA_LOCATION = "workshop_data/reference.json"
# The code binds `_ = session.gettext()` and `n_ = session.ngettext()`; RuleError(msgid, **params)
# carries an English msgid that session.show_error translates.
KEYWORDS = {"_": None, "n_": (1, 2), "ngettext": (1, 2), "RuleError": None, "Busy": None}
# Only these top-level folders hold interface code; everything else (tests, .venv, bench) is skipped.
SOURCE_DIRS = ("pages", "components")
# Every language we ship besides English (the msgids). Serbian ships in both scripts; the folder
# names follow Babel (sr_Latn, sr_Cyrl), and i18n.pick_language maps browser tags onto them.
SHIPPED_LANGUAGES = ("bg", "bs", "cs", "el", "et", "hr", "hu", "ka", "lt", "lv", "mk", "pl", "ro",
                     "sk", "sl", "sq", "sr_Cyrl", "sr_Latn", "tr", "uk")
MACHINE_TRANSLATOR = "machine translation, awaiting native review"
# How each catalog was made, and whether a native speaker has reviewed it (the README's table
# and every catalog's header say the same). Change a line when a native speaker signs it off.
FIRST_ROUND = "machine translation, corrected after a review by a fluent reviewer"
NEW_ROUND = "machine translation by a fluent translator, checked against the glossary"
CATALOG_STATUS = {
    **{language: (FIRST_ROUND, "no") for language in ("bg", "cs", "hr", "hu", "pl", "ro", "sk", "sl", "uk")},
    **{language: (NEW_ROUND, "no") for language in ("bs", "el", "et", "ka", "lt", "lv", "mk", "sq",
                                                     "sr_Cyrl", "sr_Latn", "tr")},
}
HEADER_COMMENT = """# Hub Workshop interface text, language: {language}.
# Made by: {made}.
# Reviewed by a native speaker: {reviewed}.
# Updated by `python -m components.i18n_catalog`: translate empty msgstr entries only;
# msgids come from the code (gettext, RuleError) and workshop_data/reference.json.
# Terms: see glossary.json beside this folder's LC_MESSAGES (tests/test_i18n.py checks them)."""


@dataclass
class MessageInfo:
    """One msgid: its singular, plural (or None), {placeholders} and where it comes from."""

    singular: str
    plural: str | None
    placeholders: frozenset[str]
    locations: list[tuple[str, int | None]] = field(default_factory=list)


def find_placeholders(text: str) -> frozenset[str]:
    """Return the {names} a str.format text uses."""
    try:
        return frozenset(name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None)
    except ValueError:  # an unbalanced brace is a bug the tests should show, not a crash here
        return frozenset({"<invalid braces>"})


def read_method_map() -> list[tuple[str, str]]:
    """Return the (pattern, method) pairs from babel.cfg."""
    with MAPPING_FILE.open(encoding="utf-8") as handle:
        method_map, _options = parse_mapping_cfg(handle)
    return method_map


def _keep_directory(dirname: str) -> bool:
    """Walk only the interface code folders (and their subfolders)."""
    parts = Path(dirname).resolve().relative_to(ROOT).parts
    return bool(parts) and parts[0] in SOURCE_DIRS and not any(part.startswith((".", "_")) for part in parts)


@dataclass
class SourceScan:
    """What an AST pass over one file sees of the gettext calls."""

    literals: set[str] = field(default_factory=set)
    curried: list[tuple[object, int]] = field(default_factory=list)
    dynamic: list[tuple[int, str]] = field(default_factory=list)


def _call_name(func: ast.expr) -> str | None:
    """Return the called name of `name(...)` or `obj.name(...)`."""
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _literal(node: ast.expr | None) -> str | None:
    """Return a plain string literal's value, else None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def scan_source(path: Path) -> SourceScan:
    """Find literal msgids, curried `gettext()("...")` calls Babel cannot see, and dynamic msgids."""
    text = path.read_text(encoding="utf-8")
    scan = SourceScan()
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = _call_name(node.func)
        curried = isinstance(node.func, ast.Call) and _call_name(node.func.func) in ("gettext", "ngettext")
        # session.ngettext(workshop) builds a translator; only ngettext(one, many, n) is a message.
        if (name not in KEYWORDS or (name == "ngettext" and len(node.args) < 3)) and not curried:
            continue
        first = _literal(node.args[0])
        if first is None:
            scan.dynamic.append((node.lineno, ast.get_source_segment(text, node) or ""))
            continue
        scan.literals.add(first)
        if curried:
            plural = _literal(node.args[1]) if _call_name(node.func.func) == "ngettext" and len(node.args) > 1 else None
            scan.curried.append(((first, plural) if plural else first, node.lineno))
    return scan


def list_source_files() -> list[Path]:
    """Return the files babel.cfg maps to the python extractor."""
    from babel.util import pathmatch

    files = []
    for folder in [ROOT] + [ROOT / name for name in SOURCE_DIRS]:
        for path in sorted(folder.rglob("*.py") if folder != ROOT else folder.glob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if any(pathmatch(pattern, relative) for pattern, method in read_method_map() if method == "python"):
                files.append(path)
    return sorted(set(files))


def list_dynamic_calls() -> list[tuple[str, int, str]]:
    """Return gettext calls whose msgid is not a literal (data translated at run time)."""
    return [(path.relative_to(ROOT).as_posix(), line, source)
            for path in list_source_files() for line, source in scan_source(path).dynamic]


def list_data_msgids() -> list[str]:
    """Return data the UI passes through _() at run time: reference lists, profile labels, roles, 'Not given'."""
    from components import analysis, auth, seed  # imported late: only needed for extraction

    reference = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    values = [value for key in ("countries", "organisation_types", "themes") for value in reference[key]]
    labels = [question["label"] for question in seed.default_profile_questions()]
    return values + labels + list(auth.ROLES) + [analysis.NOT_GIVEN]


def _add_message(found: dict[str, MessageInfo], message, location: tuple[str, int | None]) -> None:
    """Record one extracted message, refusing a msgid used both with and without a plural."""
    singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
    if not singular:
        return
    info = found.get(singular)
    if info is None:
        placeholders = find_placeholders(singular) | (find_placeholders(plural) if plural else frozenset())
        info = found[singular] = MessageInfo(singular, plural, placeholders)
    elif plural and info.plural and plural != info.plural:
        raise ValueError(f"{singular!r} has two plurals: {info.plural!r} and {plural!r} ({location[0]})")
    elif bool(plural) != bool(info.plural):
        raise ValueError(f"{singular!r} is used both with and without a plural ({location[0]})")
    info.locations.append(location)


def extract_messages() -> dict[str, MessageInfo]:
    """Extract every msgid from app.py, pages/ and components/, plus the data msgids."""
    found: dict[str, MessageInfo] = {}
    scans: dict[str, SourceScan] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map=read_method_map(), keywords=KEYWORDS, directory_filter=_keep_directory):
        filename = filename.replace("\\", "/")
        if filename not in scans:  # parse each file once, not once per message in it
            scans[filename] = scan_source(ROOT / filename)
        scan = scans[filename]
        singular = message[0] if isinstance(message, tuple) else message
        # Babel reads `_(row["label"])` as the msgid "label": keep only real literal arguments.
        if singular in scan.literals:
            _add_message(found, message, (filename, lineno))
    for path in list_source_files():
        filename = path.relative_to(ROOT).as_posix()
        scan = scans.get(filename) or scan_source(path)
        for message, lineno in scan.curried:
            _add_message(found, message, (filename, lineno))
    for value in list_data_msgids():
        _add_message(found, value, (DATA_LOCATION, None))
    return found


def build_template(messages: dict[str, MessageInfo]) -> Catalog:
    """Build a .pot-like catalog of all msgids."""
    template = Catalog(project=PROJECT, domain=DOMAIN)
    for info in messages.values():
        msgid = (info.singular, info.plural) if info.plural else info.singular
        template.add(msgid, locations=sorted({(path, None) for path, _line in info.locations}),
                     flags=("python-brace-format",) if info.placeholders else ())
    return template


def catalog_path(language: str) -> Path:
    """Return the .po file of a language."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    """Read a language's catalog (an empty one if it does not exist yet)."""
    path = catalog_path(language)
    if not path.exists():
        return Catalog(locale=language, project=PROJECT, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def write_catalog(catalog: Catalog, language: str) -> Path:
    """Write a catalog sorted by msgid, without line numbers, so diffs stay small."""
    path = catalog_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, ignore_obsolete=True, include_lineno=False)
    path.write_bytes(buffer.getvalue())
    return path


def update_catalog(language: str, template: Catalog) -> dict[str, int]:
    """Bring one language's catalog in line with the template; return counts."""
    catalog = read_catalog(language)
    before = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    # Fresh header from Babel's locale data (Plural-Forms), no fuzzy guesses from similar msgids.
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    obsolete = len(catalog.obsolete)
    catalog.obsolete.clear()
    # Plural-Forms follow the installed Babel's CLDR rules (an old header would keep stale ones).
    catalog._num_plurals = catalog._plural_expr = None
    catalog.project, catalog.version, catalog.fuzzy = PROJECT, "1", False
    catalog.language_team = f"{language} <hub-workshop>"
    catalog.last_translator = MACHINE_TRANSLATOR
    made, reviewed = CATALOG_STATUS.get(language, (MACHINE_TRANSLATOR, "no"))
    catalog.header_comment = HEADER_COMMENT.format(language=language, made=made, reviewed=reviewed)
    write_catalog(catalog, language)
    ids = [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id]
    return {"messages": len(ids), "new": len(set(ids) - before), "obsolete": obsolete,
            "untranslated": sum(1 for m in catalog if m.id and not is_translated(m))}


def is_translated(message) -> bool:
    """True when every form of a message has a non-fuzzy translation."""
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return not message.fuzzy and all(strings)


def list_languages() -> list[str]:
    """Return the shipped languages plus any catalog someone added by hand."""
    found = {p.name for p in LOCALES_DIR.iterdir() if catalog_path(p.name).exists()} if LOCALES_DIR.exists() else set()
    return sorted(set(SHIPPED_LANGUAGES) | found)


def update_catalogs(languages: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Re-extract and update every shipped language's .po file; return counts per language."""
    template = build_template(extract_messages())
    return {language: update_catalog(language, template) for language in (languages or list_languages())}


def main() -> int:
    """Update the catalogs and print a short summary."""
    for language, counts in update_catalogs().items():
        print(f"{language}: {counts['messages']} messages, {counts['new']} new, {counts['obsolete']} dropped, "
              f"{counts['untranslated']} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
