"""Profile questions edited as rows: a label, the answers and a visible "Required" toggle per question.

Used by the create form and the Profile questions section. The rows live in session state under a prefix,
so adding, removing or ticking a row reruns the page without losing what was typed.
"""

from __future__ import annotations

import streamlit as st

from components import rules, workshops
from components.ui.session import gettext


def start_rows(prefix: str, initial: list[dict]) -> list[int]:
    """The row numbers being edited; the first time, fill the widgets from ``initial``."""
    order_key = f"{prefix}_rows"
    if order_key not in st.session_state:
        st.session_state[order_key] = []
        for row in initial:
            add_row(prefix, row)
    return st.session_state[order_key]


def add_row(prefix: str, row: dict | None = None) -> None:
    """Append a row (empty, or filled from a stored profile question)."""
    row = row or {}
    order = st.session_state.setdefault(f"{prefix}_rows", [])
    number = st.session_state.get(f"{prefix}_next", 0)
    st.session_state[f"{prefix}_next"] = number + 1
    order.append(number)
    st.session_state[f"{prefix}_key_{number}"] = row.get("key", "")
    st.session_state[f"{prefix}_label_{number}"] = row.get("label", "")
    st.session_state[f"{prefix}_options_{number}"] = workshops.format_options(list(row.get("options", [])))
    st.session_state[f"{prefix}_required_{number}"] = bool(row.get("required", False))


def remove_row(prefix: str, number: int) -> None:
    """Drop a row and its widgets' values."""
    st.session_state[f"{prefix}_rows"].remove(number)
    for field in ("key", "label", "options", "required"):
        st.session_state.pop(f"{prefix}_{field}_{number}", None)


def forget_rows(prefix: str) -> None:
    """Forget the edited rows, so the next run starts again from the stored questions."""
    for key in [k for k in st.session_state if str(k).startswith(f"{prefix}_")]:
        del st.session_state[key]


def render_profile_rows(prefix: str, initial: list[dict], disabled: bool = False) -> list[dict]:
    """Draw one bordered row per profile question; return the rows as typed (key, label, options, required)."""
    _ = gettext()
    rows = []
    for number in list(start_rows(prefix, initial)):
        with st.container(border=True, key=f"{prefix}_row_{number}"):
            line = st.container(horizontal=True, vertical_alignment="bottom")
            line.text_input(_("Profile question"), max_chars=rules.PROFILE_LABEL_MAX, key=f"{prefix}_label_{number}",
                            disabled=disabled)
            line.toggle(_("Required"), key=f"{prefix}_required_{number}", disabled=disabled, width="content")
            line.button(_("Remove"), key=f"{prefix}_remove_{number}", icon=":material/delete:", disabled=disabled,
                        on_click=remove_row, args=(prefix, number))
            st.text_input(_("Answers (comma separated)"), key=f"{prefix}_options_{number}", disabled=disabled,
                          placeholder=_("Leave empty for a free answer"))
        rows.append({field: st.session_state.get(f"{prefix}_{field}_{number}")
                     for field in ("key", "label", "options", "required")})
    st.button(_("Add a profile question"), key=f"{prefix}_add", icon=":material/add:", disabled=disabled,
              on_click=add_row, args=(prefix,))
    return rows


def typed_rows(rows: list[dict]) -> list[dict]:
    """The rows someone filled in: a wholly empty row is ignored, one with answers but no label is refused later."""
    return [row for row in rows if (row.get("label") or "").strip() or (row.get("options") or "").strip()]
