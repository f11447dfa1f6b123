"""Moderate a question: hide, edit, merge duplicates, add for the room, record paper ballots."""

import streamlit as st

from components import facilitation, workshops
from components.ui import staff as ui_staff, session as widgets
from components.text import escape_markdown

user = widgets.require_role("facilitator")
_ = widgets.gettext()
st.title(_("Moderate"))
ui_staff.show_flash()
workshop = ui_staff.pick_workshop("moderate")
if workshop is None:
    st.stop()
question = ui_staff.pick_question(workshop, "moderate")
if question is None:
    st.stop()
db = widgets.get_db()
st.markdown("### " + escape_markdown(question["prompt"]))
items = facilitation.list_priorities_for_moderation(db, question["id"])
themes = workshops.list_themes(db, workshop["id"])
ui_staff.render_priority_table(items)
hide_tab, merge_tab, room_tab, paper_tab = st.tabs(
    [_("Hide or edit"), _("Merge duplicates"), _("Add for the room"), _("Paper ballot")])
with hide_tab:
    ui_staff.render_hide_and_edit(user, question, items, themes)
with merge_tab:
    ui_staff.render_merge(user, question, items)
with room_tab:
    ui_staff.render_add_for_room(user, question, themes)
with paper_tab:
    ui_staff.render_paper_ballot(user, question, items)
