"""Projector: join code, QR and live wall / counters / chart for the room, at 1920×1080."""

import streamlit as st

from components.ui import common, projector, session

user = session.require_role("facilitator")
theme = projector.pick_theme()
projector.apply_css(theme)
workshop_id = projector.choose_workshop_id()
if workshop_id is None:
    workshop = common.pick_workshop("projector")
    workshop_id = workshop["id"] if workshop else None
if workshop_id is not None:
    raw_question = st.query_params.get("q")
    projector.render_projector(workshop_id, int(raw_question) if raw_question and raw_question.isdigit() else None,
                               theme)  # the theme toggle sits under the join code
else:
    projector.render_chrome()
