"""Shared Streamlit widgets: connection, language, who is here, role gates, sidebar."""

from __future__ import annotations

import time
from datetime import timedelta

import streamlit as st
from streamlit.errors import StreamlitAPIException

from components import auth, i18n, participation, rules, storage
from components.rules import RuleError
from components.text import escape_markdown

LOGIN_PAGE = "pages/login.py"
ROLE_RANK = {"facilitator": 1, "organiser": 2}
AUTH_COOKIE = "hub_workshop_auth"
AUTH_COOKIE_DAYS = 1.0
LOGIN_REFUSAL = "login_refusal"  # set by route_password_checks for this run's form


def leave_pages_directory_mode() -> None:
    """Make app.py's st.navigation the only router, even when a server's first request is a sub-page.

    Streamlit 1.67 starts in its old pages/ folder mode until some run calls st.navigation; a first
    request to /login would run that page alone with every file of pages/ listed in the sidebar.
    Called at the top of every page (through the role gates), never at import: a rerun raised
    during an import would leave the module half-imported for concurrent sessions.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def get_db():
    """Return this rerun's database connection (a new thread per rerun, so a new connection)."""
    return storage.thread_db()


# ---------------------------------------------------------------- language

def session_language(workshop: dict | None = None) -> str:
    """Return the language for this session: chosen, browser's, workshop's, then English."""
    # The whole Accept-Language list (a phone may put English first and Czech second), then the
    # language the browser reports to the page.
    browser = ",".join(filter(None, [st.context.headers.get("Accept-Language"), getattr(st.context, "locale", None)]))
    browser = browser[:rules.LANGUAGE_HEADER_MAX]  # what the client sends is unbounded; the cache key is not
    # Fragments rerun without the workshop at hand: remember its language for them.
    workshop_language = (workshop or {}).get("language") or st.session_state.get("workshop_language")
    return i18n.pick_language(st.session_state.get("language"), workshop_language, browser)


def gettext(workshop: dict | None = None):
    """Return the gettext function for this session's language."""
    return i18n.translator(session_language(workshop)).gettext


def ngettext(workshop: dict | None = None):
    """Return the ngettext function for this session's language."""
    return i18n.translator(session_language(workshop)).ngettext


def render_language_picker(participant: dict | None = None, workshop: dict | None = None, where=st,
                           key: str = "language_choice") -> str:
    """Let anyone pick the interface language; remember it with the participant."""
    codes = list(i18n.available_languages())
    # Always show the language in use (set before the widget is drawn), so any other entry is a change.
    st.session_state[key] = session_language(workshop)
    where.selectbox("🌐 " + gettext(workshop)("Language"), codes, key=key, format_func=i18n.language_name,
                    label_visibility="collapsed", on_change=_remember_language,
                    args=(key, participant["id"] if participant else None))
    return st.session_state[key]


def _remember_language(key: str, participant_id: int | None) -> None:
    """Picker callback: use the new language now and store it with the participant."""
    st.session_state["language"] = st.session_state[key]
    if participant_id is not None:
        participation.set_participant_language(get_db(), participant_id, st.session_state[key])


def translate_error(exc: RuleError, workshop: dict | None = None, escape=None) -> str:
    """A rule's refusal in the session's language."""
    return i18n.translate_error(exc, session_language(workshop), escape=escape)


def show_error(exc: RuleError, workshop: dict | None = None) -> None:
    """Show a rule's refusal in the session's language."""
    st.error(translate_error(exc, workshop, escape=escape_markdown), icon=":material/warning:")


# ---------------------------------------------------------------- participants

def current_participant() -> dict | None:
    """Return the participant whose token is in the URL (or this session), or None."""
    leave_pages_directory_mode()
    token = st.query_params.get("t") or st.session_state.get("participant_token")
    participant = participation.get_participant(get_db(), token)
    if participant is None:
        return None
    st.session_state["participant_token"] = token
    if st.query_params.get("t") != token:
        st.query_params["t"] = token
    if "language" not in st.session_state and participant.get("language"):
        st.session_state["language"] = participant["language"]
    return participant


# ---------------------------------------------------------------- staff

def current_staff() -> dict | None:
    """Return the logged-in, enabled staff user, re-read from the database on every run."""
    if not st.session_state.get("authentication_status"):
        return login_from_cookie()
    user = auth.get_user(get_db(), st.session_state.get("username"))
    if user is None or user["disabled"] or not auth.session_is_current(user, st.session_state.get("logged_in_at")):
        return None
    return user


def login_from_cookie() -> dict | None:
    """Honour the signed login cookie in a new tab without loading the (slow) authenticator."""
    if st.session_state.get("logout"):
        return None
    cookie = read_cookie()
    user = auth.get_user(get_db(), cookie[0]) if cookie else None
    # Wrong passwords slow down password checks, never a signed cookie: a stranger at the login form must
    # not log the projector tab out mid-workshop.
    if user is None or user["disabled"] or not auth.session_is_current(user, cookie[1]):
        return None
    st.session_state.update(authentication_status=True, username=user["username"], name=user["name"],
                            roles=[user["role"]], login_recorded=True, logged_in_at=cookie[1])
    return user


def read_cookie() -> tuple[str, float] | None:
    """Return (username, issued-at) from this browser's login cookie, if it is valid."""
    token = st.context.cookies.get(AUTH_COOKIE)
    if not token:
        return None  # participants: no key file read on their reruns
    return auth.read_auth_cookie(token, auth.load_cookie_key(), lifetime=timedelta(days=AUTH_COOKIE_DAYS))


