"""The floor: the cheapest Streamlit page with one button, to compare our vote click against."""

import streamlit as st

st.session_state.setdefault("clicks", 0)
if st.button("+", key="floor_add"):
    st.session_state["clicks"] += 1
st.text(f"clicks: {st.session_state['clicks']}")
