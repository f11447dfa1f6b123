"""The Run page's part of who joins: the joining switch, close-on-voting, joins in the last minute and warnings.

Facilitate.py calls render_join_controls beside the join code and render_join_watch inside its live room panel.
"""

from __future__ import annotations

import streamlit as st

from components import admission, workshops
from components.rules import RuleError
from components.ui.common import flash
from components.ui.session import get_db, gettext, translate_error


def render_join_controls(user: dict, workshop: dict) -> None:
    """Joining open or closed, and 'close joining when voting opens', one click each."""
    _ = gettext()
    if workshop["status"] != "open":
        return
    wid = workshop["id"]
    with st.container(horizontal=True, key="join_controls"):
        for field, label, widget in (("joining_open", _("Joining open"), st.toggle),
                                     ("close_joining_on_voting", _("Close joining when voting opens"), st.checkbox)):
            key = f"{field}_{wid}"
            st.session_state[key] = bool(workshop[field])  # the database's value, also after another tab changed it
            widget(label, key=key, on_change=_switch, args=(wid, field, key, user["username"]))


def _switch(workshop_id: int, field: str, key: str, actor: str) -> None:
    """Callback: store the switch; a refusal (e.g. the workshop has ended) is shown after the rerun."""
    try:
        admission.update_join_settings(get_db(), workshop_id, actor, **{field: st.session_state[key]})
    except RuleError as exc:
        flash(translate_error(exc), "error")


def render_join_watch(workshop_id: int, room: dict) -> None:
    """Inside the live room panel: joins in the last minute, and a warning at the cap or on a spike."""
    _ = gettext()
    workshop = workshops.get_workshop(get_db(), workshop_id)
    if workshop is None:
        return
    cap = workshop["participant_cap"]
    with st.container(horizontal=True, key="join_watch"):
        st.metric(_("Joined in the last minute"), room["joined_last_minute"], border=True)
        if cap is not None:
            st.metric(_("Participant cap"), cap, border=True)
    texts = {
        "cap_reached": _("The participant cap ({cap}) is reached: new joins are refused.").format(cap=cap),
        "over_cap": _("More people joined ({joined}) than the cap allows ({cap}).").format(joined=room["joined"], cap=cap),
        "spike": _("Joins in the last minute: {n}. If the room is not just arriving, one person may be joining many "
                   "times: close joining or use seats.").format(n=room["joined_last_minute"]),
    }
    for warning in admission.list_join_warnings(workshop, room["joined"], room["joined_last_minute"]):
        st.warning(texts[warning], icon=":material/warning:")
