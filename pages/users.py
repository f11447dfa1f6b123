"""Organisers manage staff accounts: add, reset a password (shown once), disable or enable."""

from components.ui import session, users

user = session.require_role("organiser")
users.render_page(user)