def has_role(user: dict | None, role: str) -> bool:
    """Organisers can do everything facilitators can."""
    return user is not None and ROLE_RANK.get(user["role"], 0) >= ROLE_RANK[role]


def require_role(role: str) -> dict:
    """Stop the page with a login prompt unless a staff user with this role is logged in."""
    leave_pages_directory_mode()
    user = current_staff()
    if has_role(user, role):
        return user
    _ = gettext()
    if user is None:
        st.info(_("Please log in as a facilitator or organiser to open this page."))
    else:
        st.warning(_("This page is for organisers."))
    link_to_login(_("Staff login"))
    st.stop()


def recheck_role(role: str) -> None:
    """In a repeating staff fragment: once the login has ended (logout, disable, reset), redraw the page,
    which then shows the login prompt instead of streaming live data."""
    if not has_role(current_staff(), role):
        st.rerun(scope="app")


def link_to_login(label: str) -> None:
    """Link to the login page, also when this page was opened outside the navigation."""
    try:
        st.page_link(LOGIN_PAGE, label=label, icon=":material/login:")
    except StreamlitAPIException:
        st.markdown(f"[{label}](./login)")


def build_authenticator():
    """Build streamlit-authenticator from the users table (staff pages only: it is slow)."""
    import streamlit_authenticator as stauth

    credentials = auth.build_credentials(get_db())
    authenticator = stauth.Authenticate(credentials, cookie_name=AUTH_COOKIE, cookie_key=auth.load_cookie_key(),
                                        cookie_expiry_days=AUTH_COOKIE_DAYS, auto_hash=False)
    route_password_checks(authenticator)
    return authenticator, credentials


def route_password_checks(authenticator) -> None:
    """Let auth.check_login decide every password the form sends: the attempt is reserved in the database
    before bcrypt runs, and a slowed-down username is refused without a check (the library's own counter
    lives in one session's memory and checks first)."""
    model = authenticator.authentication_controller.authentication_model

    def check_credentials(username: str, password: str) -> bool:
        try:
            return auth.check_login(get_db(), username, password)
        except RuleError as exc:
            st.session_state[LOGIN_REFUSAL] = exc
            return False
    model.check_credentials = check_credentials


def render_login() -> dict | None:
    """Show the login form (passwords checked by auth.check_login) and return the user once logged in."""
    leave_pages_directory_mode()
    _ = gettext()
    db = get_db()
    cookie = read_cookie()
    if cookie and not session_is_fresh_cookie(cookie):
        st.session_state["logout"] = True  # the library would otherwise log in with a cookie from before a logout
    authenticator, _credentials = build_authenticator()
    fields = {"Form name": _("Staff login"), "Username": _("Username"), "Password": _("Password"),
              "Login": _("Log in")}
    st.session_state.pop(LOGIN_REFUSAL, None)
    try:
        authenticator.login(location="main", fields=fields)
    except Exception:  # the library raises for a cookie of a removed user; treat as logged out
        st.session_state["authentication_status"] = None
    refusal = st.session_state.pop(LOGIN_REFUSAL, None)
    if refusal is not None:
        st.error(translate_error(refusal, escape=escape_markdown), icon=":material/hourglass_top:")
    elif st.session_state.get("authentication_status") is False:
        st.error(_("Username or password is incorrect."), icon=":material/warning:")
    if st.session_state.get("authentication_status") and not st.session_state.get("login_recorded"):
        st.session_state["logged_in_at"] = time.time()
    user = current_staff()
    if user and not st.session_state.get("login_recorded"):
        auth.record_login(db, user["username"])
        st.session_state.update(login_recorded=True, logout=False)
        reroute_after_cookie()
    return user


def session_is_fresh_cookie(cookie: tuple[str, float]) -> bool:
    """True when the cookie's user has not logged out since it was issued."""
    user = auth.get_user(get_db(), cookie[0])
    return user is not None and auth.session_is_current(user, cookie[1])


@st.fragment(run_every=0.8)
def reroute_after_cookie() -> None:
    """Rebuild the navigation for the new role a moment after login.

    An immediate rerun would cancel the run that mounts the login cookie in the browser, and a
    later tab (the projector) would then find no cookie.
    """
    if st.session_state.pop("cookie_mounted", False):
        st.rerun(scope="app")
    st.session_state["cookie_mounted"] = True


def logout() -> None:
    """Log out everywhere: forget the session, invalidate older cookies, delete this browser's cookie."""
    user = current_staff()
    if user:
        auth.record_logout(get_db(), user["username"])
    authenticator, _credentials = build_authenticator()
    try:
        authenticator.logout(location="unrendered")
    except Exception:  # already logged out in the library's eyes
        pass
    for key in ("authentication_status", "username", "name", "roles", "login_recorded", "logged_in_at"):
        st.session_state.pop(key, None)
    st.session_state["logout"] = True


def role_label(role: str) -> str:
    """Translate a role name."""
    _ = gettext()
    return {"facilitator": _("facilitator"), "organiser": _("organiser")}.get(role, role)


def render_sidebar(user: dict | None) -> None:
    """Draw the staff sidebar: language, who is logged in, logout."""
    _ = gettext()
    if user is None:
        return  # participants pick their language on their own page, not in a hidden sidebar
    with st.sidebar:
        render_language_picker(where=st.sidebar, key="staff_language_choice")
        st.text(_("Logged in as {name} ({role})").format(name=user["name"], role=role_label(user["role"])))
        if st.button(_("Log out"), key="sidebar_logout"):
            logout()
            st.rerun()
