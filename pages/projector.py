"""Projector: join code, QR and live wall / counters / chart for the room, at 1920×1080."""

import streamlit as st

from components.ui import projector as ui_projector, staff as ui_staff, session as widgets

user = widgets.require_role("facilitator")
theme = ui_projector.pick_theme()
ui_projector.apply_css(theme)
workshop_id = ui_projector.choose_workshop_id()
if workshop_id is None:
    workshop = ui_staff.pick_workshop("projector")
    workshop_id = workshop["id"] if workshop else None
if workshop_id is not None:
    raw_question = st.query_params.get("q")
    ui_projector.render_projector(workshop_id, int(raw_question) if raw_question and raw_question.isdigit() else None,
                                  theme)
ui_projector.render_chrome()
