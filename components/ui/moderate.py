"""Moderate a question: hide, edit, merge duplicates, add for the room, record paper ballots.

Participant text appears only through st.text, st.dataframe or escape_markdown; pickers show ids.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import facilitation, paper, receipts, rules, workshops
from components.rules import RuleError
from components.text import escape_markdown
from components.ui.common import flash, pick_question, pick_workshop, run_action, show_flash
from components.ui.session import get_db, gettext, show_error


def render_priority_table(items: list[dict]) -> None:
    """Every priority of a question, with its id for the pickers below."""
    _ = gettext()
    frame = pd.DataFrame(items, columns=["id", "title", "theme", "state", "dots", "merged_into_id", "details"])
    st.dataframe(frame, hide_index=True, column_config={
        "id": st.column_config.NumberColumn("#", width="small"), "title": _("Priority"), "theme": _("Theme"),
        "state": _("State"), "dots": st.column_config.NumberColumn(_("Dots"), width="small"),
        "merged_into_id": st.column_config.NumberColumn(_("Merged into #"), width="small"), "details": _("Details")})


def priority_picker(label: str, items: list[dict], key: str) -> int | None:
    """Pick a priority by its number (titles stay in the table, never in an option label)."""
    if not items:
        return None
    _ = gettext()
    by_id = {p["id"]: p for p in items}
    states = {"visible": _("visible"), "hidden": _("hidden"), "merged": _("merged")}
    return st.selectbox(label, list(by_id), key=key, format_func=lambda i: _("#{id} · {state} · {dots} dots").format(
        id=i, state=states.get(by_id[i]["state"], by_id[i]["state"]), dots=by_id[i]["dots"]))


def render_hide_and_edit(user: dict, question: dict, items: list[dict], themes: list[dict]) -> None:
    """Hide or show a priority, or edit its text (the original stays in the audit log)."""
    _ = gettext()
    editable = [p for p in items if p["state"] != "merged"]
    chosen = priority_picker(_("Priority"), editable, f"moderate_pick_{question['id']}")
    if chosen is None:
        st.info(_("No priorities yet."))
        return
    priority = next(p for p in editable if p["id"] == chosen)
    st.text(priority["title"])
    hidden = priority["state"] == "hidden"
    if st.button(_("Show again") if hidden else _("Hide"), key=f"hide_{chosen}"):
        run_action(facilitation.set_priority_hidden, chosen, not hidden, user["username"],
                   done=_("Priority #{id} is visible again.").format(id=chosen) if hidden
                   else _("Priority #{id} is hidden.").format(id=chosen))
    theme_by_id = {t["id"]: t["name"] for t in themes}
    with st.form(f"edit_{chosen}"):
        title = st.text_input(_("Title"), value=priority["title"], max_chars=rules.TITLE_MAX, key=f"edit_title_{chosen}")
        details = st.text_area(_("Details"), value=priority["details"], max_chars=rules.DETAILS_MAX,
                               key=f"edit_details_{chosen}")
        ids = [None] + list(theme_by_id)
        theme = st.selectbox(_("Theme"), ids, index=ids.index(priority["theme_id"]) if priority["theme_id"] in ids else 0,
                             format_func=lambda i: _(theme_by_id[i]) if i else "—", key=f"edit_theme_{chosen}")
        if st.form_submit_button(_("Save changes")):
            run_action(facilitation.edit_priority, chosen, title, details, theme, user["username"],
                       done=_("Priority #{id} saved; the original text is kept in the audit log.").format(id=chosen))


def render_merge(user: dict, question: dict, items: list[dict]) -> None:
    """Merge a duplicate into a surviving priority and say how many dots moved or came back."""
    _ = gettext()
    live = [p for p in items if p["state"] != "merged"]
    if len(live) < 2:
        st.info(_("Merging needs at least two priorities."))
        return
    st.caption(_("Each participant's dots on the duplicate move to the survivor up to the per-priority cap; "
                 "the rest go back to their budget."))
    source = priority_picker(_("Duplicate (disappears)"), live, f"merge_source_{question['id']}")
    target = priority_picker(_("Survivor (keeps the dots)"), live, f"merge_target_{question['id']}")
    if st.button(_("Merge"), key=f"merge_{question['id']}", type="primary"):
        run_action(facilitation.merge_priorities, source, target, user["username"],
                   done=_("Merged #{source} into #{target}:").format(source=source, target=target) + " "
                   + _("{moved} dots moved, {returned} dots returned to participants."))


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
    st.markdown("### " + escape_markdown(question["prompt"]))
    items = facilitation.list_priorities_for_moderation(db, question["id"])
    themes = workshops.list_themes(db, workshop["id"])
    render_priority_table(items)
    hide_tab, merge_tab, room_tab, paper_tab = st.tabs(
        [_("Hide or edit"), _("Merge duplicates"), _("Add for the room"), _("Paper ballot")])
    with hide_tab:
        render_hide_and_edit(user, question, items, themes)
    with merge_tab:
        render_merge(user, question, items)
    with room_tab:
        render_add_for_room(user, question, themes)
    with paper_tab:
        render_paper_ballot(user, question, items)
