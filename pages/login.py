"""Staff login for facilitators and organisers."""

import streamlit as st

from components import widgets

_ = widgets.gettext()
user = widgets.render_login()
if user is not None:
    st.success(_("You are logged in."))
    st.page_link("pages/facilitate.py", label=_("Run workshop"), icon="▶️")
