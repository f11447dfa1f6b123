"""Hub Workshop: routes each visitor to the pages of their role."""

import streamlit as st

from components import widgets

st.set_page_config(page_title="Hub Workshop", page_icon="🗳️", layout="centered")

user = widgets.current_staff()
_ = widgets.gettext()

participant_pages = [st.Page("pages/participant.py", title=_("Join & vote"), icon="🗳️", default=True)]
staff_pages = {
    "facilitator": [
        st.Page("pages/facilitate.py", title=_("Run workshop"), icon="▶️"),
        st.Page("pages/moderate.py", title=_("Moderate"), icon="🧹"),
        st.Page("pages/projector.py", title=_("Projector"), icon="📽️"),
        st.Page("pages/setup.py", title=_("Set up workshops"), icon="🛠️"),
    ],
    "organiser": [
        st.Page("pages/results.py", title=_("Results & exports"), icon="📊"),
        st.Page("pages/users.py", title=_("Users"), icon="👥"),
    ],
}

if user is None:
    pages = {"": participant_pages + [st.Page("pages/login.py", title=_("Staff login"), icon="🔑")]}
else:
    pages = {_("Workshop"): staff_pages["facilitator"], _("Participant view"): participant_pages}
    if widgets.has_role(user, "organiser"):
        pages[_("Organiser")] = staff_pages["organiser"]

navigation = st.navigation(pages)
widgets.render_sidebar(user)
navigation.run()
