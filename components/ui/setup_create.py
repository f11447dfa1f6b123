"""Create a workshop in one guided screen: title, language, first question, dot rules, themes, profile questions.

Everything has a sensible default (5 dots, at most 3 on one priority, the standard themes and profile
questions), so a title and a question are all that must be typed. The core creates it all or nothing.
"""

from __future__ import annotations

import streamlit as st

from components import i18n, rules, seed, workshops
from components.rules import RuleError
from components.ui.profile_rows import forget_rows, render_profile_rows, typed_rows
from components.ui.session import get_db, gettext, session_language, show_error

PREFIX = "create"
ROWS = "create_profile"
DEFAULT_DOTS, DEFAULT_CAP = 5, 3


def render_create_workshop(user: dict, on_created, first: bool = False) -> None:
    """The create form in an expander (open when there is no workshop yet); ``on_created(id)`` lands on it."""
    _ = gettext()
    # A new expander (a new key) after each workshop made from it: it starts folded away again.
    with st.expander(_("Create a new workshop"), expanded=first, icon=":material/add_circle:",
                     key=f"create_open_{st.session_state.get('setup_create_round', 0)}"):
        st.caption(_("Only the title and the first question must be filled in; everything else has a default "
                     "and can be changed later."))
        title = st.text_input(_("Title"), max_chars=rules.WORKSHOP_TITLE_MAX, key=f"{PREFIX}_title")
        language = render_language()
        description = st.text_area(_("Description"), max_chars=rules.DESCRIPTION_MAX, key=f"{PREFIX}_description",
                                   height=68)
        st.subheader(_("First question"), anchor=False)
        prompt = st.text_area(_("Question"), max_chars=rules.QUESTION_MAX, key=f"{PREFIX}_prompt", height=68,
                              placeholder=_("For example: What should our network focus on next year?"))
        with st.container(horizontal=True):
            budget = st.number_input(_("Dots per participant"), 1, rules.DOTS_MAX, DEFAULT_DOTS, key=f"{PREFIX}_dots")
            cap = st.number_input(_("Dots per priority"), 1, rules.DOTS_MAX, DEFAULT_CAP, key=f"{PREFIX}_cap")
        st.subheader(_("Themes"), anchor=False)
        themes = render_theme_choice()
        st.subheader(_("Profile questions"), anchor=False)
        st.caption(_("Participants answer these when they join; the results can be split by each answer."))
        rows = render_profile_rows(ROWS, seed.default_profile_questions())
        if st.button(_("Create workshop"), type="primary", key=f"{PREFIX}_submit"):
            try:
                new_id = workshops.create_workshop(
                    get_db(), title, user["username"], description=description, language=language, themes=themes,
                    profile_questions=typed_rows(rows),
                    questions=[{"prompt": prompt, "dots_per_participant": int(budget), "max_dots_per_item": int(cap)}])
            except RuleError as exc:
                show_error(exc)
                return
            clear_form()
            on_created(new_id)


def render_language() -> str:
    """The workshop's language, the person's own by default."""
    _ = gettext()
    codes = list(i18n.available_languages())
    if f"{PREFIX}_language" not in st.session_state:
        current = session_language()
        st.session_state[f"{PREFIX}_language"] = current if current in codes else codes[0]
    return st.selectbox(_("Language"), codes, format_func=i18n.language_name, key=f"{PREFIX}_language")


def render_theme_choice() -> list[str]:
    """The standard themes (shown translated, stored as written) plus any typed, one per line."""
    _ = gettext()
    standard = seed.load_reference()["themes"]
    chosen = st.multiselect(_("Standard themes"), standard, default=standard, format_func=_, key=f"{PREFIX}_themes")
    extra = st.text_area(_("More themes, one per line"), key=f"{PREFIX}_extra_themes", height=68)
    typed = [line.strip() for line in extra.splitlines() if line.strip()]
    return list(dict.fromkeys(chosen + typed))


def clear_form() -> None:
    """Empty the form after a workshop was made from it, and fold it away."""
    for key in [k for k in st.session_state if str(k).startswith(f"{PREFIX}_")]:
        del st.session_state[key]
    forget_rows(ROWS)
    st.session_state["setup_create_round"] = st.session_state.get("setup_create_round", 0) + 1
