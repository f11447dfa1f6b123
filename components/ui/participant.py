"""Participant widgets: join, submit, vote, see results. Phone first, cheap reruns."""

from __future__ import annotations

import os
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from components import ballots, participation, results, rules, workshops
from components.ui import live as ui_live
from components.ui.receipts import render_receipt
from components.rules import RuleError
from components.text import escape_markdown
from components.ui.join import PHONE_CSS, remember_participant, render_someone_else
from components.ui.session import get_db, gettext, ngettext, render_language_picker, session_language, show_error

# Phase changes are pushed (ui_live). Each phone still checks now and then, to catch a vote whose
# screen update was lost (the next tap also redraws the truth): a poll is a rerun per phone, so
# 500 phones at 60 s make ~8 reruns/s.
POLL_SECONDS = float(os.environ.get("HUB_PHASE_POLL_SECONDS", "60"))
# Where nothing can push (Streamlit's AppTest), the phone asks more often instead.
FALLBACK_POLL_SECONDS = 5
STATIC = Path(__file__).parent / "static"
BALLOT = st.components.v2.component(
    "hub_ballot", html='<div class="hub-ballot"></div>', css=(STATIC / "ballot.css").read_text(encoding="utf-8"),
    js=(STATIC / "ballot.js").read_text(encoding="utf-8"), isolate_styles=False)
RESULTS = st.components.v2.component(
    "hub_results", html='<div class="hub-results-root"></div>', css=(STATIC / "results.css").read_text(encoding="utf-8"),
    js=(STATIC / "results.js").read_text(encoding="utf-8"), isolate_styles=False)
BALLOT_ENDPOINTS = {"vote": "/api/vote", "ballot": "/api/ballot", "feed": "/api/feed"}  # components/phone_routes.py


# ---------------------------------------------------------------- the workshop screen

def render_workshop(participant: dict) -> None:
    """Show the workshop's live questions in their current phase."""
    st.html(PHONE_CSS)
    db = get_db()
    workshop = workshops.get_workshop(db, participant["workshop_id"])
    st.session_state["workshop_language"] = workshop["language"]
    _ = gettext(workshop)
    render_language_picker(participant, workshop)
    remember_participant(participant)
    st.subheader(escape_markdown(workshop["title"]))
    if workshop["status"] != "open":
        st.info(_("This workshop has ended. Thank you for taking part!"))
    signature = workshops.phase_signature(db, workshop["id"])
    st.session_state[f"phase_sig_{workshop['id']}"] = signature
    if ui_live.follow_workshop(workshop["id"], signature):
        watch_phase(workshop["id"], participant["id"])
    else:
        watch_phase_often(workshop["id"], participant["id"])
    live = [q for q in workshops.list_questions(db, workshop["id"]) if q["phase"] != "draft"]
    if not live:
        st.info(_("Welcome! The facilitator will open the first question soon. This screen updates by itself."))
    for question in live:
        with st.container(border=True):
            render_question(participant, workshop, question)
    render_keep_link(participant, workshop)
    render_someone_else(participant, workshop)  # a shared phone, only where the facilitator allows it


@st.fragment(run_every=POLL_SECONDS)
def watch_phase(workshop_id: int, participant_id: int) -> None:
    """Check the phase now and then; rerun the whole page only when something this screen shows changed."""
    check_phase(workshop_id, participant_id)


@st.fragment(run_every=FALLBACK_POLL_SECONDS)
def watch_phase_often(workshop_id: int, participant_id: int) -> None:
    """The same check, more often, where phase changes cannot be pushed."""
    check_phase(workshop_id, participant_id)


def check_phase(workshop_id: int, participant_id: int) -> None:
    """Rerun the page when the phases differ from the screen (the ballot keeps its own dots true)."""
    key = f"phase_sig_{workshop_id}"
    signature = workshops.phase_signature(get_db(), workshop_id)
    if st.session_state.get(key) != signature:
        st.session_state[key] = signature
        st.rerun(scope="app")
    render_countdown(signature)


