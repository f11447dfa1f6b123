"""Staff login for facilitators and organisers."""

from __future__ import annotations

import streamlit as st

from components.ui.common import link_page
from components.ui.session import gettext, render_login


def render_page() -> None:
    """The login form; once logged in, links to the staff pages."""
    _ = gettext()
    user = render_login()
    if user is not None:
        st.success(_("You are logged in."))
        link_page("pages/facilitate.py", _("Run workshop"), ":material/play_circle:")
        link_page("pages/projector.py", _("Projector"), ":material/tv:")
