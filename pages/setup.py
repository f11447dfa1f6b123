"""Set up workshops: create, edit, duplicate as a template; questions, themes, profile questions."""

import streamlit as st

from components.ui import staff as ui_staff, session as widgets

user = widgets.require_role("facilitator")
_ = widgets.gettext()
st.title(_("Set up workshops"))
ui_staff.show_flash()
ui_staff.render_create_workshop(user)
workshop = ui_staff.pick_workshop("setup")
if workshop is None:
    st.stop()
settings, questions, themes, profile, copy, log = st.tabs(
    [_("Settings"), _("Questions"), _("Themes"), _("Profile questions"), _("Duplicate"), _("Audit log")])
with settings:
    ui_staff.render_workshop_settings(user, workshop)
with questions:
    ui_staff.render_questions_setup(user, workshop)
with themes:
    ui_staff.render_themes_editor(user, workshop)
with profile:
    ui_staff.render_profile_editor(user, workshop)
with copy:
    ui_staff.render_duplicate(user, workshop)
with log:
    ui_staff.render_audit(workshop)
