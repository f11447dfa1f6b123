"""The Moderate page's submissions: one card per priority, full text without author, inline actions.

Participant text appears only through st.text; pickers and captions show ids, states and counts.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import facilitation, rules
from components.text import escape_markdown
from components.ui.common import run_action
from components.ui.merging import open_merge, pending_merge, render_confirmation
from components.ui.session import gettext

STATIC = Path(__file__).parent / "static"
# j/k, h, e, m on the cards (static/keys.js): drawn in the browser, no rerun until a key clicks a control.
KEYS = st.components.v2.component("hub_moderate_keys", html='<span class="hub-keys"></span>',
                                  js=(STATIC / "keys.js").read_text(encoding="utf-8"),
                                  css=(STATIC / "keys.css").read_text(encoding="utf-8"), isolate_styles=False)


def state_labels() -> dict[str, str]:
    """Translated priority states."""
    _ = gettext()
    return {"visible": _("visible"), "hidden": _("hidden"), "merged": _("merged")}


def seen_key(question_id: int) -> str:
    """Session key of the newest priority id this person has marked as seen on this question."""
    return f"moderate_seen_{question_id}"


def mark_seen(question_id: int, newest: int) -> None:
    """Remember that everything up to this priority has been looked at (a button's callback)."""
    st.session_state[seen_key(question_id)] = newest


def pick_filter(question_id: int, themes: list[dict], new_count: int) -> str | int:
    """Choose which cards to show: all, new since I last looked, hidden ones, or one theme (by id)."""
    _ = gettext()
    theme_by_id = {t["id"]: t["name"] for t in themes}
    labels = {"all": _("All"), "new": _("New since I last looked ({n})").format(n=new_count),
              "hidden": state_labels()["hidden"]}
    return st.selectbox(_("Show"), list(labels) + list(theme_by_id), key=f"moderate_filter_{question_id}",
                        format_func=lambda k: labels[k] if k in labels else _(theme_by_id[k]), width=360)


def filter_items(items: list[dict], chosen: str | int, seen: int = 0) -> list[dict]:
    """The priorities the filter keeps (ids only grow, so "new" is every id above the last one seen)."""
    if chosen == "all":
        return items
    if chosen == "new":
        return [p for p in items if p["id"] > seen]
    if chosen == "hidden":
        return [p for p in items if p["state"] == "hidden"]
    return [p for p in items if p["theme_id"] == chosen]


def render_shortcuts() -> None:
    """The keyboard shortcuts, said on screen, and the element that listens for them."""
    _ = gettext()
    st.caption(_("Keys: j / k next / previous card · h hide or show · e edit · m merge into"))
    KEYS(key="moderate_keys", data={})


def render_cards(user: dict, question: dict, items: list[dict], themes: list[dict]) -> None:
    """Every priority the filter keeps, as a card with its full text and actions."""
    _ = gettext()
    st.subheader(_("Priorities"), anchor=False)
    seen = st.session_state.get(seen_key(question["id"]), 0)
    newest = max((p["id"] for p in items), default=0)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        chosen = pick_filter(question["id"], themes, sum(p["id"] > seen for p in items))
        st.button(_("Mark all as seen"), key=f"moderate_mark_seen_{question['id']}", disabled=newest <= seen,
                  on_click=mark_seen, args=(question["id"], newest), icon=":material/done_all:")
    render_shortcuts()
    shown = filter_items(items, chosen, seen)
    if not shown:
        st.info(_("Nothing new since you last looked.") if chosen == "new" else _("No priorities yet."))
    by_id = {p["id"]: p for p in items}
    for item in shown:
        with st.container(border=True, key=f"card_{item['id']}"):
            render_card(user, question, item, by_id, themes)


def render_card(user: dict, question: dict, item: dict, by_id: dict[int, dict], themes: list[dict]) -> None:
    """One priority: number, state, dots and theme, the text, then hide/show, edit and merge into."""
    _ = gettext()
    pid = item["id"]
    meta = _("#{id} · {state} · {dots} dots").format(id=pid, state=state_labels()[item["state"]], dots=item["dots"])
    theme = escape_markdown(_(item["theme"])) if item["theme"] else _("No theme")
    origin = " · " + _("from the survey") if item.get("source") == "survey" else ""
    st.caption(f"{meta} · {theme}{origin}")
    st.text(item["title"])
    if item["details"]:
        st.text(item["details"])
    if item["state"] == "merged":
        st.caption(_("Merged into #") + str(item["merged_into_id"]))
        return
    if pending_merge(question["id"], f"card_{pid}"):
        source, target = pending_merge(question["id"], f"card_{pid}")
        render_confirmation(user, question, source, target, by_id)
        return
    row = st.container(horizontal=True, vertical_alignment="bottom")
    hidden = item["state"] == "hidden"
    if row.button(_("Show again") if hidden else _("Hide"), key=f"hide_{pid}"):
        run_action(facilitation.set_priority_hidden, pid, not hidden, user["username"],
                   done=_("Priority #{id} is visible again.").format(id=pid) if hidden
                   else _("Priority #{id} is hidden.").format(id=pid))
    editing = row.toggle(_("Edit"), key=f"edit_open_{pid}")
    others = [i for i, p in by_id.items() if i != pid and p["state"] != "merged"]
    if others:
        target = row.selectbox(_("Merge into"), others, key=f"merge_target_{pid}", format_func=lambda i: f"#{i}",
                               width=160)
        if row.button(_("Merge"), key=f"merge_into_{pid}"):
            open_merge(question["id"], pid, target, f"card_{pid}")
            st.rerun()
    if editing:
        render_edit_form(user, item, themes)


def render_edit_form(user: dict, item: dict, themes: list[dict]) -> None:
    """Edit a priority's text and theme (the original stays in the audit log)."""
    _ = gettext()
    pid = item["id"]
    theme_by_id = {t["id"]: t["name"] for t in themes}
    with st.form(f"edit_{pid}"):
        title = st.text_input(_("Title"), value=item["title"], max_chars=rules.TITLE_MAX, key=f"edit_title_{pid}")
        details = st.text_area(_("Details"), value=item["details"], max_chars=rules.DETAILS_MAX,
                               key=f"edit_details_{pid}")
        ids = [None] + list(theme_by_id)
        theme = st.selectbox(_("Theme"), ids, index=ids.index(item["theme_id"]) if item["theme_id"] in ids else 0,
                             format_func=lambda i: _(theme_by_id[i]) if i else "—", key=f"edit_theme_{pid}")
        if st.form_submit_button(_("Save changes")):
            run_action(facilitation.edit_priority, pid, title, details, theme, user["username"],
                       done=_("Priority #{id} saved; the original text is kept in the audit log.").format(id=pid))
