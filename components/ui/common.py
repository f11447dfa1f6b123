"""Staff widgets every staff page shares: pick a workshop and a question, run an action, show its outcome.

Participant text appears only through st.text, st.dataframe or escape_markdown; pickers show ids.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from components import workshops
from components.rules import RuleError
from components.ui.session import get_db, gettext, show_error

WORKSHOP_KEY = "staff_workshop_id"
QUESTION_KEY = "staff_question_id"
FLASH_KEY = "staff_flash"
SECRET_KEY = "staff_secret"
# Streamlit's default caption grey (#828180) is 3.9:1 on white, below WCAG AA's 4.5:1; ours is 7:1.
ACCESSIBLE_CSS = """<style>
.stApp [data-testid="stCaptionContainer"] {color: #55575F; opacity: 1;}
</style>"""


def phase_label(phase: str) -> str:
    """Translate a phase name."""
    _ = gettext()
    return {"draft": _("Draft"), "collecting": _("Collecting priorities"), "voting": _("Voting"),
            "closed": _("Closed")}.get(phase, phase)


def visibility_label(visibility: str) -> str:
    """Translate a results visibility."""
    _ = gettext()
    return {"hidden": _("Results hidden"), "live": _("Results live"), "revealed": _("Results revealed")}.get(
        visibility, visibility)


def flash(message: str, kind: str = "success") -> None:
    """Remember a message to show once after the rerun."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show the last action's outcome once."""
    kind, message = st.session_state.pop(FLASH_KEY, (None, None))
    if kind:
        getattr(st, kind)(message, icon=":material/check_circle:" if kind == "success" else ":material/info:")


def run_action(action, *args, done: str, **kwargs):
    """Run a core action; show a rule's refusal, or remember success and rerun."""
    try:
        outcome = action(get_db(), *args, **kwargs)
    except RuleError as exc:
        show_error(exc)
        return None
    flash(done.format(**outcome) if isinstance(outcome, dict) else done)
    st.rerun()


def apply_accessible_css() -> None:
    """Darken Streamlit's captions to meet WCAG AA contrast (our own CSS, no user text)."""
    st.html(ACCESSIBLE_CSS)


def link_page(page: str, label: str, icon: str, **query: str) -> None:
    """Link to another staff page in this session; a page run on its own (tests) has no navigation to link to."""
    try:
        st.page_link(page, label=label, icon=icon, query_params=query or None)
    except StreamlitPageNotFoundError:
        pass


def pick_workshop(key: str) -> dict | None:
    """Choose the workshop to work on; the choice is shared by run, moderate, projector and set-up."""
    _ = gettext()
    apply_accessible_css()
    db = get_db()
    items = workshops.list_workshops(db)
    if not items:
        st.info(_("There is no workshop yet. Create one under Set up workshops."))
        return None
    by_id = {w["id"]: w for w in items}
    wanted = st.session_state.get(WORKSHOP_KEY)
    widget_key = follow_shared_choice(f"pick_workshop_{key}", WORKSHOP_KEY, wanted if wanted in by_id else items[0]["id"])
    chosen = st.selectbox(_("Workshop"), list(by_id), key=widget_key, on_change=remember_choice,
                          args=(widget_key, WORKSHOP_KEY),
                          format_func=lambda i: f"{by_id[i]['title']} · {by_id[i]['code']}")  # options are plain text
    return by_id[chosen]


def follow_shared_choice(widget_key: str, shared_key: str, value) -> str:
    """Make a picker show the shared choice (a new workshop, another page's pick), not its own old value."""
    # A keyed widget keeps its remembered value over `index`, so the value is set before it is drawn.
    st.session_state[shared_key] = value
    st.session_state[widget_key] = value
    return widget_key


def remember_choice(widget_key: str, shared_key: str) -> None:
    """Store what the person picked as the choice every page shares."""
    st.session_state[shared_key] = st.session_state[widget_key]


def pick_question(workshop: dict, key: str) -> dict | None:
    """Choose a question of the workshop (ids shown; the prompts are in the table above)."""
    _ = gettext()
    questions = workshops.list_questions(get_db(), workshop["id"])
    if not questions:
        st.info(_("This workshop has no question yet. Add one under Set up workshops."))
        return None
    by_id = {q["id"]: q for q in questions}
    wanted = st.session_state.get(QUESTION_KEY)
    if wanted not in by_id:
        wanted = workshops.current_question(questions)["id"]
    numbers = {q["id"]: n for n, q in enumerate(questions, start=1)}
    widget_key = follow_shared_choice(f"pick_question_{key}", QUESTION_KEY, wanted)
    chosen = st.selectbox(_("Question"), list(by_id), key=widget_key, on_change=remember_choice,
                          args=(widget_key, QUESTION_KEY),
                          format_func=lambda i: _("Question {n}: {phase}").format(n=numbers[i],
                                                                                   phase=phase_label(by_id[i]["phase"])))
    return by_id[chosen]
