"""Routes each visitor to the pages of their role (the whole of every page view's first steps)."""

import streamlit as st

from components.ui import session


def route_visitor() -> None:
    """Build this visitor's navigation (participant, facilitator, organiser) and run the chosen page."""
    st.set_page_config(page_title="Hub Workshop", page_icon="🗳️")

    user = session.current_staff()
    _ = session.gettext()
    # Join links (?code=) and participant links (?t=) open the participant page, even for staff.
    participant_first = user is None or "code" in st.query_params or "t" in st.query_params

    participant_page = st.Page("pages/participant.py", title=_("Join & vote"), icon=":material/how_to_vote:",
                               default=participant_first)
    run_page = st.Page("pages/facilitate.py", title=_("Run workshop"), icon=":material/play_circle:",
                       default=not participant_first)
    results_page = st.Page("pages/results.py", title=_("Results & exports"), icon=":material/bar_chart:")
    staff_pages = {
        "facilitator": [
            run_page,
            st.Page("pages/moderate.py", title=_("Moderate"), icon=":material/rule:"),
            st.Page("pages/projector.py", title=_("Projector"), icon=":material/tv:"),
            st.Page("pages/setup.py", title=_("Set up workshops"), icon=":material/settings:"),
        ],
        "organiser": [
            results_page,
            st.Page("pages/users.py", title=_("Users"), icon=":material/group:"),
        ],
    }

    if user is None:
        pages = {"": [participant_page, st.Page("pages/login.py", title=_("Staff login"), icon=":material/login:")]}
    else:
        # The login page stays routable so the rerun right after logging in lands on it, not on "page not found".
        account = st.Page("pages/login.py", title=_("Account"), icon=":material/account_circle:")
        pages = {_("Workshop"): staff_pages["facilitator"], _("Participant view"): [participant_page, account]}
        if session.has_role(user, "organiser"):
            pages[_("Organiser")] = staff_pages["organiser"]

    # Participants see no navigation and no sidebar: staff open the login page by its own address (/login).
    navigation = st.navigation(pages, position="hidden" if user is None else "sidebar")
    # One layout call per run, here: when a page set "wide" after a "centered" here, the browser applied both in
    # one render and kept "centered", so the results page turned narrow after its first click. The chosen page is
    # compared by identity: the default page's url_path is "" (the Run page is a facilitator's default).
    wide = any(navigation is page for page in (run_page, results_page))  # tables and side-by-side panels
    st.set_page_config(layout="wide" if wide else "centered")
    session.render_sidebar(user)
    navigation.run()
