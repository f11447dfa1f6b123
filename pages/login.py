"""Staff login for facilitators and organisers."""

import streamlit as st

from components.ui import staff as ui_staff, session as widgets

_ = widgets.gettext()
user = widgets.render_login()
if user is not None:
    st.success(_("You are logged in."))
    ui_staff.link_page("pages/facilitate.py", _("Run workshop"), ":material/play_circle:")
    ui_staff.link_page("pages/projector.py", _("Projector"), ":material/tv:")
