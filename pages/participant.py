"""Participant page: join by code or link, submit priorities, place dots, see results."""

import streamlit as st

from components.ui import participant as ui_participant, session as widgets

participant = widgets.current_participant()
if participant is None:
    ui_participant.render_join(st.query_params.get("code"))
else:
    ui_participant.render_workshop(participant)