def render_countdown(signature: tuple) -> None:
    """Show when a phase with a deadline closes, as a clock time: it stays true between checks."""
    _ = gettext()
    zone = browser_timezone()
    for _id, phase, _visibility, deadline in signature:
        if deadline and phase in ("collecting", "voting"):
            closes = datetime.fromisoformat(deadline).astimezone(zone)
            st.caption(":material/timer: " + _("Closes at {time}").format(time=closes.strftime("%H:%M")))


def browser_timezone() -> tzinfo:
    """The phone's time zone as its browser reports it; UTC when unknown."""
    try:
        return ZoneInfo(st.context.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def render_question(participant: dict, workshop: dict, question: dict) -> None:
    """Render one question according to its phase; the ballot element stays mounted in every phase."""
    _ = gettext(workshop)
    st.markdown("#### " + escape_markdown(question["prompt"]))
    # First and in every phase, so the element keeps its place when voting opens: it draws the ballot
    # from HTTP at once, while the rest of the page follows with the pushed rerun.
    render_ballot(participant, workshop, question)
    if question["phase"] == "collecting":
        with st.container(key=collecting_key(question["id"])):
            render_submit(participant, workshop, question)
    elif question["phase"] != "voting":
        render_closed(participant, question, _)
    render_results(participant, question)


def collecting_key(question_id: int) -> str:
    """The key of the container holding a question's submission form (the ballot hides it once voting opens)."""
    return f"collect_q{question_id}"


def render_closed(participant: dict, question: dict, _) -> None:
    """Voting is over: thanks to those who voted, and what happens next."""
    st.info(_("Voting has closed."), icon=":material/lock:")
    render_receipt(participant, question)
    if not rules.may_see_results(question):
        st.caption(_("The results will be shown on the screen at the front of the room, and here once they are revealed."))


def render_keep_link(participant: dict, workshop: dict) -> None:
    """Tell the participant how to come back with the same identity."""
    _ = gettext(workshop)
    with st.expander(_("Keep this link to come back later")):
        st.caption(_("Anyone with this link can vote as you. Open it again to continue where you were."))
        base = (getattr(st.context, "url", "") or "").split("?")[0]
        st.code(f"{base}?t={participant['token']}", language=None)


# ---------------------------------------------------------------- collecting

def render_submit(participant: dict, workshop: dict, question: dict) -> None:
    """Submission form with visible limits, then the participant's own submissions."""
    _, n_ = gettext(workshop), ngettext(workshop)
    db = get_db()
    own = participation.list_own_priorities(db, question["id"], participant["id"])
    left = workshop["max_priorities_per_participant"] - len(own)
    themes = workshops.list_themes(db, workshop["id"])
    prefix = f"q{question['id']}"
    flash(prefix)
    if left > 0:
        st.caption(n_("You can submit {n} more priority.", "You can submit {n} more priorities.", left).format(n=left))
        with st.form(f"{prefix}_submit"):
            st.text_input(_("Your priority"), max_chars=rules.TITLE_MAX, key=f"{prefix}_title")
            # A hint that stays visible and wraps: as a placeholder it was cut at 360 px in longer languages,
            # and it vanished at the first keystroke.
            st.caption(_("A short title, e.g. a training programme for city staff"))
            st.text_area(_("Details (optional)"), max_chars=rules.DETAILS_MAX, key=f"{prefix}_details", height=90)
            theme_by_id = {t["id"]: t["name"] for t in themes}
            # No theme until one is picked: the placeholder, with no clear button on an empty field.
            st.selectbox(_("Theme"), list(theme_by_id), index=None, placeholder="—", key=f"{prefix}_theme",
                         format_func=lambda i: _(theme_by_id[i]))
            st.form_submit_button(_("Submit"), type="primary", use_container_width=True,
                                  on_click=_submit, args=(participant["token"], question["id"], prefix))
    else:
        st.info(_("You have used all your submissions. You can still edit or withdraw them until voting starts."))
    for priority in own:
        render_own_priority(participant, priority, prefix)


def _submit(token: str, question_id: int, prefix: str) -> None:
    """Form callback: submit, then clear the form only when it worked."""
    db = get_db()
    state = st.session_state
    try:
        # A client may send only the fields it changed: missing ones are empty, never a crash.
        participation.submit_priority(db, participation.get_participant(db, token), question_id, state.get(f"{prefix}_title", ""),
                                  state.get(f"{prefix}_details", ""), state.get(f"{prefix}_theme"))
    except RuleError as exc:
        state[f"{prefix}_flash"] = ("error", exc)
        return
    # The whole form starts afresh: a theme left selected would silently go to the next priority.
    state[f"{prefix}_title"], state[f"{prefix}_details"], state[f"{prefix}_theme"] = "", "", None
    state[f"{prefix}_flash"] = ("success", None)


def flash(prefix: str) -> None:
    """Show the result of the last submit once."""
    kind, exc = st.session_state.pop(f"{prefix}_flash", (None, None))
    if kind == "error":
        show_error(exc)
    elif kind == "success":
        st.success(gettext()("Thank you! Your priority was added."), icon=":material/check_circle:")


def render_own_priority(participant: dict, priority: dict, prefix: str) -> None:
    """One of the participant's own submissions, with edit and withdraw."""
    _ = gettext()
    key = f"{prefix}_own_{priority['id']}"
    with st.container(border=True):
        st.text(priority["title"])
        if priority["state"] != "visible":
            st.caption(_("Changed by the facilitator."))
            return
        with st.expander(_("Edit or withdraw")):
            with st.form(f"{key}_form", border=False):
                title = st.text_input(_("Your priority"), value=priority["title"], max_chars=rules.TITLE_MAX)
                details = st.text_area(_("Details (optional)"), value=priority["details"], max_chars=rules.DETAILS_MAX)
                with st.container(horizontal=True):
                    save = st.form_submit_button(_("Save"), type="primary")
                    withdraw = st.form_submit_button(_("Withdraw"))
            if save or withdraw:
                change_own_priority(participant, priority, title, details, withdraw)


def change_own_priority(participant: dict, priority: dict, title: str, details: str, withdraw: bool) -> None:
    """Save or withdraw an own priority and show the outcome."""
    try:
        if withdraw:
            participation.withdraw_own_priority(get_db(), participant, priority["id"])
        else:
            participation.edit_own_priority(get_db(), participant, priority["id"], title, details, priority["theme_id"])
    except RuleError as exc:
        show_error(exc)
        return
    st.rerun()


# ---------------------------------------------------------------- voting

def render_ballot(participant: dict, workshop: dict, question: dict) -> None:
    """The ballot: one element drawn in the browser (BALLOT), which sends taps to /api/vote itself.

    The page sends the first view, so the ballot appears without a request; a tap never reruns
    the page. Outside voting the element draws nothing and only waits for the phase to change.
    """
    view = None
    if question["phase"] == "voting":
        view = ballots.ballot_view(question, participation.list_ballot(get_db(), question["id"], participant),
                                   session_language(workshop))
    BALLOT(key=f"ballot_{question['id']}", data={
        "question": question["id"], "token": participant["token"], "phase": question["phase"],
        "ballot": view, "endpoints": BALLOT_ENDPOINTS, "hide": f"st-key-{collecting_key(question['id'])}"})


# ---------------------------------------------------------------- results

def render_results(participant: dict, question: dict) -> None:
    """Ranked results as a compact list a 360 px phone can read; while voting the page's feed keeps it live."""
    _ = gettext()
    rows = results.phone_results(get_db(), question, participant["id"])
    if rows is None:
        return
    st.markdown("##### " + escape_markdown(_("Results")))
    RESULTS(key=f"results_{question['id']}", data={
        "question": question["id"], "rows": rows, "live": question["phase"] == "voting",
        "labels": {"results": _("Results"), "dots": _("Dots"), "mine": _("Your dots")},
    })
