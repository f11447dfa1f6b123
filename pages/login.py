"""Staff login for facilitators and organisers."""

from components.ui import login

login.render_page()
