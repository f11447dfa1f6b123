"""Organiser widgets: results, segments, fairness, across workshops, exports, retention."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from components import across, analysis, analysis_charts, auth, exports, i18n, retention, rules, storage, suppression
from components import workshops
from components.ui import common
from components.rules import RuleError
from components.text import escape_markdown
from components.ui.session import get_db, gettext, show_error

CROSS_KEY = "cross_merges"
# The wide layout keeps 5rem of padding each side: on a 1440 px laptop beside the sidebar, wide result tables
# need that room (our own CSS, no user text).
ROOMY_CSS = """<style>[data-testid="stMainBlockContainer"]{padding-left:2rem;padding-right:2rem}</style>"""


def _column_labels() -> dict[str, str]:
    """Readable, translated column headers for the result tables."""
    _ = gettext()
    return {"rank": _("Rank"), "title": _("Priority"), "theme": _("Theme"), "dots": _("Dots"),
            "supporters": _("Supporters"), "share_supporting": _("Share supporting"),
            "backed_by_countries": _("Backed by countries"), "equal_weight_dots": _("Equal-weight dots"),
            "equal_weight_rank": _("Equal-weight rank"), "workshops": _("Workshops"), "countries": _("Countries"),
            "sources": _("Came from"), "merged_count": _("Priorities merged"), "priorities": _("Priorities"),
            "share_of_dots": _("Share of dots"), "group": _("Group"), "participants": _("Participants"),
            "weight": _("Weight"), "all participants": _("All participants")}


def show_table(frame: pd.DataFrame, hide: tuple[str, ...] = ("priority_id", "item_id"),
               height: int | None = None) -> None:
    """Show a result table with readable headers (st.dataframe shows participant text as plain text)."""
    labels = _column_labels()
    shown = frame.drop(columns=[c for c in hide if c in frame.columns])
    if "group" in shown.columns:
        shown = shown.assign(group=shown["group"].map(gettext()))
    config = {c: st.column_config.NumberColumn(labels[c], format="percent")
              if c in ("share_supporting", "share_of_dots") else labels.get(c, c) for c in shown.columns}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config,
                 height=height or "auto")


# ---------------------------------------------------------------- choosing

def pick_workshop() -> dict | None:
    """Pick the workshop to analyse."""
    _ = gettext()
    common.apply_accessible_css()
    st.html(ROOMY_CSS)
    items = workshops.list_workshops(get_db())
    if not items:
        st.info(_("There are no workshops yet."))
        return None
    statuses = {"open": _("open"), "finished": _("finished"), "anonymised": _("anonymised")}
    chosen = st.selectbox(_("Workshop"), items, key="results_workshop",
                          format_func=lambda w: f"{w['title']} ({w['code']}) · {statuses.get(w['status'], '')}")
    return chosen


def pick_settings() -> tuple[int, bool]:
    """Minimum group size and whether exports include names."""
    _ = gettext()
    with st.container(horizontal=True, vertical_alignment="bottom"):
        min_group = st.number_input(_("Minimum group size for segments"), min_value=1, max_value=rules.MIN_GROUP_MAX,
                                    value=rules.MIN_GROUP_DEFAULT, key="results_min_group", width=260,
                                    help=_("Smaller groups are hidden, never shown as numbers."))
        include_names = st.checkbox(_("Include names in exports"), key="results_include_names",
                                    help=_("Leave unticked unless participants agreed: "
                                           "exports then show P001, P002 …"))
    return int(min_group), include_names


def pick_question(workshop: dict) -> analysis.QuestionVotes | None:
    """Pick one of the workshop's questions and load its votes."""
    _ = gettext()
    questions = workshops.list_questions(get_db(), workshop["id"])
    if not questions:
        st.info(_("This workshop has no questions yet."))
        return None
    question = st.selectbox(_("Question"), questions, key=f"results_question_{workshop['id']}",
                            format_func=lambda q: f"{q['position'] + 1}. {q['prompt']}")
    return analysis.load_question_votes(get_db(), question["id"])


# ---------------------------------------------------------------- results

