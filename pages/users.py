"""Organisers manage staff accounts: add, reset a password (shown once), disable or enable."""

import streamlit as st

from components.ui import staff as ui_staff, session as widgets

user = widgets.require_role("organiser")
_ = widgets.gettext()
st.title(_("Users"))
ui_staff.show_flash()
ui_staff.show_secret()
ui_staff.render_users_table()
add_tab, manage_tab = st.tabs([_("Add a user"), _("Reset or disable")])
with add_tab:
    ui_staff.render_add_user(user)
with manage_tab:
    ui_staff.render_manage_user(user)
