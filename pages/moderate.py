"""Moderate a question: hide, edit, merge duplicates, add for the room, record paper ballots."""

from components.ui import session, moderate

user = session.require_role("facilitator")
moderate.render_page(user)
