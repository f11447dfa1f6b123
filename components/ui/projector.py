"""The projector: a 1920×1080 beamer screen readable from the back of the room.

Every projector tab reads the same cached snapshot (one query per second per workshop),
which holds plain data and never a participant token.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from components import i18n, links, results, rules, workshops
from components.text import escape_markdown
from components.ui.projector_chart import render_chart
from components.ui.session import get_db, gettext, ngettext, recheck_role

WALL_MAX = 15
WALL_COLUMNS = 3
# Per server process: with N processes, each reads the database at most once per TTL per workshop, so a
# projector never shows another process's stale count for longer than this (README, "Caches").
SNAPSHOT_TTL_SECONDS = 0.5
THEMES = {"dark": {"bg": "#000000", "fg": "#FFFFFF", "muted": "#D0D0D0", "card": "#1A1A1A", "edge": "#FFFFFF"},
          "light": {"bg": "#FFFFFF", "fg": "#000000", "muted": "#303030", "card": "#F2F2F2", "edge": "#000000"}}

# Our own CSS only: no participant text ever goes into st.html.
CSS = """<style>
header[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stSidebarNav"], footer {display: none !important;}
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {background: %(bg)s !important; color: %(fg)s;}
[data-testid="stMainBlockContainer"] {max-width: 100%% !important; padding: 1.2rem 2.5rem 0.5rem !important;}
.stApp p, .stApp span, .stApp label, .stApp div[data-testid="stText"] {color: %(fg)s;}
.st-key-proj_code p {font-size: min(7.4rem, 5.6vw, 11vh); font-weight: 800; letter-spacing: .04em; line-height: 1; white-space: nowrap;
  font-variant-numeric: tabular-nums; margin: 0; text-align: center;}
.st-key-proj_url p {font-size: min(2.1rem, 3vh); font-weight: 600; text-align: center; word-break: break-all; margin: 0;}
.st-key-proj_hint p {font-size: min(1.7rem, 2.6vh); color: %(muted)s; text-align: center; margin: 0;}
.st-key-proj_qr {align-items: center;}
.st-key-proj_qr img {width: min(400px, 36vh) !important; max-width: 100%%; height: auto;}
.st-key-proj_title p {font-size: min(1.6rem, 2.6vh); color: %(muted)s; margin: 0;}
.st-key-proj_prompt p {font-size: max(28px, min(3.4rem, 5vh)); font-weight: 800; line-height: 1.12; margin: 0;}
.st-key-proj_status p {font-size: min(2.2rem, 3.4vh); font-weight: 600; margin: 0;}
.st-key-proj_voted p {font-size: min(8rem, 6vw, 13vh); font-weight: 800; line-height: 1.05; margin: 8vh 0 2vh;}
.st-key-proj_hidden_note p {font-size: min(2.2rem, 3.6vh); color: %(muted)s; margin: 2vh 0 0;}
.st-key-proj_turnout [data-testid="stProgressBarTrack"] {height: min(3rem, 5vh) !important; border-radius: .5rem;
  background: %(card)s; outline: 2px solid %(edge)s;}
.st-key-proj_turnout [data-testid="stProgressBarTrack"] > div {height: 100%% !important; transition: transform .7s ease-in-out;}
.st-key-proj_wall div[data-testid="stText"] {font-size: 2.1rem; line-height: 1.2; font-weight: 600;
  white-space: normal; font-family: inherit;}
.st-key-proj_wall [data-testid="stCaptionContainer"], .st-key-proj_wall [data-testid="stCaptionContainer"] p
  {font-size: 1.4rem; color: %(muted)s !important; opacity: 1;}
.st-key-proj_wall div[data-testid="stVerticalBlockBorderWrapper"], .st-key-proj_wall [data-testid="stVerticalBlock"]
  > div[data-testid="stLayoutWrapper"] > div {background: %(card)s; border-color: %(edge)s !important;}
[data-testid="stMetric"] {background: %(card)s; border: 2px solid %(edge)s; border-radius: .6rem; padding: .6rem 1rem;}
[data-testid="stMetricLabel"] p {font-size: min(1.7rem, 2.5vh) !important; color: %(muted)s !important;}
[data-testid="stMetricValue"] div {font-size: min(5rem, 7vh) !important; font-weight: 800; color: %(fg)s !important;}
.st-key-proj_chrome {opacity: .55;}
.st-key-proj_chart_text details {border-color: %(edge)s; background: %(bg)s;}
.st-key-proj_chart_text summary, .st-key-proj_chart_text summary p, .st-key-proj_chart_text summary span
  {color: %(fg)s !important; font-size: 1rem !important;}
.st-key-proj_chrome p, .st-key-proj_chrome label {font-size: 1rem !important;}
</style>"""


def pick_theme() -> str:
    """Dark or light: ?theme=dark|light, switchable with a small toggle that keeps the URL in step."""
    wanted = st.query_params.get("theme", "dark")
    if "projector_dark" not in st.session_state:
        st.session_state["projector_dark"] = wanted != "light"
    theme = "dark" if st.session_state["projector_dark"] else "light"
    if st.query_params.get("theme") != theme:
        st.query_params["theme"] = theme
    return theme


def apply_css(theme: str) -> None:
    """Hide Streamlit's chrome and set the high-contrast colours."""
    st.html(CSS % THEMES[theme])


def render_chrome() -> None:
    """The theme toggle, small and dim, under the join code."""
    _ = gettext()
    with st.container(key="proj_chrome"):
        st.toggle(_("Dark theme"), key="projector_dark")


def choose_workshop_id() -> int | None:
    """The workshop from ?w=, else the one picked on the facilitator pages."""
    raw = st.query_params.get("w")
    if raw and raw.isdigit():
        return int(raw)
    return st.session_state.get("staff_workshop_id")


@st.cache_data(ttl=SNAPSHOT_TTL_SECONDS, show_spinner=False, max_entries=32)
def load_snapshot(workshop_id: int, question_id: int | None = None) -> dict:
    """Read everything the projector shows, at most twice a second for all projector tabs together."""
    db = get_db()
    workshop = workshops.get_workshop(db, workshop_id)
    if workshop is None:
        return {}
    questions = workshops.list_questions(db, workshop_id)
    question = next((q for q in questions if q["id"] == question_id), None) or workshops.current_question(questions)
    snapshot = {"title": workshop["title"], "code": workshop["code"], "question": None, "counts": {}, "wall": [],
                "tally": [], "themes": [t["name"] for t in workshops.list_themes(db, workshop_id)]}
    if question is None:
        return snapshot
    snapshot["question"] = {key: question[key] for key in ("id", "prompt", "phase", "results_visibility",
                                                           "phase_deadline", "dots_per_participant")}
    snapshot["number"] = questions.index(question) + 1
    snapshot["counts"] = results.count_live(db, question["id"])
    room = results.count_room(db, question["id"], datetime.now(timezone.utc))
    snapshot["room"] = {"voted": room["voted"], "joined": room["joined"]}
    if question["phase"] == "collecting":
        snapshot["wall"] = [{"title": p["title"], "theme": p["theme"] or ""}
                            for p in reversed(workshops.list_visible_priorities(db, question["id"]))][:WALL_MAX]
    if question["phase"] in ("voting", "closed") and rules.may_see_results(question):
        snapshot["tally"] = results.tally_question(db, question["id"]).to_dict("records")
    return snapshot


def render_join_column(snapshot: dict, theme: str) -> None:
    """Huge join code, QR code and short link."""
    _ = gettext()
    url = links.join_url(getattr(st.context, "url", "") or "", snapshot["code"])
    with st.container(key="proj_hint"):
        st.markdown(escape_markdown(_("Join with the code")))
    with st.container(key="proj_code"):
        st.markdown(escape_markdown(snapshot["code"]))
    with st.container(key="proj_qr"):
        st.image(links.qr_png(url, dark=theme == "dark", scale=10),
                 alt=_("QR code of the join link {url}").format(url=links.short_url(url)))
    with st.container(key="proj_url"):
        st.markdown(escape_markdown(links.short_url(url)))


def render_projector(workshop_id: int, question_id: int | None, theme: str) -> None:
    """Join details on the right (drawn once), the live part on the left (redrawn every second)."""
    _ = gettext()
    snapshot = load_snapshot(workshop_id, question_id)
    if not snapshot:
        st.warning(_("This workshop no longer exists."))
        render_chrome()
        return
    main, side = st.columns([2.1, 1], gap="large")
    with side:
        render_join_column(snapshot, theme)
        render_chrome()  # here, not under the chart: the live side keeps the whole height
    with main:
        render_live(workshop_id, question_id)


@st.fragment(run_every=1)
def render_live(workshop_id: int, question_id: int | None) -> None:
    """Redraw the question, wall, counters and chart every second from the shared snapshot."""
    recheck_role("facilitator")
    _ = gettext()
    snapshot = load_snapshot(workshop_id, question_id)
    question = snapshot.get("question")
    with st.container(key="proj_title"):
        st.markdown(escape_markdown(snapshot.get("title", "")))
    if question is None:
        with st.container(key="proj_prompt"):
            st.markdown(escape_markdown(_("Welcome! Join now with the code on the right.")))
        return
    with st.container(key="proj_prompt"):
        st.markdown(escape_markdown(question["prompt"]))
    render_status(snapshot)
    if question["phase"] == "collecting":
        render_wall(snapshot["wall"])
    elif question["phase"] in ("voting", "closed"):
        render_voting(snapshot)


def render_status(snapshot: dict) -> None:
    """Phase and countdown in one line."""
    _ = gettext()
    question, counts = snapshot["question"], snapshot["counts"]
    n_ = ngettext()
    status = {"draft": _("Starting soon"), "collecting": _("Send in your priorities!"),
              "voting": _("Voting is open: place your dots!"), "closed": _("Voting has closed.")}[question["phase"]]
    parts = [status]
    if question["phase"] not in ("voting", "closed"):
        parts.append(n_("{n} participant", "{n} participants", counts["participants"]).format(n=counts["participants"]))
    elif rules.may_see_results(question):  # while results are hidden, the turnout below says it in large type
        parts.append(voted_line(snapshot))
    if question["phase_deadline"] and question["phase"] in ("collecting", "voting"):
        left = (datetime.fromisoformat(question["phase_deadline"]) - datetime.now(timezone.utc)).total_seconds()
        parts.append("⏱ " + i18n.format_countdown(left))
    with st.container(key="proj_status"):
        st.markdown(escape_markdown("  ·  ".join(parts)))


def render_wall(wall: list[dict]) -> None:
    """The newest priorities as a wall of cards."""
    _ = gettext()
    if not wall:
        st.markdown(escape_markdown(_("The first priorities will appear here.")))
        return
    with st.container(key="proj_wall"):
        columns = st.columns(WALL_COLUMNS)
        for index, item in enumerate(wall):
            with columns[index % WALL_COLUMNS], st.container(border=True):
                st.text(item["title"])
                if item["theme"]:
                    st.caption(escape_markdown(_(item["theme"])))


def voted_line(snapshot: dict) -> str:
    """'N of M have voted': phones that placed a dot on this question, of the phones that joined."""
    n_ = ngettext()
    room = snapshot.get("room") or {"voted": 0, "joined": 0}
    return n_("{n} of {total} has voted", "{n} of {total} have voted", room["voted"]).format(
        n=room["voted"], total=room["joined"])


def render_voting(snapshot: dict) -> None:
    """The ranking while results are live or revealed; while hidden, only how many have voted."""
    question = snapshot["question"]
    if not rules.may_see_results(question):
        render_turnout(snapshot)
        return
    _ = gettext()
    tally = pd.DataFrame(snapshot["tally"], columns=results.TALLY_COLUMNS)
    if tally.empty:
        st.markdown(escape_markdown(_("Nothing to show yet.")))
        return
    render_chart(tally, snapshot["themes"])


def render_turnout(snapshot: dict) -> None:
    """Results hidden: the room's participation, large, and nothing about the ranking."""
    _ = gettext()
    room = snapshot.get("room") or {"voted": 0, "joined": 0}
    with st.container(key="proj_voted"):
        st.markdown(escape_markdown(voted_line(snapshot)))
    with st.container(key="proj_turnout"):
        st.progress(min(1.0, room["voted"] / room["joined"]) if room["joined"] else 0.0)
    with st.container(key="proj_hidden_note"):
        st.markdown(escape_markdown(_("Results are hidden until the facilitator reveals them.")))
