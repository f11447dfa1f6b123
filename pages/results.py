"""Organiser page: results, segments, fairness, robustness, representation, across workshops, exports, retention."""

import streamlit as st

from components.ui import representation, results, robustness, session

user = session.require_role("organiser")
_ = session.gettext()
st.title(_("Results & exports"))

workshop = results.pick_workshop()
if workshop is None:
    st.stop()
min_group, include_names = results.pick_settings()

tabs = st.tabs([_("Results"), _("Segments"), _("Fairness"), _("Robustness"), _("Representation"), _("Across workshops"),
                _("Exports"), _("Retention")])
with tabs[0]:
    data = results.pick_question(workshop)
    if data is not None:
        results.render_results(workshop, data, min_group)
with tabs[1]:
    if data is not None:
        results.render_segments(workshop, data, min_group)
with tabs[2]:
    if data is not None:
        results.render_fairness(data, min_group)
with tabs[3]:
    if data is not None:
        robustness.render_robustness(data, min_group)
with tabs[4]:
    if data is not None:
        representation.render_representation(workshop, data, min_group, user)
with tabs[5]:
    results.render_cross(user, min_group)
with tabs[6]:
    results.render_exports(workshop, user, min_group, include_names, top=robustness.chosen_top(),
                           margin=representation.chosen_margin())
with tabs[7]:
    results.render_retention(workshop, user)
