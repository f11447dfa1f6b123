"""Moderate a question: cards to hide, edit and merge (moderate_cards, merging), add for the room, paper ballots.

Participant text appears only through st.text or escape_markdown; pickers show ids.
"""

from __future__ import annotations

import streamlit as st

from components import facilitation, paper, receipts, rules, workshops
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
    render_paper_sheets(question)
    visible = [p for p in items if p["state"] == "visible"]  # the sheet's order and numbers
    st.caption(_("Up to {budget} dots per ballot, at most {cap} on one priority.").format(
        budget=question["dots_per_participant"], cap=question["max_dots_per_item"]))
    with st.form(f"paper_{question['id']}"):
        sheet = st.number_input(_("Sheet number"), min_value=1, max_value=rules.PAPER_SHEETS_MAX, value=None, step=1,
                                key=f"paper_sheet_{question['id']}")
        for item in visible:
            st.number_input(escape_markdown(f"#{item['id']} {item['title']}"), min_value=0,
                            max_value=question["max_dots_per_item"], step=1, key=f"paper_{question['id']}_{item['id']}")
        label = st.text_input(_("Ballot label (optional)"), max_chars=80, key=f"paper_label_{question['id']}")
        if st.form_submit_button(_("Record paper ballot"), type="primary"):
            allocation = {p["id"]: int(st.session_state[f"paper_{question['id']}_{p['id']}"]) for p in visible}
            record_paper_sheet(user, question, {k: v for k, v in allocation.items() if v}, label,
                               None if sheet is None else int(sheet))
    totals = facilitation.count_ballots_by_kind(get_db(), question["id"])
    st.caption(_("Phone: {phone} ballots, {phone_dots} dots · Paper: {paper} ballots, {paper_dots} dots").format(
        phone=totals["phone"]["ballots"], phone_dots=totals["phone"]["dots"],
        paper=totals["paper"]["ballots"], paper_dots=totals["paper"]["dots"]))


def record_paper_sheet(user: dict, question: dict, allocation: dict[int, int], label: str, sheet: int | None) -> None:
    """Record one sheet, then show its receipt so the facilitator writes it on the sheet."""
    _ = gettext()
    db = get_db()
    try:
        participant_id = facilitation.record_paper_ballot(db, question["id"], allocation, user["username"], label,
                                                          sheet=sheet)
    except RuleError as exc:
        show_error(exc)
        return
    st.session_state[f"paper_reset_{question['id']}"] = True
    flash(_("Paper ballot recorded: {dots} dots.").format(dots=sum(allocation.values())) + " "
          + _("Write receipt {receipt} on sheet {sheet}.").format(
              receipt=receipts.receipt_for(db, question, participant_id), sheet=sheet))
    st.rerun()


def render_paper_sheets(question: dict) -> None:
    """Download numbered, printable ballot sheets for this question."""
    _ = gettext()
    count = st.number_input(_("Number of sheets"), min_value=1, max_value=500, value=paper.SHEETS_DEFAULT, step=1,
                            key=f"paper_sheets_{question['id']}")
    st.download_button(_("Download ballot sheets"), paper.build_sheets(get_db(), question, int(count)),
                       file_name=f"ballot-sheets-q{question['id']}.html", mime="text/html",
                       key=f"paper_sheets_download_{question['id']}")


def reset_paper_form(question_id: int) -> None:
    """Clear the paper ballot inputs after a recorded ballot (before the widgets exist)."""
    # Setting the values, not deleting the keys: only a set value reaches the browser, which otherwise
    # keeps showing (and sends back) the last sheet's number and dots.
    if st.session_state.pop(f"paper_reset_{question_id}", False):
        for key in [k for k in st.session_state if str(k).startswith(f"paper_{question_id}_")]:
            st.session_state[key] = 0
        st.session_state[f"paper_label_{question_id}"] = ""
        st.session_state[f"paper_sheet_{question_id}"] = None


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
    # Keyed: after an action (a hide, a merge, a paper sheet) the page stays in the same tab.
    cards_tab, room_tab, paper_tab = st.tabs([_("Priorities"), _("Add for the room"), _("Paper ballot")],
                                             key="moderate_section", on_change="rerun")
    if cards_tab.open:
        with cards_tab:
            render_suggestions(user, question, {p["id"]: p for p in items})
            render_recent_merges(user, question)
            render_cards(user, question, items, themes)
    if room_tab.open:
        with room_tab:
            render_add_for_room(user, question, themes)
    if paper_tab.open:
        with paper_tab:
            render_paper_ballot(user, question, items)
