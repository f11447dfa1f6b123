"""Merging on the Moderate page: suggested duplicates, a confirmation that says what will happen, undo.

A merge is only ever done from the confirmation, whose figures come from facilitation.preview_merge.
"""

from __future__ import annotations

import streamlit as st

from components import duplicates, facilitation
from components.rules import RuleError
from components.ui.common import run_action
from components.ui.session import get_db, gettext, show_error


def pending_key(question_id: int) -> str:
    """Session key of the merge waiting for confirmation: (source, target, where it was asked for)."""
    return f"merge_pending_{question_id}"


def open_merge(question_id: int, source_id: int, target_id: int, origin: str) -> None:
    """Ask for confirmation of a merge, shown where it was asked for (a suggestion or a card)."""
    st.session_state[pending_key(question_id)] = (source_id, target_id, origin)


def pending_merge(question_id: int, origin: str) -> tuple[int, int] | None:
    """The merge waiting for confirmation here, if any."""
    pending = st.session_state.get(pending_key(question_id))
    return (pending[0], pending[1]) if pending and pending[2] == origin else None


def survey_mark(item: dict) -> str:
    """The "from the survey" mark after an imported priority's title, so it is never taken for a participant's."""
    _ = gettext()
    return "  · " + _("from the survey") if item.get("source") == "survey" else ""


def render_suggestions(user: dict, question: dict, by_id: dict[int, dict]) -> None:
    """Pairs that are probably the same, best first: open the merge confirmation or dismiss, one click each."""
    _ = gettext()
    st.subheader(_("Possible duplicates"), anchor=False)
    suggestions = duplicates.suggest_duplicates(get_db(), question["id"])
    if not suggestions:
        st.caption(_("No possible duplicates."))
    for pair in suggestions:
        first, second = by_id[pair["first_id"]], by_id[pair["second_id"]]
        # The priority with more dots survives (fewer dots move); on a tie the older one.
        target, source = (first, second) if first["dots"] >= second["dots"] else (second, first)
        origin = f"pair_{first['id']}_{second['id']}"
        with st.container(border=True):
            st.caption(_("Similarity {score}%").format(score=pair["score"]))
            for item in (first, second):
                st.text(f"#{item['id']} {item['title']}{survey_mark(item)}")
            if pending_merge(question["id"], origin):
                render_confirmation(user, question, source["id"], target["id"], by_id)
                continue
            row = st.container(horizontal=True)
            if row.button(_("Merge"), key=f"dup_accept_{origin}", type="primary"):
                open_merge(question["id"], source["id"], target["id"], origin)
                st.rerun()
            if row.button(_("Not a duplicate"), key=f"dup_dismiss_{origin}"):
                run_action(duplicates.dismiss_suggestion, first["id"], second["id"], user["username"],
                           done=_("Suggestion dismissed."))


def render_confirmation(user: dict, question: dict, source_id: int, target_id: int, by_id: dict[int, dict]) -> None:
    """Say what the merge will do (dots moved, returned, voters affected), then merge or cancel."""
    _ = gettext()
    qid = question["id"]
    try:
        preview = facilitation.preview_merge(get_db(), source_id, target_id)
    except RuleError as exc:
        st.session_state.pop(pending_key(qid), None)
        show_error(exc)
        return
    with st.container(border=True, key=f"merge_confirmation_{qid}"):
        st.markdown("**" + _("Merge #{source} into #{target}?").format(source=source_id, target=target_id) + "**")
        st.caption(_("Duplicate (disappears)"))
        st.text(by_id[source_id]["title"] + survey_mark(by_id[source_id]))
        st.caption(_("Survivor (keeps the dots)"))
        st.text(by_id[target_id]["title"] + survey_mark(by_id[target_id]))
        st.warning(_("{moved} dots move, {returned} dots go back to participants, {voters} voters affected.").format(
            **preview), icon=":material/call_merge:")
        st.caption(_("Each participant's dots on the duplicate move to the survivor up to the per-priority cap; "
                     "the rest go back to their budget."))
        row = st.container(horizontal=True)
        if row.button(_("Confirm merge"), key=f"merge_confirm_{qid}", type="primary"):
            st.session_state.pop(pending_key(qid), None)
            run_action(facilitation.merge_priorities, source_id, target_id, user["username"],
                       done=_("Merged #{source} into #{target}:").format(source=source_id, target=target_id) + " "
                       + _("{moved} dots moved, {returned} dots returned to participants."))
        if row.button(_("Cancel"), key=f"merge_cancel_{qid}"):
            st.session_state.pop(pending_key(qid), None)
            st.rerun()


def render_recent_merges(user: dict, question: dict) -> None:
    """The merges not undone, newest first; the newest can be undone (the core refuses when it is no longer exact)."""
    _ = gettext()
    merges = facilitation.list_merges(get_db(), question["id"])
    if not merges:
        return
    st.subheader(_("Recent merges"), anchor=False)
    for position, merge in enumerate(merges):
        row = st.container(horizontal=True, vertical_alignment="center")
        row.text(_("#{source} merged into #{target}").format(source=merge["source_id"], target=merge["target_id"]))
        if position == 0 and row.button(_("Undo"), key=f"undo_merge_{merge['id']}"):
            run_action(facilitation.undo_merge, merge["id"], user["username"],
                       done=_("Merge of #{source} into #{target} undone.").format(source=merge["source_id"],
                                                                                   target=merge["target_id"]))
