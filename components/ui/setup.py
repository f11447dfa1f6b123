"""Set up workshops: create one in a guided form (setup_create), then its sections: settings, questions,
imported priorities, themes, profile questions, a copy as a template and the audit log.

The sections are one list (``sections``): one more section is one more line. The section bar keeps its place
across reruns (st.tabs with a key), and only the open section runs.
Participant text appears only through st.text, st.dataframe or escape_markdown; pickers show ids.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import audit, facilitation, i18n, rules, workshops
from components.rules import RuleError
from components.ui import seats as ui_seats
from components.ui.common import (WORKSHOP_KEY, flash, link_page, phase_label, pick_workshop, run_action,
                                  show_flash)
from components.ui.importing import render_survey_import
from components.ui.profile_rows import forget_rows, render_profile_rows, typed_rows
from components.ui.session import get_db, gettext, show_error
from components.ui.setup_create import render_create_workshop

SECTION_KEY = "setup_section"


def render_workshop_settings(user: dict, workshop: dict) -> None:
    """Title, description, language, anonymity, submission limit and status."""
    _ = gettext()
    wid = workshop["id"]
    if workshop["status"] == "anonymised":
        # Nothing about an anonymised workshop changes (the core refuses it too): no form to fill in vain.
        st.info(_("This workshop is already anonymised."))
        return
    with st.form(f"settings_{wid}"):
        title = st.text_input(_("Title"), value=workshop["title"], max_chars=rules.WORKSHOP_TITLE_MAX, key=f"set_title_{wid}")
        description = st.text_area(_("Description"), value=workshop["description"], key=f"set_description_{wid}")
        codes = list(i18n.available_languages())
        language = st.selectbox(_("Language"), codes, index=codes.index(workshop["language"]) if workshop["language"]
                                in codes else 0, format_func=i18n.language_name, key=f"set_language_{wid}")
        anonymous = st.checkbox(_("Participants may stay anonymous"), value=bool(workshop["allow_anonymous"]),
                                key=f"set_anonymous_{wid}")
        limit = st.number_input(_("Priorities per participant"), 1, rules.PRIORITIES_PER_PARTICIPANT_MAX,
                                workshop["max_priorities_per_participant"],
                                key=f"set_limit_{wid}")
        status = {}
        if user["role"] == "organiser":  # only organisers finish or reopen a workshop
            status["status"] = st.selectbox(_("Status"), rules.WORKSHOP_STATUSES, key=f"set_status_{wid}",
                                            index=rules.WORKSHOP_STATUSES.index(workshop["status"]),
                                            format_func=lambda s: {"open": _("Open"), "finished": _("Finished")}[s])
        if st.form_submit_button(_("Save settings")):
            run_action(workshops.update_workshop, wid, user["username"], title=title, description=description,
                       language=language, allow_anonymous=anonymous, max_priorities_per_participant=int(limit),
                       **status, done=_("Settings saved."))


def render_questions_setup(user: dict, workshop: dict) -> None:
    """Edit each question's wording and dot rules (frozen once voting starts), and add questions."""
    _ = gettext()
    for n, question in enumerate(workshops.list_questions(get_db(), workshop["id"]), start=1):
        qid = question["id"]
        # Keyed, so an open question stays open after saving it or adding another.
        with st.expander(_("Question {n}: {phase}").format(n=n, phase=phase_label(question["phase"])),
                         key=f"question_open_{qid}", on_change="rerun"):
            st.text(question["prompt"])
            prompt = st.text_area(_("Question"), value=question["prompt"], max_chars=rules.QUESTION_MAX, key=f"prompt_{qid}")
            if st.button(_("Save question"), key=f"save_prompt_{qid}"):
                run_action(workshops.edit_question_prompt, qid, prompt, user["username"], done=_("Question saved."))
            frozen = question["phase"] in ("voting", "closed")
            if frozen:
                st.caption(_("Dot rules are frozen once voting has started."))
            with st.container(horizontal=True, vertical_alignment="bottom"):
                budget = st.number_input(_("Dots per participant"), 1, rules.DOTS_MAX, question["dots_per_participant"],
                                         key=f"budget_{qid}", disabled=frozen)
                cap = st.number_input(_("Dots per priority"), 1, rules.DOTS_MAX, question["max_dots_per_item"],
                                      key=f"cap_{qid}", disabled=frozen)
                if st.button(_("Save dot rules"), key=f"save_rules_{qid}", disabled=frozen):
                    run_action(facilitation.set_dot_rules, qid, int(budget), int(cap), user["username"],
                               done=_("Dot rules saved."))
    with st.form(f"add_question_{workshop['id']}", clear_on_submit=True):
        prompt = st.text_area(_("New question"), max_chars=rules.QUESTION_MAX, key=f"new_prompt_{workshop['id']}")
        with st.container(horizontal=True):
            budget = st.number_input(_("Dots per participant"), 1, rules.DOTS_MAX, 5, key=f"new_budget_{workshop['id']}")
            cap = st.number_input(_("Dots per priority"), 1, rules.DOTS_MAX, 3, key=f"new_cap_{workshop['id']}")
        if st.form_submit_button(_("Add question")):
            run_action(workshops.add_question, workshop["id"], prompt, user["username"], dots_per_participant=int(budget),
                       max_dots_per_item=int(cap), done=_("Question added."))


