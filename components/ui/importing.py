"""The Import priorities section of set-up: upload a survey file, see what will be added and what is refused, import.

The preview and the import both come from components.survey_import; refused rows are named by row number and
reason. File contents appear only in st.dataframe.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import rules, survey_import, workshops
from components.rules import RuleError
from components.ui.common import flash, phase_label
from components.ui.session import get_db, gettext, ngettext, show_error, translate_error


def pick_import_question(workshop: dict) -> dict | None:
    """The question the priorities go to (the first, unless the workshop has more)."""
    _ = gettext()
    questions = workshops.list_questions(get_db(), workshop["id"])
    if not questions:
        st.info(_("This workshop has no question yet. Add one under Set up workshops."))
        return None
    if len(questions) == 1:
        return questions[0]
    by_id = {q["id"]: (n, q) for n, q in enumerate(questions, start=1)}
    chosen = st.selectbox(_("Question"), list(by_id), key=f"import_question_{workshop['id']}",
                          format_func=lambda i: _("Question {n}: {phase}").format(
                              n=by_id[i][0], phase=phase_label(by_id[i][1]["phase"])))
    return by_id[chosen][1]


def translated_theme_names(workshop: dict) -> dict[str, int]:
    """The workshop's theme names in the facilitator's language, so a translated survey's themes match too."""
    _ = gettext()
    return {_(t["name"]): t["id"] for t in workshops.list_themes(get_db(), workshop["id"])}


def render_survey_import(user: dict, workshop: dict) -> None:
    """Upload a CSV or XLSX file of priorities (title, details, theme), preview it and import it whole."""
    _ = gettext()
    st.caption(_("Bring in priorities collected before the workshop, for example in the member survey: a CSV or "
                 "XLSX file whose first row names the columns title, details and theme (only title is needed). "
                 "They are marked as from the survey, never as a participant's."))
    question = pick_import_question(workshop)
    if question is None:
        return
    if question["phase"] not in rules.IMPORT_PHASES:
        st.info(_("Priorities can only be imported before voting opens."))
        return
    upload_key = f"import_file_{question['id']}_{st.session_state.get('import_round', 0)}"
    upload = st.file_uploader(_("Survey file (CSV or XLSX)"), type=list(rules.SURVEY_KINDS), key=upload_key,
                              max_upload_size=rules.SURVEY_FILE_MB_MAX)
    if upload is None:
        return
    try:
        rows, blank = survey_import.read_survey_file(upload.name, upload.getvalue())
        plan = survey_import.plan_import(get_db(), question["id"], rows, translated_theme_names(workshop))
    except RuleError as exc:
        show_error(exc)
        return
    render_preview(plan, blank)
    render_import_button(user, workshop, question, upload.name, rows, plan)


def render_preview(plan: dict, blank: int) -> None:
    """What will be added and which rows are refused, with their row numbers and reasons."""
    _ = gettext()
    n_ = ngettext()
    added = pd.DataFrame([{"row": item["row"], "title": item["title"], "details": item["details"],
                           "theme": item["theme"]} for item in plan["add"]], columns=["row", "title", "details", "theme"])
    st.markdown("**" + n_("{n} priority will be added", "{n} priorities will be added", len(added)).format(
        n=len(added)) + "**")
    if len(added):
        st.dataframe(added, hide_index=True, key="import_added", column_config={
            "row": st.column_config.NumberColumn(_("Row"), width="small"), "title": _("Title"),
            "details": _("Details"), "theme": _("Theme")})
    if plan["refused"]:
        refused = pd.DataFrame([{"row": item["row"], "reason": translate_error(item["reason"]), "title": item["title"]}
                                for item in plan["refused"]], columns=["row", "reason", "title"])
        st.markdown("**" + n_("{n} row is refused", "{n} rows are refused", len(refused)).format(n=len(refused)) + "**")
        st.dataframe(refused, hide_index=True, key="import_refused", column_config={
            "row": st.column_config.NumberColumn(_("Row"), width="small"), "reason": _("Reason"), "title": _("Title")})
    if blank:
        st.caption(n_("{n} empty row skipped.", "{n} empty rows skipped.", blank).format(n=blank))


def render_import_button(user: dict, workshop: dict, question: dict, file_name: str, rows: list, plan: dict) -> None:
    """Import all accepted rows in one go; with refused rows, only after choosing to leave them out."""
    _ = gettext()
    n_ = ngettext()
    leave_out = False
    if plan["refused"]:
        st.warning(_("Nothing is imported while the file has refused rows: fix them and upload the file again, "
                     "or leave them out."), icon=":material/warning:")
        leave_out = st.checkbox(_("Leave out the refused rows"), key=f"import_leave_out_{question['id']}")
    count = len(plan["add"])
    label = n_("Import {n} priority", "Import {n} priorities", count).format(n=count)
    if st.button(label, type="primary", key=f"import_go_{question['id']}",
                 disabled=not count or (bool(plan["refused"]) and not leave_out)):
        try:
            outcome = survey_import.import_survey(get_db(), question["id"], rows, user["username"], file_name=file_name,
                                                  leave_out_refused=leave_out,
                                                  theme_names=translated_theme_names(workshop))
        except RuleError as exc:
            show_error(exc)
            return
        # A fresh uploader: the imported file should not stay there, previewing every row as a duplicate now.
        st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1
        flash(n_("{n} priority imported from the survey.", "{n} priorities imported from the survey.",
                 outcome["added"]).format(n=outcome["added"]))
        st.rerun()
