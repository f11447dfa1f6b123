"""Run a workshop: phases, results visibility, countdown, live counters, join code and QR."""

import streamlit as st

from components.ui import staff as ui_staff, session as widgets
from components.text import escape_markdown

user = widgets.require_role("facilitator")
_ = widgets.gettext()
st.title(_("Run workshop"))
ui_staff.show_flash()
workshop = ui_staff.pick_workshop("facilitate")
if workshop is None:
    st.stop()
ui_staff.render_join_panel(workshop)
ui_staff.link_page("pages/projector.py", _("Open the projector screen"), ":material/tv:", w=str(workshop["id"]), theme="dark")
ui_staff.render_questions_table(workshop)
question = ui_staff.pick_question(workshop, "facilitate")
if question is None:
    st.stop()
with st.container(border=True):
    st.markdown("### " + escape_markdown(question["prompt"]))
    ui_staff.render_phase_controls(user, question)
ui_staff.render_live_counters(question["id"])