def render_results(workshop: dict, data: analysis.QuestionVotes, min_group: int) -> None:
    """Counts, the ranking (chart and table), themes and the dot distribution."""
    _ = gettext()
    summary = analysis.summarise_question(data)
    with st.container(horizontal=True):
        st.metric(_("Participants joined"), summary["participants"], border=True)
        st.metric(_("Placed at least one dot"), summary["voters"], border=True)
        st.metric(_("Dots placed"), summary["dots"], border=True)
        st.metric(_("Priorities"), summary["priorities"], border=True)
    st.caption(_("Rules: {dots} dots per participant, at most {cap} per priority. Phase: {phase}.").format(
        dots=summary["dots_per_participant"], cap=summary["max_dots_per_item"],
        phase=_(i18n.PHASE_MSGIDS.get(summary["phase"], summary["phase"]))))
    tally = analysis.tally_votes(data, min_group)
    if tally.empty:
        st.info(_("No priorities yet."))
        return
    themes = [t["name"] for t in workshops.list_themes(get_db(), workshop["id"])]
    left, right = st.columns([3, 2])
    with left:
        st.subheader(_("Ranking"))
        st.plotly_chart(analysis_charts.build_top_ranking_chart(tally, themes), width="stretch",
                        key="results_ranking")
    with right:
        st.subheader(_("Themes"))
        theme_summary, distribution = analysis.summarise_themes(data, tally), analysis.count_dot_distribution(data)
        st.plotly_chart(analysis_charts.build_theme_chart(theme_summary, themes), width="stretch", key="results_themes")
        with st.expander(_("Themes as a table")):
            show_table(theme_summary)
        st.plotly_chart(analysis_charts.build_distribution_chart(distribution), width="stretch",
                        key="results_distribution")
        with st.expander(_("Dots placed as a table")):
            show_table(distribution)
    st.caption(_("Ties share a rank (1, 2, 2, 4). Share supporting = supporters ÷ participants who placed at least "
                 "one dot on this question ({n}).").format(n=summary["voters"]))
    show_table(tally)


def render_segments(workshop: dict, data: analysis.QuestionVotes, min_group: int) -> None:
    """Results by country, organisation type or another profile question, beside the overall ranking."""
    _ = gettext()
    keys = analysis.list_segment_keys(get_db(), workshop["id"])
    if not keys:
        st.info(_("This workshop asked no profile questions."))
        return
    key = st.selectbox(_("Split by"), [k["key"] for k in keys], key="results_segment_key",
                       format_func={k["key"]: _(k["label"]) for k in keys}.get)
    groups = analysis.tally_segment(data, key, min_group)
    table = analysis.build_segment_table(analysis.tally_votes(data, min_group), groups)
    hidden_label, hidden_group = analysis.suppressed_label(), _("hidden group")
    # A dash in the cells, the reason in the header (its own msgid: "hidden" alone is a priority's state).
    table = table.replace(hidden_label, "—").rename(columns={
        (f"{g.name} ({hidden_label})" if g.suppressed else f"{g.name} (n={g.participants})"):
        (f"{_(g.name)} ({hidden_group})" if g.suppressed else f"{_(g.name)} (n={g.participants})") for g in groups})
    hidden = sum(g.suppressed for g in groups)
    st.caption(_("Each column counts the dots of one group. A group with fewer than {n} participants is hidden, and "
                 "more groups are hidden (smallest first) until the hidden ones together have at least {n}, so "
                 "nothing can be worked out by subtraction. Hidden groups: {hidden}.").format(n=min_group, hidden=hidden))
    show_table(table)


def render_fairness(data: analysis.QuestionVotes, min_group: int) -> None:
    """Raw tally beside the equal-weight-per-country tally, and countries backing each priority (small groups pooled)."""
    _ = gettext()
    fair = analysis.tally_equal_weight(data, min_group=min_group)
    if fair.empty:
        st.info(_("No priorities yet."))
        return
    st.caption(_("Equal weight per country: each country's dots are scaled so that every country contributes the "
                 "same total. Countries hidden in the segments and participants without a country count as one "
                 "group “Other / not given”, and as one country in “Backed by countries”."))
    st.plotly_chart(analysis_charts.build_fairness_chart(fair), width="stretch", key="results_fairness")
    show_table(fair)
    with st.expander(_("Weights per country")):
        weights = analysis.list_group_weights(data, min_group=min_group)
        show_table(weights.assign(group=weights["group"].replace(suppression.POOLED, _("Other / not given"))))


