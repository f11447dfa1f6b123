"""Interface languages: catalogs complete and in sync with the code, plurals, formats, language choice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from streamlit.testing.v1 import AppTest

from components import i18n, i18n_catalog
from components.rules import RuleError
from components.text import escape_markdown

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = i18n_catalog.SHIPPED_LANGUAGES
OWN_NAMES = {"en": "English", "cs": "Čeština", "sk": "Slovenčina", "pl": "Polski", "hu": "Magyar",
             "ro": "Română", "bg": "Български", "hr": "Hrvatski", "sl": "Slovenščina", "uk": "Українська",
             "sr_Latn": "Srpski (latinica)", "sr_Cyrl": "Српски (ћирилица)", "sq": "Shqip",
             "mk": "Македонски", "bs": "Bosanski", "el": "Ελληνικά", "tr": "Türkçe", "lt": "Lietuvių",
             "lv": "Latviešu", "et": "Eesti", "ka": "ქართული"}


@pytest.fixture(scope="module")
def extracted() -> dict[str, i18n_catalog.MessageInfo]:
    """Every msgid the code and the reference data use (extracted once for this module)."""
    return i18n_catalog.extract_messages()


def catalog_messages(language: str) -> dict[str, object]:
    """Return a shipped catalog's messages keyed by singular msgid."""
    catalog = i18n_catalog.read_catalog(language)
    return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


def forms(message) -> tuple[str, ...]:
    """Return every translated form of a catalog message."""
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


# ---------------------------------------------------------------- extraction

SAMPLE = '''
from components.rules import RuleError
from components.ui.session import gettext, ngettext


def render(row, n):
    _, n_ = gettext(), ngettext()
    _("Plain {name}").format(name="x")
    n_("{n} dot left", "{n} dots left", n)
    _(row["label"])
    gettext()("Curried thanks")
    raise RuleError("Refused {why}.", why="rule")
'''


