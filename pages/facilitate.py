"""Run a workshop: phases, results visibility, countdown, live counters, join code and QR."""

from components.ui import session, facilitate

user = session.require_role("facilitator")
facilitate.render_page(user)