# ---------------------------------------------------------------- across workshops

def render_cross(user: dict, min_group: int) -> None:
    """Combine several workshops into one list; merge similar priorities (kept in this session, audited)."""
    _ = gettext()
    db = get_db()
    options = workshops.list_workshops(db)
    chosen = st.multiselect(_("Workshops to combine"), [w["id"] for w in options], key="cross_workshops",
                            format_func={w["id"]: f"{w['title']} ({w['code']})" for w in options}.get)
    if not chosen:
        st.info(_("Pick two or more workshops to see one combined list."))
        return
    items, votes = across.load_cross_votes(db, chosen)
    merges = st.session_state.setdefault(CROSS_KEY, {})
    combined = across.tally_cross(items, votes, merges, min_group)
    st.caption(_("Dots are added up across workshops; workshops with different dot budgets weigh differently. "
                 "Countries hidden by the minimum group size ({n}) are not named and count as one in "
                 "“Backed by countries”.").format(n=min_group))
    st.plotly_chart(analysis_charts.build_cross_chart(combined), width="stretch", key="cross_chart")
    show_table(combined)
    render_cross_merge(user, combined)


def render_cross_merge(user: dict, combined: pd.DataFrame) -> None:
    """Merge chosen items into one; the mapping lives in the session and every merge is audited."""
    _ = gettext()
    titles = {r.item_id: f"{r.title} — {r.workshops}" for r in combined.itertuples()}
    with st.form("cross_merge_form"):
        sources = st.multiselect(_("Merge these priorities …"), list(titles), format_func=titles.get)
        target = st.selectbox(_("… into this one"), list(titles), format_func=titles.get)
        merged = st.form_submit_button(_("Merge"), type="primary")
    if merged:
        try:
            across.record_cross_merge(get_db(), user["username"], sources, target)
            st.session_state[CROSS_KEY] = across.add_cross_merge(st.session_state[CROSS_KEY], sources, target)
        except RuleError as exc:
            show_error(exc)
            return
        st.rerun()
    if st.session_state.get(CROSS_KEY) and st.button(_("Undo all merges"), key="cross_clear"):
        st.session_state[CROSS_KEY] = {}
        st.rerun()


# ---------------------------------------------------------------- exports

def _export_later(workshop_id: int, fmt: str, include_names: bool, min_group: int, actor: str, **choices):
    """Return a callable that builds an export on click (it runs in another thread: its own connection)."""
    shown_at = time.time()

    def build() -> bytes:
        db = storage.open_db()
        try:
            # Built when clicked, perhaps long after the page was drawn: the organiser must still be one.
            user = auth.get_user(db, actor)
            rules.check_may_export(user, user is not None and auth.session_is_current(user, shown_at))
            data = exports.export_bytes(db, workshop_id, fmt, include_names, min_group, **choices)
            exports.record_export(db, workshop_id, actor, fmt, include_names, choices.get("microdata", False))
            return data
        finally:
            db.close()
    return build