def render_themes_editor(user: dict, workshop: dict) -> None:
    """Edit the theme list as a table."""
    _ = gettext()
    frame = pd.DataFrame(workshops.list_themes(get_db(), workshop["id"]), columns=["id", "name"])
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, disabled=["id"], key=f"themes_{workshop['id']}",
                            column_config={"id": None, "name": st.column_config.TextColumn(_("Theme"), max_chars=rules.THEME_NAME_MAX)})
    if st.button(_("Save themes"), key=f"save_themes_{workshop['id']}"):
        rows = [r for r in edited.to_dict("records") if isinstance(r.get("name"), str) and r["name"].strip()]
        run_action(workshops.save_themes, workshop["id"], rows, user["username"], done=_("Themes saved."))


def render_profile_editor(user: dict, workshop: dict) -> None:
    """Edit the profile questions participants answer when joining: one row each, with a visible Required toggle."""
    _ = gettext()
    prefix = f"profile_{workshop['id']}"
    st.caption(_("Participants answer these when they join; the results can be split by each answer."))
    rows = render_profile_rows(prefix, workshops.list_profile_questions(get_db(), workshop["id"]))
    if st.button(_("Save profile questions"), key=f"save_profile_{workshop['id']}", type="primary"):
        try:
            workshops.save_profile_questions(get_db(), workshop["id"], typed_rows(rows), user["username"])
        except RuleError as exc:
            show_error(exc)
            return
        forget_rows(prefix)  # the next run reads the saved questions back
        flash(_("Profile questions saved."))
        st.rerun()


def render_duplicate(user: dict, workshop: dict) -> None:
    """Copy this workshop as a template (no participants, priorities or dots)."""
    _ = gettext()
    title = st.text_input(_("Title of the copy"), key=f"copy_title_{workshop['id']}")
    if st.button(_("Duplicate as template"), key=f"duplicate_{workshop['id']}"):
        try:
            new_id = workshops.duplicate_workshop(get_db(), workshop["id"], user["username"], title)
        except RuleError as exc:
            show_error(exc)
            return
        open_new_workshop(new_id, _("Copy created with join code {code}."))


def open_new_workshop(workshop_id: int, message: str) -> None:
    """Select a just-made workshop and say its join code after the rerun."""
    st.session_state[WORKSHOP_KEY] = workshop_id
    flash(message.format(code=workshops.get_workshop(get_db(), workshop_id)["code"]))
    st.rerun()


def render_audit(user: dict, workshop: dict) -> None:
    """Who did what and when."""
    _ = gettext()
    frame = pd.DataFrame(audit.list_workshop_audit(get_db(), workshop["id"]),
                         columns=["at", "actor", "action", "details"])
    st.dataframe(frame, hide_index=True, column_config={"at": _("When"), "actor": _("Who"), "action": _("Action"),
                                                        "details": _("Details")})


def sections() -> list[tuple[str, object]]:
    """The set-up sections in order, as (label, render(user, workshop)): one more section is one more line."""
    _ = gettext()
    return [
        (_("Settings"), render_workshop_settings),
        (_("Questions"), render_questions_setup),
        (_("Import priorities"), render_survey_import),
        (_("Themes"), render_themes_editor),
        (_("Profile questions"), render_profile_editor),
        (_("Duplicate"), render_duplicate),
        (_("Audit log"), render_audit),
        (_("Joining and seats"), ui_seats.render_seats_tab),  # cap, shared phone, seat modes, void and reissue
    ]


def open_section(label: str) -> None:
    """Switch the section bar (a button's callback: it runs before the bar is drawn)."""
    st.session_state[SECTION_KEY] = label


def render_next_steps(workshop: dict) -> None:
    """While no question has started: what comes next, one click each (import survey items, run the workshop)."""
    _ = gettext()
    questions = workshops.list_questions(get_db(), workshop["id"])
    if workshop["status"] != "open" or any(q["phase"] != "draft" for q in questions):
        return
    with st.container(border=True, horizontal=True, vertical_alignment="center", key="setup_next"):
        st.markdown("**" + _("Next steps") + "**")
        st.button(_("Import priorities"), key="next_import", icon=":material/upload_file:",
                  on_click=open_section, args=(_("Import priorities"),))
        link_page("pages/facilitate.py", _("Run this workshop"), ":material/play_circle:")


def render_sections(user: dict, workshop: dict) -> None:
    """The section bar and the open section; the bar stays where it was across reruns and actions."""
    render_next_steps(workshop)
    chosen = sections()
    tabs = st.tabs([label for label, _render in chosen], key=SECTION_KEY, on_change="rerun")
    for tab, (_label, render) in zip(tabs, chosen):
        if tab.open:  # only the open section runs: a rerun costs one section, not seven
            with tab:
                render(user, workshop)


def render_page(user: dict) -> None:
    """The Set up workshops page, for a facilitator."""
    _ = gettext()
    st.title(_("Set up workshops"))
    show_flash()
    render_create_workshop(user, lambda new_id: open_new_workshop(new_id, _("Workshop created with join code {code}.")),
                           first=not workshops.list_workshops(get_db()))
    workshop = pick_workshop("setup")
    if workshop is None:
        st.stop()
    render_sections(user, workshop)
