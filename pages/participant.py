"""Participant page: join by code or link, submit priorities, place dots, see results."""

import streamlit as st

from components.ui import join, participant, session

joined = session.current_participant()
if joined is None:
    join.render_join(st.query_params.get("code"))
else:
    participant.render_workshop(joined)
