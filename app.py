"""Hub Workshop: routes each page view to the pages of the visitor's role, and each HTTP request.

`streamlit run app.py` imports this file once to find `app`, the web server: Streamlit's own routes
plus the app's (components/routes.py). Streamlit then runs it as __main__ for every page view.
"""

import streamlit as st

from components import phone_routes, routes

if __name__ == "__main__":
    from components.ui import navigation

    navigation.route_visitor()
else:
    from components.ui import live

    routes.session_counter = live.count_sessions  # /healthz reports this process's tabs
    app = st.App("app.py", routes=routes.ROUTES + phone_routes.ROUTES, middleware=routes.MIDDLEWARE)
