"""The set-up page's "Joining and seats" tab: the cap and the shared-phone choice, the seat mode, seat cards to
print, the registration list, and voiding or reissuing a seat.

Organisers choose the mode, make seat codes and import the list (names and e-mails are theirs to see); every
facilitator sees the seats by number and state, and can void or reissue one at the door. Registered names are
shown with st.dataframe only; nothing here reaches a participant.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from components import admission, auth, links, rules, seat_sheet, seats, storage
from components.registration import BadRows
from components.rules import RuleError
from components.ui.common import flash, run_action
from components.ui.session import get_db, gettext, has_role, show_error, translate_error


def render_seats_tab(user: dict, workshop: dict) -> None:
    """Everything about who may join one workshop."""
    _ = gettext()
    if workshop["status"] != "open":
        st.info(_("This workshop has ended."))
        return
    render_join_settings(user, workshop)
    render_seat_mode(user, workshop)
    if workshop["seat_mode"] == "codes" and has_role(user, "organiser"):
        render_make_codes(user, workshop)
    if workshop["seat_mode"] == "registered" and has_role(user, "organiser"):
        render_import(user, workshop)
    if workshop["seat_mode"] != "open" or seats.summarise_seats(get_db(), workshop["id"])["issued"]:
        render_seat_list(user, workshop)
        render_void_reissue(user, workshop)


def render_join_settings(user: dict, workshop: dict) -> None:
    """The participant cap and whether a shared phone may switch person."""
    _ = gettext()
    wid = workshop["id"]
    st.subheader(_("Joining"))
    with st.form(f"join_settings_{wid}"):
        cap = st.number_input(_("Participant cap: expected attendance plus a margin (0: no cap)"), 0,
                              rules.PARTICIPANT_CAP_MAX, workshop["participant_cap"] or 0, key=f"join_cap_{wid}")
        shared = st.checkbox(_("Allow a shared phone: offer “I am someone else”"), bool(workshop["allow_shared_device"]),
                             key=f"join_shared_{wid}")
        if st.form_submit_button(_("Save settings")):
            run_action(admission.update_join_settings, wid, user["username"], participant_cap=int(cap) or None,
                       allow_shared_device=shared, done=_("Settings saved."))


def mode_label(mode: str) -> str:
    """Translate a seat mode."""
    _ = gettext()
    return {"open": _("Open: anyone with the join code"), "codes": _("Seat codes: one-time codes handed out at the door"),
            "registered": _("Registered list: a personal link per attendee")}[mode]


def render_seat_mode(user: dict, workshop: dict) -> None:
    """The organiser picks the mode; facilitators see it."""
    _ = gettext()
    wid = workshop["id"]
    summary = seats.summarise_seats(get_db(), wid)
    st.subheader(_("Seats"))
    if not has_role(user, "organiser"):
        st.markdown(mode_label(workshop["seat_mode"]))
    else:
        mode = st.radio(_("Seat mode"), rules.SEAT_MODES, index=rules.SEAT_MODES.index(workshop["seat_mode"]),
                        format_func=mode_label, key=f"seat_mode_{wid}")
        if st.button(_("Save seat mode"), key=f"save_seat_mode_{wid}", disabled=mode == workshop["seat_mode"]):
            run_action(seats.set_seat_mode, wid, mode, user["username"], done=_("Settings saved."))
    with st.container(horizontal=True):
        st.metric(_("Seats issued"), summary["issued"], border=True)
        st.metric(_("Seats used"), summary["used"], border=True)
        st.metric(_("Seats voided"), summary["voided"], border=True)
        st.metric(_("Joined without a seat"), summary["joined_without_seat"], border=True)


def page_url() -> str:
    """The address phones use: this page's own server."""
    return getattr(st.context, "url", "") or ""


def _organiser_file(build, workshop_id: int, actor: str):
    """A callable that builds a seat file on click, after checking the organiser again (own connection)."""
    shown_at, url = time.time(), page_url()

    def build_now() -> bytes:
        db = storage.open_db()
        try:
            user = auth.get_user(db, actor)
            rules.check_may_export(user, user is not None and auth.session_is_current(user, shown_at))
            return build(db, workshop_id, url)
        finally:
            db.close()
    return build_now


def render_make_codes(user: dict, workshop: dict) -> None:
    """Make N more seat codes and download the printable cards."""
    _ = gettext()
    wid = workshop["id"]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        count = st.number_input(_("Number of seats"), 1, rules.SEATS_PER_BATCH_MAX, 20, key=f"seat_count_{wid}",
                                width=200)
        if st.button(_("Make seat codes"), key=f"make_seats_{wid}", type="primary"):
            run_action(seats.create_seat_codes, wid, int(count), user["username"],
                       done=_("Seat codes made: {first}–{last}."))
        st.download_button(_("Printable seat cards"), _organiser_file(seat_sheet.build_seat_sheet, wid, user["username"]),
                           file_name=f"seat-cards-{workshop['code']}.html", mime="text/html", key=f"seat_cards_{wid}",
                           icon=":material/print:", on_click="ignore")
    st.caption(_("Print the cards (A4) and hand one to each person at the door: each card works once, on one phone."))


