"""Organiser widget: the network's membership mix, typed in, imported as CSV or copied from another workshop."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import membership, rules
from components.rules import RuleError
from components.text import escape_markdown
from components.ui.session import get_db, gettext, translate_error

FLASH = "membership_flash"
PROBLEMS_SHOWN = 30


def dimension_labels() -> dict[str, str]:
    """Translated names of the kinds of group."""
    _ = gettext()
    return {"country": _("Country"), "org_type": _("Organisation type")}


def show_problems(exc: RuleError) -> None:
    """A refused mix: the reason, then one line per bad row (row numbers as in the file or the table)."""
    _ = gettext()
    lines = [translate_error(exc, escape=escape_markdown)]
    problems = getattr(exc, "problems", [])
    for row, problem in problems[:PROBLEMS_SHOWN]:
        text = translate_error(problem, escape=escape_markdown)
        lines.append("- " + (_("Row {row}: {problem}").format(row=row, problem=text) if row else text))
    if len(problems) > PROBLEMS_SHOWN:  # a wrong file can fail on every one of its rows
        lines.append(f"- … (+{len(problems) - PROBLEMS_SHOWN})")
    st.error("\n".join(lines), icon=":material/warning:")


def _saved(message: str) -> None:
    """Remember a success message for the next run, and rerun so the page shows the stored mix."""
    st.session_state[FLASH] = message
    st.rerun()


def render_membership(workshop: dict, user: dict) -> None:
    """Type the mix in, import it from a CSV file, or copy it from another workshop of the network."""
    _ = gettext()
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    st.caption(_("How many members the network has per country and per organisation type, as counts or as shares "
                 "in per cent. Nothing here is about a person."))
    typed, imported, copied = st.tabs([_("Type it in"), _("Import a CSV file"), _("Copy from a workshop")])
    with typed:
        render_editor(workshop, user)
    with imported:
        render_import(workshop, user)
    with copied:
        render_copy(workshop, user)


def render_editor(workshop: dict, user: dict) -> None:
    """One kind of group at a time, as a table; saved whole or not at all."""
    _ = gettext()
    db = get_db()
    options = membership.list_options(db, workshop["id"])
    labels = dimension_labels()
    asked = [key for key, offered in options.items() if offered is not None]
    key = st.selectbox(_("Kind of group"), asked, format_func=labels.get, key="membership_dimension")
    stored = membership.load_mix(db, workshop["id"]).get(key)
    units = {"count": _("Counts"), "share": _("Shares (%)")}
    with st.form(f"membership_form_{key}"):
        unit = st.radio(_("Given as"), list(units), format_func=units.get, horizontal=True,
                        index=0 if stored is None or stored["unit"].iloc[0] == "count" else 1)
        rows = pd.DataFrame({"group": [] if stored is None else stored["group"].tolist(),
                             "amount": [] if stored is None else stored["amount"].tolist()})
        column = st.column_config.SelectboxColumn(labels[key], options=options[key], required=True) \
            if options[key] else st.column_config.TextColumn(labels[key], required=True)
        edited = st.data_editor(rows, num_rows="dynamic", hide_index=True, key=f"membership_editor_{key}",
                                column_config={"group": column, "amount": st.column_config.NumberColumn(
                                    _("Members"), min_value=0.0, format="%g")})
        saved = st.form_submit_button(_("Save"), type="primary")
    if saved:
        entries = edited.astype(object).where(edited.notna(), None).to_dict("records")
        try:
            count = membership.save_dimension(db, workshop["id"], key, unit, entries, user["username"])
        except RuleError as exc:
            show_problems(exc)
            return
        _saved(_("Saved: {label} ({n}).").format(label=labels[key], n=count))


def render_import(workshop: dict, user: dict) -> None:
    """A CSV file with both kinds of group; nothing is saved unless every row is right."""
    _ = gettext()
    db = get_db()
    st.caption(_("Columns: dimension (country or org_type), group, and count or share (per cent). Comma or "
                 "semicolon; rows without a number are left out; the kinds of group in the file replace the "
                 "ones saved. Start from the template: it lists every answer this workshop offers."))
    st.download_button(_("Download the template"), membership.write_template(db, workshop["id"]),
                       file_name=f"membership-{workshop['code']}.csv", mime="text/csv", icon=":material/download:",
                       key="membership_template", on_click="ignore")
    with st.form("membership_import", clear_on_submit=True):
        upload = st.file_uploader(_("Membership CSV"), type=["csv", "txt"], key="membership_file",
                                  max_upload_size=1)
        imported = st.form_submit_button(_("Import"), type="primary")
    if imported and upload is not None:
        try:
            counts = membership.import_csv(db, workshop["id"], upload.getvalue(), user["username"])
        except RuleError as exc:
            show_problems(exc)
            return
        _saved_imported(counts)


def render_copy(workshop: dict, user: dict) -> None:
    """Reuse the mix another workshop of the network has (replaces the kinds of group it gives)."""
    _ = gettext()
    db = get_db()
    sources = membership.list_sources(db, workshop["id"])
    if not sources:
        st.info(_("No other workshop has a membership mix yet."))
        return
    with st.form("membership_copy"):
        source = st.selectbox(_("Copy the mix from workshop"), sources, format_func=lambda w: f"{w['title']} ({w['code']})")
        copied = st.form_submit_button(_("Copy"))
    if copied:
        try:
            counts = membership.copy_from(db, source["id"], workshop["id"], user["username"])
        except RuleError as exc:
            show_problems(exc)
            return
        _saved_imported(counts)


def _saved_imported(counts: dict[str, int]) -> None:
    """Say which kinds of group were imported or copied, with their number of groups."""
    _ = gettext()
    labels = dimension_labels()
    _saved(_("Imported: {groups}.").format(groups=", ".join(f"{labels[key]} ({n})" for key, n in counts.items())))


def check_margin(value: int) -> int:
    """The margin the organiser chose, within the limits."""
    return max(1, min(int(value), rules.REPRESENTATION_MARGIN_MAX))
