"""Organiser page (being built)."""

import streamlit as st

from components import widgets

user = widgets.require_role("organiser")
st.title("results")