def render_import(user: dict, workshop: dict) -> None:
    """Import the registration CSV (all rows or none) and download the personal links."""
    _ = gettext()
    wid = workshop["id"]
    st.caption(_("CSV with a header row: name, e-mail, and optionally country and organisation type. "
                 "Every row is checked first: if one is wrong, nothing is imported."))
    upload = st.file_uploader(_("Registration list (CSV)"), type=["csv", "txt"], key=f"registration_{wid}")
    if upload is not None and st.button(_("Import the list"), key=f"import_{wid}", type="primary"):
        try:
            seats.import_registrations(get_db(), wid, upload.getvalue()[:rules.REGISTRATION_BYTES_MAX + 1],
                                       user["username"])
        except BadRows as bad:
            st.error(_("Nothing was imported: the rows listed below have problems."), icon=":material/warning:")
            st.dataframe(pd.DataFrame([{"row": row, "reason": translate_error(exc)} for row, exc in bad.problems]),
                         hide_index=True, column_config={"row": _("Row"), "reason": _("Problem")})
            return
        except RuleError as exc:
            show_error(exc)
            return
        flash(_("The list was imported: every attendee has a personal link."))
        st.rerun()
    st.download_button(_("Personal links (CSV)"), _organiser_file(seat_sheet.build_personal_links, wid, user["username"]),
                       file_name=f"personal-links-{workshop['code']}.csv", mime="text/csv", key=f"links_{wid}",
                       icon=":material/download:", on_click="ignore")


def render_seat_list(user: dict, workshop: dict) -> None:
    """Every seat by number and state; with a registration list, the name, and for organisers the e-mail and link."""
    _ = gettext()
    listed = seats.list_seats(get_db(), workshop["id"])
    registered = any(s["kind"] == "registered" for s in listed)
    columns = ["number", "state"] + (["name"] if registered else []) + \
        (["email", "link"] if registered and has_role(user, "organiser") else [])
    states = {"free": _("Not used yet"), "used": _("In use"), "reissued": _("Reissued, not used yet"),
              "voided": _("Voided")}
    rows = [{"number": s["number"], "state": states[s["state"]], "name": s["name"] or "", "email": s["email"] or "",
             "link": links.seat_url(page_url(), workshop["code"], s["code"])
             if s["kind"] == "registered" and s["state"] != "voided" and s["code"] else ""} for s in listed]
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True, key=f"seat_list_{workshop['id']}",
                 column_config={"number": st.column_config.NumberColumn(_("Seat"), width="small"), "state": _("State"),
                                "name": _("Name"), "email": _("E-mail"), "link": _("Personal link")})


def render_void_reissue(user: dict, workshop: dict) -> None:
    """Void a seat (its code and its phone stop working, dots stay) or reissue it with a fresh code."""
    _ = gettext()
    wid = workshop["id"]
    render_reissued(workshop)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        number = st.number_input(_("Seat"), 1, rules.SEATS_PER_WORKSHOP_MAX, 1, key=f"seat_number_{wid}", width=140)
        confirmed = st.checkbox(_("I want to void this seat"), key=f"confirm_void_{wid}")
        st.button(_("Void seat"), key=f"void_{wid}", disabled=not confirmed, on_click=_void,
                  args=(wid, int(number), user["username"]))
        if st.button(_("Reissue seat"), key=f"reissue_{wid}"):
            try:
                fresh = seats.reissue_seat(get_db(), wid, int(number), user["username"])
            except RuleError as exc:
                show_error(exc)
                return
            st.session_state[f"reissued_{wid}"] = fresh["id"]
            st.rerun()
    st.caption(_("Voiding stops the seat's code and logs its phone out; dots already placed stay counted. "
                 "Reissuing gives the seat a fresh code that continues the same participant."))


def _void(workshop_id: int, number: int, actor: str) -> None:
    """Callback: void the seat and untick the confirmation, so a second click cannot void another by accident."""
    _ = gettext()
    try:
        seats.void_seat(get_db(), workshop_id, number, actor)
    except RuleError as exc:
        flash(translate_error(exc), "error")
    else:
        flash(_("Seat {n} was voided.").format(n=number))
    st.session_state[f"confirm_void_{workshop_id}"] = False


def render_reissued(workshop: dict) -> None:
    """The seat just reissued: its new code, link and QR code, to show or hand to the person."""
    _ = gettext()
    seat_id = st.session_state.get(f"reissued_{workshop['id']}")
    fresh = next((s for s in seats.list_seats(get_db(), workshop["id"]) if s["id"] == seat_id and s["code"]), None)
    if fresh is None or fresh["state"] == "voided":
        return
    url = links.seat_url(page_url(), workshop["code"], fresh["code"])
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        with st.container():
            # A seat code is made of the code alphabet only: safe inside inline code.
            st.markdown(_("Seat {n} has a new code: {code}").format(
                n=fresh["number"], code=f"`{seats.format_seat_code(fresh['code'])}`"))
            st.code(url, language=None)
        st.image(links.qr_png(url, scale=5), width=160, alt=_("QR code of the join link {url}").format(url=url))
