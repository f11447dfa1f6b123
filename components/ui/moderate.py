"""Moderate a question: cards to hide, edit and merge (moderate_cards, merging), add for the room, paper ballots.

Participant text appears only through st.text or escape_markdown; pickers show ids.
"""

from __future__ import annotations

import streamlit as st

from components import facilitation, rules, workshops
from components.rules import RuleError
from components.text import escape_markdown
from components.ui.common import flash, pick_question, pick_workshop, run_action, show_flash
from components.ui.merging import render_recent_merges, render_suggestions
from components.ui.moderate_cards import render_cards
from components.ui.session import get_db, gettext, show_error


def render_add_for_room(user: dict, question: dict, themes: list[dict]) -> None:
    """Add a priority on behalf of the room."""
    _ = gettext()
    theme_by_id = {t["id"]: t["name"] for t in themes}
    with st.form(f"room_{question['id']}", clear_on_submit=True):
        title = st.text_input(_("Title"), max_chars=rules.TITLE_MAX, key=f"room_title_{question['id']}")
        details = st.text_area(_("Details"), max_chars=rules.DETAILS_MAX, key=f"room_details_{question['id']}")
        theme = st.selectbox(_("Theme"), [None] + list(theme_by_id), format_func=lambda i: _(theme_by_id[i]) if i else "—",
                             key=f"room_theme_{question['id']}")
        if st.form_submit_button(_("Add for the room")):
            run_action(facilitation.add_priority_for_room, question["id"], title, user["username"], details=details,
                       theme_id=theme, done=_("Priority added for the room."))


def render_paper_ballot(user: dict, question: dict, items: list[dict]) -> None:
    """Type in one paper ballot: dots per priority, checked against the same rules."""
    _ = gettext()
    if question["phase"] not in ("voting", "closed"):
        st.info(_("Paper ballots can be recorded once voting has opened."))
        return
    reset_paper_form(question["id"])
    visible = [p for p in items if p["state"] == "visible"]
    st.caption(_("Up to {budget} dots per ballot, at most {cap} on one priority.").format(
        budget=question["dots_per_participant"], cap=question["max_dots_per_item"]))
    with st.form(f"paper_{question['id']}"):
        for item in visible:
            st.number_input(escape_markdown(f"#{item['id']} {item['title']}"), min_value=0,
                            max_value=question["max_dots_per_item"], step=1, key=f"paper_{question['id']}_{item['id']}")
        label = st.text_input(_("Ballot label (optional)"), max_chars=80, key=f"paper_label_{question['id']}")
        if st.form_submit_button(_("Record paper ballot"), type="primary"):
            allocation = {p["id"]: int(st.session_state[f"paper_{question['id']}_{p['id']}"]) for p in visible}
            try:
                facilitation.record_paper_ballot(get_db(), question["id"], {k: v for k, v in allocation.items() if v},
                                              user["username"], label)
            except RuleError as exc:
                show_error(exc)
                return
            st.session_state[f"paper_reset_{question['id']}"] = True
            flash(_("Paper ballot recorded: {dots} dots.").format(dots=sum(allocation.values())))
            st.rerun()


def reset_paper_form(question_id: int) -> None:
    """Clear the paper ballot inputs after a recorded ballot (before the widgets exist)."""
    if st.session_state.pop(f"paper_reset_{question_id}", False):
        for key in [k for k in st.session_state if str(k).startswith(f"paper_{question_id}_")
                    or k == f"paper_label_{question_id}"]:
            del st.session_state[key]


def render_page(user: dict) -> None:
    """The Moderate page, for a facilitator."""
    _ = gettext()
    st.title(_("Moderate"))
    show_flash()
    workshop = pick_workshop("moderate")
    if workshop is None:
        st.stop()
    question = pick_question(workshop, "moderate")
    if question is None:
        st.stop()
    db = get_db()
    st.markdown("## " + escape_markdown(question["prompt"]))  # h2: the h3 sections below follow it
    items = facilitation.list_priorities_for_moderation(db, question["id"])
    themes = workshops.list_themes(db, workshop["id"])
    cards_tab, room_tab, paper_tab = st.tabs([_("Priorities"), _("Add for the room"), _("Paper ballot")])
    with cards_tab:
        render_suggestions(user, question, {p["id"]: p for p in items})
        render_recent_merges(user, question)
        render_cards(user, question, items, themes)
    with room_tab:
        render_add_for_room(user, question, themes)
    with paper_tab:
        render_paper_ballot(user, question, items)
