"""Run a workshop: phases, results visibility, countdown, live counters, join code and QR.

Participant text appears only through st.text, st.dataframe or escape_markdown; pickers show ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from components import facilitation, i18n, links, results, rules, workshops
from components.text import escape_markdown
from components.ui import joining
from components.ui.common import (phase_label, pick_question, pick_workshop, run_action, show_flash,
                                  visibility_label)
from components.ui.session import get_db, gettext, recheck_role, session_language


def render_questions_table(workshop: dict) -> None:
    """All questions of a workshop with phase and visibility."""
    _ = gettext()
    rows = [{"n": n, "prompt": q["prompt"], "phase": phase_label(q["phase"]),
             "results": visibility_label(q["results_visibility"])}
            for n, q in enumerate(workshops.list_questions(get_db(), workshop["id"]), start=1)]
    st.dataframe(pd.DataFrame(rows, columns=["n", "prompt", "phase", "results"]), hide_index=True, column_config={
        "n": st.column_config.NumberColumn("#", width="small"), "prompt": _("Question"),
        "phase": _("Phase"), "results": _("Results")})


def render_join_panel(workshop: dict) -> None:
    """Join code, link and QR code to read out or show."""
    _ = gettext()
    url = links.join_url(getattr(st.context, "url", "") or "", workshop["code"])
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        with st.container():
            st.caption(_("Join code"))
            st.markdown(f"## `{escape_markdown(workshop['code'])}`")
            st.caption(_("Join link"))
            st.code(url, language=None)
        st.image(links.qr_png(url, scale=6), width=180,
                 alt=_("QR code of the join link {url}").format(url=url))


def next_phase(phase: str) -> str | None:
    """The question's natural next step (draft → collecting → voting → closed)."""
    later = rules.PHASES[rules.PHASES.index(phase) + 1:]
    return later[0] if later else None


def render_phase_controls(user: dict, question: dict) -> None:
    """The natural next phase as the primary button; skipping or going back behind a confirmation that names it."""
    _ = gettext()
    qid, phase = question["id"], question["phase"]
    st.markdown("**" + escape_markdown(_("Phase: {phase} · {visibility}").format(
        phase=phase_label(phase), visibility=visibility_label(question["results_visibility"]))) + "**")
    labels = {"collecting": _("Open collection"), "voting": _("Open voting"), "closed": _("Close voting")}
    natural = next_phase(phase)
    if natural:
        render_phase_button(user, qid, natural, labels[natural], primary=True)
    skips = sorted(rules.FORWARD_TRANSITIONS[phase] - {natural}, key=rules.PHASES.index)
    for target in skips:
        confirmed = st.checkbox(_("I want to skip {phase}").format(phase=phase_label(natural)),
                                key=f"confirm_skip_{qid}")
        render_phase_button(user, qid, target, labels[target], disabled=not confirmed)
    back = sorted(rules.BACKWARD_TRANSITIONS[phase], key=rules.PHASES.index)
    backward = {"draft": _("Back to draft"), "collecting": _("Back to collection"), "voting": _("Reopen voting")}
    if back:
        confirmed = st.checkbox(_("I want to move this question back a phase"), key=f"confirm_back_{qid}")
        for target in back:
            render_phase_button(user, qid, target, backward[target], disabled=not confirmed, confirmed=True)
    with st.container(horizontal=True):
        labels = {"hidden": _("Hide results"), "live": _("Show results live"), "revealed": _("Reveal results")}
        for visibility, label in labels.items():
            if st.button(label, key=f"visibility_{qid}_{visibility}",
                         disabled=question["results_visibility"] == visibility):
                run_action(facilitation.set_results_visibility, qid, visibility, user["username"],
                           done=visibility_label(visibility))
    render_deadline_controls(user, question)