def render_exports(workshop: dict, user: dict, min_group: int, include_names: bool, **choices) -> None:
    """One click per format, plus a 'download all' archive built with visible progress.

    `choices` carry the organiser's robustness places (top) and representation margin into the exports."""
    _ = gettext()
    if include_names:
        st.warning(_("Exports will include participants' names."), icon=":material/warning:")
    microdata = st.checkbox(_("JSON with microdata"), key="export_microdata",
                            help=_("Lists each participant's profile answers beside the code their dots use. "
                                   "Leave unticked unless you need it: a lone participant from a small group "
                                   "can then be recognised."))
    if microdata:
        st.warning(_("The JSON data will link each participant's profile answers to their dots (microdata). "
                     "Treat it as personal data."), icon=":material/warning:")
    choices = {**choices, "microdata": microdata}
    st.caption(_("CSV: the ranked priorities of every question. Excel: summary, ranked priorities, dots per "
                 "anonymised participant, segments, robustness, representation, ballot receipts and the audit log; "
                 "“download all” adds each of them as a CSV. JSON: everything needed to recompute the "
                 "results. HTML: a report with interactive charts, the rules and the methodology, which opens "
                 "without internet. Participants appear as P001, P002 … unless names are included."))
    labels = {"csv": _("CSV (ranked priorities)"), "xlsx": _("Excel workbook"), "json": _("JSON data"),
              "html": _("HTML report (works offline)")}
    with st.container(horizontal=True):
        for fmt, label in labels.items():
            st.download_button(label, _export_later(workshop["id"], fmt, include_names, min_group, user["username"],
                                                    **choices),
                               file_name=exports.export_file_name(workshop, fmt), mime=exports.MIME_TYPES[fmt],
                               key=f"export_{fmt}", icon=":material/download:", on_click="ignore")
    render_zip(workshop, user, min_group, include_names, **choices)


def render_zip(workshop: dict, user: dict, min_group: int, include_names: bool, **choices) -> None:
    """Build every format into one archive, showing progress, then offer it for download."""
    _ = gettext()
    key = ("export_zip", workshop["id"], include_names, min_group, tuple(sorted(choices.items())))
    if st.button(_("Prepare “download all” (zip)"), key="export_zip_prepare"):
        bar = st.progress(0.0)
        with st.status(_("Building the archive …"), expanded=False) as status:
            data = exports.export_bytes(get_db(), workshop["id"], "zip", include_names, min_group,
                                        progress=lambda f, label: bar.progress(f, text=label), **choices)
            exports.record_export(get_db(), workshop["id"], user["username"], "zip", include_names,
                                  choices.get("microdata", False))
            status.update(label=_("The archive is ready."), state="complete")
        st.session_state["export_zip"] = (key, data)
    ready = st.session_state.get("export_zip")
    if ready and ready[0] == key:
        st.download_button(_("Download all (zip)"), ready[1], file_name=exports.export_file_name(workshop, "zip"),
                           mime=exports.MIME_TYPES["zip"], type="primary", icon=":material/folder_zip:",
                           key="export_zip_download", on_click="ignore")


# ---------------------------------------------------------------- retention

def render_retention(workshop: dict, user: dict) -> None:
    """Finish, anonymise or delete a workshop; anonymise and delete need the join code typed."""
    _ = gettext()
    db = get_db()
    flash = st.session_state.pop("retention_flash", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    st.caption(_("Anonymising removes display names and personal links; results stay. Deleting removes the workshop "
                 "with all its priorities, dots and participants. Both are recorded in the audit log."))
    if workshop["status"] == "open" and st.button(_("Finish this workshop (no more joining or voting)"),
                                                  key="retention_finish"):
        _run(lambda: retention.finish_workshop(db, workshop["id"], user["username"]), _("The workshop is finished."))
    with st.form("retention_anonymise"):
        st.markdown("**" + escape_markdown(_("Anonymise")) + "**")
        typed = st.text_input(_("Type the join code {code} to confirm").format(code=workshop["code"]))
        if st.form_submit_button(_("Anonymise this workshop")):
            _run(lambda: retention.anonymise_workshop(db, workshop["id"], user["username"], typed),
                 _("Names and personal links were removed."))
    with st.form("retention_delete"):
        st.markdown("**" + escape_markdown(_("Delete")) + "**")
        typed = st.text_input(_("Type the join code {code} to confirm").format(code=workshop["code"]))
        if st.form_submit_button(_("Delete this workshop for good")):  # never the eye-catching button
            _run(lambda: retention.delete_workshop(db, workshop["id"], user["username"], typed),
                 _("The workshop was deleted."))


def _run(action, message: str) -> None:
    """Run a retention action; show a refusal, or rerun with a success message."""
    try:
        action()
    except RuleError as exc:
        show_error(exc)
        return
    st.session_state["retention_flash"] = message
    st.rerun()
