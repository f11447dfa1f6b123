"""Joining: the join code, then name and profile; a browser that joined before gets its participant back."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import streamlit as st

from components import participation, rules, workshops
from components.rules import RuleError
from components.text import escape_label, escape_markdown, inline_code
from components.ui.session import get_db, gettext, render_language_picker, show_error

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
    # A tab opened before another tab of this browser joined: the browser reports the new cookie.
    REMEMBER(key="recall_participant", data={"name": rules.remembered_participant_cookie(workshop["id"]), "watch": True},
             on_found_change=functools.partial(_recall, workshop["id"]))
    render_profile_form(workshop)


def remembered_participant(workshop: dict, token) -> dict | None:
    """The participant this browser's cookie names for this workshop, if the token is real."""
    participant = participation.get_participant(get_db(), token) if isinstance(token, str) and len(token) < 100 else None
    return participant if participant is not None and participant["workshop_id"] == workshop["id"] else None


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


def render_profile_form(workshop: dict) -> None:
    """Ask for an optional name and the workshop's profile questions, then join."""
    st.session_state["workshop_language"] = workshop["language"]
    _ = gettext(workshop)
    st.subheader(escape_markdown(workshop["title"]))
    questions = workshops.list_profile_questions(get_db(), workshop["id"])
    with st.form("join_form"):
        label = _("Your name (optional)") if workshop["allow_anonymous"] else _("Your name")
        name = st.text_input(label, max_chars=rules.NAME_MAX)
        answers = {}
        for pq in questions:
            caption = _(pq["label"]) + " " + (_("(required)") if pq["required"] else _("(optional)"))
            answers[pq["key"]] = st.selectbox(escape_label(caption), [NO_ANSWER] + pq["options"],
                                              format_func=lambda v: _(v) if v else "—", key=f"profile_{pq['key']}")
        joined = st.form_submit_button(_("Join"), type="primary", use_container_width=True)
    if joined and allow_join_attempt():
        try:
            participant = participation.join_workshop(get_db(), workshop["code"], name, answers,
                                                  st.session_state.get("language"))
        except RuleError as exc:
            show_error(exc, workshop)
            return
        return_to(participant)
        st.session_state["participant_token"] = participant["token"]
        st.rerun()


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