def test_extraction_finds_every_kind_of_message(tmp_path, monkeypatch):
    for folder in ("components", "pages", "tests"):
        (tmp_path / folder).mkdir()
    (tmp_path / "components" / "sample.py").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "pages" / "page.py").write_text('_ = None\n_("Page title")\n', encoding="utf-8")
    (tmp_path / "app.py").write_text('_("Nav entry")\n', encoding="utf-8")
    (tmp_path / "tests" / "test_x.py").write_text('_("Only in a test")\n', encoding="utf-8")
    (tmp_path / "babel.cfg").write_text((ROOT / "babel.cfg").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(i18n_catalog, "ROOT", tmp_path)
    monkeypatch.setattr(i18n_catalog, "MAPPING_FILE", tmp_path / "babel.cfg")
    found = i18n_catalog.extract_messages()
    code = {msgid for msgid, info in found.items() if info.locations[0][0] != i18n_catalog.DATA_LOCATION}
    assert code == {"Plain {name}", "{n} dot left", "Curried thanks", "Refused {why}.", "Page title", "Nav entry"}
    assert found["{n} dot left"].plural == "{n} dots left" and found["{n} dot left"].placeholders == {"n"}
    assert found["Plain {name}"].plural is None and found["Plain {name}"].placeholders == {"name"}
    assert [call[2] for call in i18n_catalog.list_dynamic_calls()] == ['_(row["label"])']


def test_extraction_includes_the_data_the_ui_translates(extracted):
    assert "Join the workshop" in extracted and "Join & vote" in extracted
    for data in ("Czechia", "Civil society", "Citizens' assemblies", "Country", "Organisation type", "organiser",
                 "Not given"):
        assert data in extracted


def test_update_keeps_translations_drops_obsolete_adds_new(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n_catalog, "LOCALES_DIR", tmp_path)
    old = Catalog(locale="pl")
    old.add("Join", "Dołącz")
    old.add("Gone from the code", "Usunięte")
    i18n_catalog.write_catalog(old, "pl")
    template = Catalog()
    template.add("Join")
    template.add(("{n} dot", "{n} dots"))
    counts = i18n_catalog.update_catalog("pl", template)
    assert counts == {"messages": 2, "new": 1, "obsolete": 1, "untranslated": 1}
    text = (tmp_path / "pl" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert 'msgstr "Dołącz"' in text and "Gone from the code" not in text
    assert text.count('msgstr[') == 3 and "nplurals=3;" in text


# ---------------------------------------------------------------- catalogs

def test_every_shipped_language_has_a_catalog():
    assert set(LANGUAGES) <= set(i18n.available_languages())
    assert i18n.available_languages()[0] == "en"
    assert len(LANGUAGES) >= 9


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translates_every_message(language, extracted):
    messages = catalog_messages(language)
    missing = sorted(msgid for msgid in extracted if msgid not in messages)
    untranslated = sorted(msgid for msgid in extracted if msgid in messages
                          and not i18n_catalog.is_translated(messages[msgid]))
    assert not missing, f"{language}: run `python -m components.i18n_catalog`; missing {missing}"
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_unused_message(language, extracted):
    unused = sorted(set(catalog_messages(language)) - set(extracted))
    assert not unused, f"{language}: run `python -m components.i18n_catalog`; unused {unused}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_english(language):
    wrong = []
    for msgid, message in catalog_messages(language).items():
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        expected = frozenset().union(*(i18n_catalog.find_placeholders(i) for i in ids))
        for index, text in enumerate(forms(message)):
            if text and i18n_catalog.find_placeholders(text) != expected:
                wrong.append((msgid, index, text))
    assert not wrong, f"{language}: placeholders differ from English: {wrong}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_follow_the_language(language):
    catalog = i18n_catalog.read_catalog(language)
    nplurals = Catalog(locale=language).num_plurals
    assert catalog.num_plurals == nplurals
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(forms(message)) == nplurals, (language, message.id)


# English term -> how it is found in a msgid. "dot" is looked for after "dot voting" is taken out.
GLOSSARY_TERMS = {
    "dot voting": r"\bdot[- ]voting\b", "dot": r"\bdots?\b", "priority": r"\bpriorit(?:y|ies)\b",
    "workshop": r"\bworkshops?\b", "facilitator": r"\bfacilitators?\b", "join code": r"\bjoin codes?\b",
    "ballot": r"\bballots?\b", "results": r"\bresults?\b",
}


def read_glossary(language: str) -> dict:
    """Return a language's glossary.json: {"terms": {english: {"use", "match"}}, "exceptions"}."""
    return json.loads((i18n_catalog.LOCALES_DIR / language / "glossary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_glossary_terms_are_used_where_the_english_term_appears(language):
    """Every msgid with a glossary term is translated with one of that term's accepted stems."""
    glossary = read_glossary(language)
    assert set(glossary["terms"]) == set(GLOSSARY_TERMS)
    misses = []
    for msgid, message in catalog_messages(language).items():
        english = msgid.lower()
        for term, pattern in GLOSSARY_TERMS.items():
            found = re.search(pattern, english.replace("dot voting", "") if term == "dot" else english)
            if not found or f"{term}: {msgid}" in glossary.get("exceptions", {}):
                continue
            stems = [stem.lower() for stem in glossary["terms"][term]["match"]]
            for text in forms(message):
                if not any(stem in text.lower() for stem in stems):
                    misses.append(f"{term}: {msgid} -> {text}")
    assert misses == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_header_says_how_it_was_made_and_whether_reviewed(language):
    made, reviewed = i18n_catalog.CATALOG_STATUS[language]
    header = i18n_catalog.catalog_path(language).read_text(encoding="utf-8").split("msgid", 1)[0]
    assert f"# Made by: {made}.\n# Reviewed by a native speaker: {reviewed}.\n" in header


def test_czech_plurals_pick_the_right_form():
    n_ = i18n.translator("cs").ngettext
    one, many = "You can submit {n} more priority.", "You can submit {n} more priorities."
    texts = {n: n_(one, many, n).format(n=n) for n in (1, 2, 5)}
    assert "1 prioritu" in texts[1]
    assert "2 priority" in texts[2]
    assert "5 priorit" in texts[5]
    assert len(set(n_(one, many, n) for n in (1, 2, 5))) == 3


PLURAL_PROBES = (0, 1, 2, 3, 5, 11, 21, 22, 25, 101)
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_form_picked_for_each_count_follows_babel(language):
    """gettext picks, for n = 0, 1, 2, 3, 5, 11, 21, 22, 25, 101, the form of n's CLDR category."""
    rule = Locale.parse(language).plural_form
    # Categories that whole numbers reach (cs "many" is for fractions only), in gettext's order.
    reached = {rule(n) for n in range(0, 1000)}
    categories = [tag for tag in CLDR_ORDER if tag in reached]
    message = catalog_messages(language)["{n} participant"]
    n_ = i18n.translator(language).ngettext
    for n in PLURAL_PROBES:
        assert n_("{n} participant", "{n} participants", n) == forms(message)[categories.index(rule(n))], (language, n)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_form_is_reachable(language):
    n_ = i18n.translator(language).ngettext
    one, many = "{n} participant", "{n} participants"
    message = catalog_messages(language)[one]
    picked = {n_(one, many, n) for n in range(0, 120)}
    assert picked == set(forms(message))


def test_rule_errors_are_translated():
    exc = RuleError("Please write at least {min} characters.", min=3)
    assert i18n.translate_error(exc, "en") == "Please write at least 3 characters."
    czech = i18n.translate_error(exc, "cs")
    assert "3" in czech and czech != "Please write at least 3 characters."


def test_rule_error_params_that_are_data_are_translated(extracted):
    going_back = RuleError("Going back to {phase} needs a confirmation.", phase="draft")
    assert i18n.translate_error(going_back, "en") == "Going back to Draft needs a confirmation."
    assert i18n.translate_error(going_back, "cs") == "Návrat do fáze Příprava je třeba potvrdit."
    answer = RuleError("Please answer: {label}", label="Country")
    assert i18n.translate_error(answer, "pl") == "Odpowiedz na pytanie: Kraj"
    taken = RuleError("The username {username} is taken.", username="organiser")
    assert "organiser" in i18n.translate_error(taken, "cs")          # names are never translated
    assert set(i18n.PHASE_MSGIDS.values()) <= set(extracted)


def test_translations_have_no_invisible_characters():
    invisible = {"\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff"}
    for language in LANGUAGES:
        for msgid, message in catalog_messages(language).items():
            assert not any(ch in text for text in forms(message) for ch in invisible), (language, msgid)


def test_country_names_are_in_the_language():
    assert i18n.translator("cs").gettext("Czechia") == "Česko"
    assert i18n.translator("pl").gettext("Czechia") == "Czechy"
    assert i18n.translator("uk").gettext("Ukraine") == "Україна"


# ---------------------------------------------------------------- choosing and naming languages

def test_pick_language_order():
    """The participant's choice, then the browser, then the workshop, then English."""
    assert i18n.pick_language("sk", "pl", "cs-CZ") == "sk"
    assert i18n.pick_language(None, "en", "cs-CZ") == "cs"       # a Czech phone in an English workshop
    assert i18n.pick_language(None, "pl", "de-DE") == "pl"       # a browser language we do not ship
    assert i18n.pick_language(None, None, "de-DE") == "en"
    assert i18n.pick_language(None, None, None) == "en"
    assert i18n.pick_language("xx", "en", "cs-CZ") == "cs"       # an unknown choice falls through


@pytest.mark.parametrize(("header", "expected"), [
    ("de-DE,de;q=0.9,cs;q=0.8,en;q=0.7", "cs"),                  # every entry is read, not only the first
    ("en-US,en;q=0.9,cs;q=0.8", "en"),
    ("cs;q=0.5, sk;q=0.9", "sk"),                                 # by weight, not by position
    ("sk;q=0, cs", "cs"),                                         # q=0 means "not this one"
    ("*, hu;q=0.2", "hu"),
    ("sr-Latn-RS,sr;q=0.9", "sr_Latn"),
    ("sr-RS,en;q=0.5", "sr_Cyrl"),
    ("sr-Cyrl", "sr_Cyrl"),
    ("sr", "sr_Cyrl"),
    ("SR-LATN", "sr_Latn"),
    ("bs-BA,hr;q=0.8", "bs"),
    ("x-klingon;q=bad, , ;q=1", "pl"),                            # garbage falls through to the workshop's
])
def test_browser_languages_from_a_real_accept_language_header(header, expected):
    assert i18n.pick_language(None, "pl", header) == expected


def test_a_huge_language_header_is_read_only_so_far():
    """A client can send megabytes as its locale: only the first 512 characters and 12 tags are read."""
    assert i18n.parse_accept_language("de," * 1_000_000) == ["de"] * 12
    assert i18n.pick_language(None, "pl", "xx," * 1_000_000 + "cs") == "pl"


def test_chosen_script_subtags_work_end_to_end():
    for code in ("sr_Latn", "sr_Cyrl"):
        assert i18n.pick_language(code, "en", "cs-CZ") == code
        assert i18n.translator(code).gettext("Join") != "Join"
    assert i18n.language_name("sr_Latn").startswith("Srpski")
    assert i18n.language_name("sr_Cyrl").startswith("Српски")
    assert i18n.html_lang("sr_Latn") == "sr-Latn"


def test_bosnian_falls_back_to_croatian_then_serbian_latin(tmp_path, monkeypatch):
    """A message missing from bs is answered by hr, and one missing from both by sr_Latn."""
    def write(language, entries):
        catalog = Catalog(locale=language)
        for msgid, msgstr in entries.items():
            catalog.add(msgid, msgstr)
        i18n_catalog.write_catalog(catalog, language)

    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    monkeypatch.setattr(i18n_catalog, "LOCALES_DIR", tmp_path)
    i18n.translator.cache_clear()
    i18n.available_languages.cache_clear()
    write("bs", {"Join": "Pridruži se (bs)"})
    write("hr", {"Join": "Pridruži se (hr)", "Submit": "Pošalji (hr)"})
    write("sr_Latn", {"Join": "Pridruži se (sr)", "Submit": "Pošalji (sr)", "Details": "Detalji (sr)"})
    try:
        gettext_bs = i18n.translator("bs").gettext
        assert [gettext_bs(m) for m in ("Join", "Submit", "Details", "Remove")] == [
            "Pridruži se (bs)", "Pošalji (hr)", "Detalji (sr)", "Remove"]
    finally:
        i18n.translator.cache_clear()
        i18n.available_languages.cache_clear()


def test_languages_are_named_in_their_own_language():
    for code, name in OWN_NAMES.items():
        assert i18n.language_name(code) == name


def test_numbers_and_shares_follow_the_locale():
    assert i18n.format_number(1234.5, "en") == "1,234.5"
    assert i18n.format_number(1234.5, "cs") == "1\xa0234,5"
    assert i18n.format_share(0.256, "en") == "26%"
    assert i18n.format_share(0.256, "cs") == "26\xa0%"


# ---------------------------------------------------------------- a real page

def test_participant_join_screen_in_czech(db):
    at = AppTest.from_file(str(ROOT / "pages" / "participant.py"), default_timeout=15)
    at.session_state["language"] = "cs"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Připojte se k\u00a0workshopu"]
    assert [t.label for t in at.text_input] == ["Kód pro připojení"]


def test_participant_profile_questions_in_czech(db, demo):
    workshop, _questions = demo
    at = AppTest.from_file(str(ROOT / "pages" / "participant.py"), default_timeout=15)
    at.session_state["language"] = "cs"
    at.query_params["code"] = workshop["code"]
    at.run()
    assert not at.exception
    country = at.selectbox(key="profile_country")
    assert country.label == "Země (nepovinné)"  # plain: the label is the field's accessible name
    assert "Česko" in [country.format_func(option) for option in country.options]


def test_refusal_values_are_escaped_for_markdown_when_asked():
    from components.rules import RuleError
    exc = RuleError("No workshop has the code {code}. Please check it and try again.", code="[a](b)")
    assert i18n.translate_error(exc, "en") == "No workshop has the code [a](b). Please check it and try again."
    assert i18n.translate_error(exc, "en", escape=escape_markdown) == (
        "No workshop has the code \\[a\\]\\(b\\). Please check it and try again.")


def test_the_readme_language_table_counts_the_messages_each_catalog_holds():
    """The README's table says how many messages each catalog has: it must not go stale after a round."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = dict(re.findall(r"^\| (\w+) \| [^|]+ \| (\d+) \|", readme, re.M))
    held = {language: str(len([m for m in i18n_catalog.read_catalog(language) if m.id]))
            for language in i18n_catalog.SHIPPED_LANGUAGES}
    assert {language: stated.get(language) for language in held} == held