def render_phase_button(user: dict, qid: int, target: str, label: str, *, primary: bool = False,
                        disabled: bool = False, confirmed: bool = False) -> None:
    """One phase button; a move back is sent as confirmed (its checkbox was ticked)."""
    _ = gettext()
    if st.button(label, key=f"phase_{qid}_{target}", type="primary" if primary else "secondary", disabled=disabled):
        run_action(facilitation.set_phase, qid, target, user["username"], confirmed=confirmed,
                   done=_("Phase changed to {phase}.").format(phase=phase_label(target)))


def render_deadline_controls(user: dict, question: dict) -> None:
    """An optional countdown for the current phase."""
    _ = gettext()
    qid = question["id"]
    if question["phase"] not in ("collecting", "voting"):
        return
    with st.container(horizontal=True, vertical_alignment="bottom"):
        minutes = st.number_input(_("Countdown (minutes)"), min_value=1, max_value=180, value=5,
                                  key=f"deadline_minutes_{qid}", width=180)
        if st.button(_("Start countdown"), key=f"deadline_start_{qid}"):
            deadline = (datetime.now(timezone.utc) + timedelta(minutes=int(minutes))).isoformat(timespec="seconds")
            run_action(facilitation.set_phase_deadline, qid, deadline, user["username"],
                       done=_("Countdown started."))
        if question["phase_deadline"] and st.button(_("Clear countdown"), key=f"deadline_clear_{qid}"):
            run_action(facilitation.set_phase_deadline, qid, None, user["username"], done=_("Countdown cleared."))


@st.fragment(run_every=2)
def render_live_counters(question_id: int) -> None:
    """Participants, priorities, dots and the share who used all their dots, every 2 seconds."""
    recheck_role("facilitator")
    _ = gettext()
    db = get_db()
    counts = results.count_live(db, question_id)
    question = workshops.get_question(db, question_id)
    language = session_language()
    room = results.count_room(db, question_id, datetime.now(timezone.utc))
    with st.container(horizontal=True, key="room_panel"):
        st.metric(_("Participants joined"), counts["participants"], border=True)
        st.metric(_("Voters"), room["voted"], border=True)
        st.metric(_("Have dots left"), room["dots_left"], border=True)
        st.metric(_("Not yet voted"), room["not_voted"], border=True)
        st.metric(_("Used all their dots"), i18n.format_share(counts["share_all_used"], language), border=True)
    with st.container(horizontal=True):
        st.metric(_("Priorities"), counts["priorities"], border=True)
        st.metric(_("Dots placed"), counts["dots"], border=True)
    joining.render_join_watch(question["workshop_id"], room)  # joins in the last minute, cap and spike warnings
    if room["seconds_left"] is not None and question and question["phase"] in ("collecting", "voting"):
        st.caption("⏱ " + _("Time left: {time}").format(time=i18n.format_countdown(room["seconds_left"])))


def render_page(user: dict) -> None:
    """The Run workshop page, for a facilitator: the question's controls left, the room and the join panel right."""
    _ = gettext()
    st.title(_("Run workshop"))
    show_flash()
    workshop = pick_workshop("facilitate")
    if workshop is None:
        st.stop()
    render_questions_table(workshop)  # full width: in a column its four columns scroll sideways below 1440 px
    # Two columns on a laptop or wider, so the room panel sits beside the phase buttons instead of below the fold;
    # on a narrow window Streamlit stacks them.
    controls, room = st.columns([3, 2], gap="large")
    room_slot = room.container()  # the live counters go above the join panel once the question is known
    with room:
        render_join_panel(workshop)
        joining.render_join_controls(user, workshop)  # joining open/closed, close joining when voting opens
        # A link button opens a new tab (target=_blank): the control page stays open behind the projector.
        st.link_button(_("Open the projector screen"), f"projector?w={workshop['id']}&theme=dark",
                       icon=":material/tv:")
    with controls:
        question = pick_question(workshop, "facilitate")
        if question is None:
            st.stop()
        with st.container(border=True):
            st.markdown("### " + escape_markdown(question["prompt"]))
            render_phase_controls(user, question)
    with room_slot:
        render_live_counters(question["id"])
