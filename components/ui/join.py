"""Joining: the join code, then name and profile; a browser that joined before gets its participant back."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import streamlit as st

from components import participation, rules, seats, workshops
from components.rules import RuleError
from components.text import escape_label, escape_markdown, inline_code
from components.ui.session import get_db, gettext, render_language_picker, show_error, translate_error

NO_ANSWER = ""
STATIC = Path(__file__).parent / "static"
# Remembers this browser's participant: Streamlit can read cookies but not set them.
REMEMBER = st.components.v2.component("hub_remember", html="", js=(STATIC / "remember.js").read_text(encoding="utf-8"))

# The caption colour: Streamlit's default grey is 3.9:1 on white, below WCAG AA's 4.5:1.
PHONE_CSS = """<style>
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] p {color: #55575F; opacity: 1;}
.stApp [data-testid="stHeaderActionElements"] {display: none;}
</style>"""


# ---------------------------------------------------------------- join

def render_join(prefill_code: str | None) -> None:
    """Two small steps: the code, then name and profile for that workshop."""
    _ = gettext()
    st.html(PHONE_CSS)
    render_language_picker()
    st.title(_("Join the workshop"))
    code = st.session_state.get("join_code") or prefill_code
    workshop = workshops.find_workshop_by_code(get_db(), code) if code else None
    if workshop is None or workshop["status"] != "open":
        if code:  # ended and unknown codes read the same: the page must not confirm which codes exist
            # A code span, not escaping: escaped "http://…" would still become a link.
            st.error(_("No workshop has the code {code}. Please check it and try again.").format(
                code=inline_code(rules.normalise_code(code))), icon=":material/warning:")
        with st.form("join_code_form"):
            typed = st.text_input(_("Join code"), max_chars=12, placeholder="ABC234",
                                  help=_("The code is on the screen at the front of the room."))
            if st.form_submit_button(_("Continue"), type="primary", use_container_width=True) and allow_join_attempt():
                st.session_state["join_code"] = rules.normalise_code(typed)
                st.rerun()
        return
    returning = remembered_participant(workshop, st.context.cookies.get(rules.remembered_participant_cookie(workshop["id"])))
    if returning is not None:  # this browser has joined before: the same participant, the same budget
        return_to(returning)
        st.rerun()
    # A tab opened before another tab of this browser joined: the browser reports the new cookie. After
    # "I am someone else" the same element first forgets the cookie of the person who handed the phone on.
    REMEMBER(key="recall_participant", data={"name": rules.remembered_participant_cookie(workshop["id"]), "watch": True,
                                             "forget": forgotten_token(workshop["id"])},
             on_found_change=functools.partial(_recall, workshop["id"]))
    seat_code = st.session_state.get("join_seat") or rules.normalise_seat_code(st.query_params.get("seat"))
    problem = seats.seat_problem(get_db(), workshop, seat_code)
    if problem is not None:
        render_seat_step(workshop, problem)
        return
    seat = seats.find_seat(get_db(), workshop["id"], seat_code) if workshop["seat_mode"] != "open" else None
    if seat is not None and seat["participant_id"] is not None:
        render_continue_seat(workshop, seat_code)
        return
    render_profile_form(workshop, seat)


def forgotten_token(workshop_id: int) -> str:
    """The participant this session handed the phone on from ("I am someone else"), or ''."""
    return st.session_state.get("forgotten_participants", {}).get(workshop_id, "")


def remembered_participant(workshop: dict, token) -> dict | None:
    """The participant this browser's cookie names for this workshop, if the token is real (and not handed on)."""
    if not isinstance(token, str) or len(token) >= 100 or token == forgotten_token(workshop["id"]):
        return None
    participant = participation.get_participant(get_db(), token)
    return participant if participant is not None and participant["workshop_id"] == workshop["id"] else None


def show_join_error(exc: RuleError, workshop: dict) -> None:
    """A refusal; a seat code the person typed or the URL carried is shown as a code span, never as markup."""
    st.error(translate_error(exc, workshop, escape=inline_code if "code" in exc.params else escape_markdown),
             icon=":material/warning:")


def render_seat_step(workshop: dict, problem: RuleError) -> None:
    """Why this browser cannot join yet (closed, full, no seat, a used or voided seat) and, in a seat mode,
    a field for the seat code printed on the card."""
    _ = gettext(workshop)
    st.subheader(escape_markdown(workshop["title"]))
    if problem.msgid.startswith(("This workshop needs a seat code", "This workshop is for registered")):
        st.info(translate_error(problem, workshop), icon=":material/badge:")
    else:
        show_join_error(problem, workshop)
    if workshop["seat_mode"] == "open":
        return
    with st.form("seat_form"):
        typed = st.text_input(_("Seat code"), max_chars=rules.SEAT_PARAM_MAX, placeholder="K7QX-4M2P")
        if st.form_submit_button(_("Continue"), type="primary", use_container_width=True) and allow_join_attempt():
            st.session_state["join_seat"] = rules.normalise_seat_code(typed)
            st.rerun()


def render_continue_seat(workshop: dict, seat_code: str) -> None:
    """A reissued seat: it continues its participant (same dots, same budget) on this phone."""
    _ = gettext(workshop)
    st.subheader(escape_markdown(workshop["title"]))
    st.info(_("This seat was reissued to you: you continue where its holder left off, with the same dots."))
    if st.button(_("Continue"), type="primary", use_container_width=True, key="continue_seat") and allow_join_attempt():
        finish_join(workshop, None, None, seat_code)


def return_to(participant: dict) -> None:
    """Open this participant's page in this session (the join path found them)."""
    st.session_state.pop("join_code", None)
    st.session_state["joined_here"] = participant["token"]
    st.query_params.clear()
    st.query_params["t"] = participant["token"]


def _recall(workshop_id: int) -> None:
    """Callback: another tab of this browser joined meanwhile; continue as that participant."""
    token = (st.session_state.get("recall_participant") or {}).get("found")
    returning = remembered_participant(workshops.get_workshop(get_db(), workshop_id), token)
    if returning is not None:
        return_to(returning)


def remember_participant(participant: dict) -> None:
    """Write the participant's token into a first-party cookie of this browser (once per page)."""
    REMEMBER(key="remember_participant", data={
        "name": rules.remembered_participant_cookie(participant["workshop_id"]), "value": participant["token"],
        "seconds": rules.REMEMBER_PARTICIPANT_DAYS * 86400,
        # Only a participant found through this browser's join path may replace another's cookie.
        "replace": st.session_state.get("joined_here") == participant["token"]})


def render_profile_form(workshop: dict, seat: dict | None = None) -> None:
    """Ask for an optional name and the workshop's profile questions (pre-filled from a registration), then join."""
    st.session_state["workshop_language"] = workshop["language"]
    _ = gettext(workshop)
    st.subheader(escape_markdown(workshop["title"]))
    questions = workshops.list_profile_questions(get_db(), workshop["id"])
    prefill = json.loads(seat["profile"]) if seat is not None else {}
    with st.form("join_form"):
        if seat is not None:  # the code alphabet only: safe inside inline code
            st.caption(_("Seat {n}").format(n=seat["number"]) + " · " + inline_code(seats.format_seat_code(seat["code"])))
        label = _("Your name (optional)") if workshop["allow_anonymous"] else _("Your name")
        name = st.text_input(label, max_chars=rules.NAME_MAX)
        answers = {}
        for pq in questions:
            caption = _(pq["label"]) + " " + (_("(required)") if pq["required"] else _("(optional)"))
            options = [NO_ANSWER] + pq["options"]
            answers[pq["key"]] = st.selectbox(escape_label(caption), options, format_func=lambda v: _(v) if v else "—",
                                              index=options.index(prefill[pq["key"]]) if prefill.get(pq["key"]) in options
                                              else 0, key=f"profile_{pq['key']}")
        joined = st.form_submit_button(_("Join"), type="primary", use_container_width=True)
    if joined and allow_join_attempt():
        finish_join(workshop, name, answers, seat["code"] if seat is not None else None)


def finish_join(workshop: dict, name: str | None, answers: dict | None, seat_code: str | None) -> None:
    """Join (the core checks the switch, the cap and the seat once more, atomically) and open the workshop."""
    try:
        participant = participation.join_workshop(get_db(), workshop["code"], name, answers,
                                                  st.session_state.get("language"), seat_code=seat_code)
    except RuleError as exc:
        show_join_error(exc, workshop)
        return
    st.session_state.pop("join_seat", None)
    return_to(participant)
    st.session_state["participant_token"] = participant["token"]
    st.rerun()


def render_someone_else(participant: dict, workshop: dict) -> None:
    """On a shared phone, where the facilitator allows it: hand the phone on and let the next person join."""
    if not workshop["allow_shared_device"] or workshop["status"] != "open":
        return  # forbidden (the default): the browser keeps its participant
    _ = gettext(workshop)
    st.button(_("I am someone else"), key="someone_else", icon=":material/switch_account:",
              on_click=_hand_on, args=(participant["workshop_id"], participant["token"]))
    st.caption(_("Sharing this phone? The next person taps here to join as themselves."))


def _hand_on(workshop_id: int, token: str) -> None:
    """Callback: forget this browser's participant for the workshop and show the join form."""
    workshop = workshops.get_workshop(get_db(), workshop_id)
    try:
        rules.check_shared_device(workshop)  # asked again: the setting may have changed since the page was drawn
    except RuleError:
        return
    st.session_state.setdefault("forgotten_participants", {})[workshop_id] = token
    for key in ("participant_token", "joined_here", "join_code", "join_seat"):
        st.session_state.pop(key, None)
    st.query_params.clear()
    st.query_params["code"] = workshop["code"]


def allow_join_attempt() -> bool:
    """Count a code or join submission of this session; past the limit say so and refuse (slows guessing)."""
    now = time.monotonic()
    recent = [moment for moment in st.session_state.get("join_attempts", ()) if now - moment < rules.JOIN_WINDOW_SECONDS]
    try:
        rules.check_join_rate(len(recent))
    except RuleError as exc:
        show_error(exc)
        return False
    st.session_state["join_attempts"] = recent + [now]
    return True
