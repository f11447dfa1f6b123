"""Set up workshops: create, edit, duplicate as a template; questions, themes, profile questions."""

from components.ui import session, setup

user = session.require_role("facilitator")
setup.render_page(user)
