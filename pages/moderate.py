"""Facilitator page (being built)."""

import streamlit as st

from components import widgets

user = widgets.require_role("facilitator")
st.title("moderate")
