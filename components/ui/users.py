"""Organisers manage staff accounts: add, reset a password (shown once), disable or enable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import auth
from components.rules import RuleError
from components.ui.common import SECRET_KEY, flash, run_action, show_flash
from components.ui.session import get_db, gettext, show_error


def show_secret() -> None:
    """Show a generated password once."""
    secret = st.session_state.pop(SECRET_KEY, None)
    if secret:
        _ = gettext()
        st.warning(_("New password for {username}: copy it now, it will not be shown again.").format(
            username=secret[0]), icon=":material/key:")
        st.code(secret[1], language=None)


def render_users_table() -> None:
    """All staff accounts."""
    _ = gettext()
    frame = pd.DataFrame(auth.list_users(get_db()),
                         columns=["username", "name", "email", "role", "disabled", "next_login_check_at", "created_at"])
    frame["disabled"] = frame["disabled"].astype(bool)
    st.dataframe(frame, hide_index=True, column_config={
        "username": _("Username"), "name": _("Name"), "email": _("Email"), "role": _("Role"),
        "disabled": st.column_config.CheckboxColumn(_("Disabled")),
        "next_login_check_at": _("Password checks paused until"),
        "created_at": _("Created")})


def render_add_user(user: dict) -> None:
    """Create a staff account with a generated password."""
    _ = gettext()
    with st.form("add_user", clear_on_submit=True):
        username = st.text_input(_("Username"), max_chars=40, key="new_username")
        name = st.text_input(_("Name"), max_chars=80, key="new_name")
        email = st.text_input(_("Email"), max_chars=200, key="new_email")
        role = st.selectbox(_("Role"), auth.ROLES, format_func=lambda r: {"facilitator": _("facilitator"),
                                                                         "organiser": _("organiser")}[r], key="new_role")
        if st.form_submit_button(_("Add user"), type="primary"):
            try:
                password = auth.create_user(get_db(), username, name, role, user["username"], email=email.strip())
            except RuleError as exc:
                show_error(exc)
                return
            st.session_state[SECRET_KEY] = (username.strip().lower(), password)
            flash(_("User {username} added.").format(username=username.strip().lower()))
            st.rerun()


def render_manage_user(user: dict) -> None:
    """Reset a password, or disable / enable an account."""
    _ = gettext()
    users = auth.list_users(get_db())
    by_name = {u["username"]: u for u in users}
    chosen = st.selectbox(_("User"), list(by_name), key="manage_user")
    if chosen is None:
        return
    target = by_name[chosen]
    with st.container(horizontal=True):
        if st.button(_("Reset password"), key="reset_password"):
            try:
                password = auth.reset_password(get_db(), chosen, user["username"])
            except RuleError as exc:
                show_error(exc)
                return
            st.session_state[SECRET_KEY] = (chosen, password)
            flash(_("Password of {username} reset.").format(username=chosen))
            st.rerun()
        disabled = bool(target["disabled"])
        if st.button(_("Enable") if disabled else _("Disable"), key="toggle_user"):
            run_action(auth.set_user_disabled, chosen, not disabled, user["username"],
                       done=_("User {username} enabled.").format(username=chosen) if disabled
                       else _("User {username} disabled.").format(username=chosen))


def render_page(user: dict) -> None:
    """The Users page, for an organiser."""
    _ = gettext()
    st.title(_("Users"))
    show_flash()
    show_secret()
    render_users_table()
    add_tab, manage_tab = st.tabs([_("Add a user"), _("Reset or disable")])
    with add_tab:
        render_add_user(user)
    with manage_tab:
        render_manage_user(user)
