"""Staff widgets: pick a workshop, run phases, moderate, set up workshops, manage users.

Participant text appears only through st.text, st.dataframe or escape_markdown; pickers show ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from components import audit, auth, facilitation, i18n, links, results, rules, seed, workshops
from components.rules import RuleError
from components.text import escape_markdown
from components.ui.session import get_db, gettext, session_language, show_error

WORKSHOP_KEY = "staff_workshop_id"
QUESTION_KEY = "staff_question_id"
FLASH_KEY = "staff_flash"
SECRET_KEY = "staff_secret"
# Streamlit's default caption grey (#828180) is 3.9:1 on white, below WCAG AA's 4.5:1; ours is 7:1.
ACCESSIBLE_CSS = """<style>
.stApp [data-testid="stCaptionContainer"] {color: #55575F; opacity: 1;}
</style>"""


# ---------------------------------------------------------------- shared

def phase_label(phase: str) -> str:
    """Translate a phase name."""
    _ = gettext()
    return {"draft": _("Draft"), "collecting": _("Collecting priorities"), "voting": _("Voting"),
            "closed": _("Closed")}.get(phase, phase)


def visibility_label(visibility: str) -> str:
    """Translate a results visibility."""
    _ = gettext()
    return {"hidden": _("Results hidden"), "live": _("Results live"), "revealed": _("Results revealed")}.get(
        visibility, visibility)


def flash(message: str, kind: str = "success") -> None:
    """Remember a message to show once after the rerun."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show the last action's outcome once."""
    kind, message = st.session_state.pop(FLASH_KEY, (None, None))
    if kind:
        getattr(st, kind)(message, icon=":material/check_circle:" if kind == "success" else ":material/info:")


def run_action(action, *args, done: str, **kwargs):
    """Run a core action; show a rule's refusal, or remember success and rerun."""
    try:
        outcome = action(get_db(), *args, **kwargs)
    except RuleError as exc:
        show_error(exc)
        return None
    flash(done.format(**outcome) if isinstance(outcome, dict) else done)
    st.rerun()


def apply_accessible_css() -> None:
    """Darken Streamlit's captions to meet WCAG AA contrast (our own CSS, no user text)."""
    st.html(ACCESSIBLE_CSS)


def link_page(page: str, label: str, icon: str, **query: str) -> None:
    """Link to another staff page in this session; a page run on its own (tests) has no navigation to link to."""
    try:
        st.page_link(page, label=label, icon=icon, query_params=query or None)
    except StreamlitPageNotFoundError:
        pass


def pick_workshop(key: str) -> dict | None:
    """Choose the workshop to work on; the choice is shared by run, moderate, projector and set-up."""
    _ = gettext()
    apply_accessible_css()
    db = get_db()
    items = workshops.list_workshops(db)
    if not items:
        st.info(_("There is no workshop yet. Create one under Set up workshops."))
        return None
    by_id = {w["id"]: w for w in items}
    wanted = st.session_state.get(WORKSHOP_KEY)
    widget_key = follow_shared_choice(f"pick_workshop_{key}", WORKSHOP_KEY, wanted if wanted in by_id else items[0]["id"])
    chosen = st.selectbox(_("Workshop"), list(by_id), key=widget_key, on_change=remember_choice,
                          args=(widget_key, WORKSHOP_KEY),
                          format_func=lambda i: f"{by_id[i]['title']} · {by_id[i]['code']}")  # options are plain text
    return by_id[chosen]


def follow_shared_choice(widget_key: str, shared_key: str, value) -> str:
    """Make a picker show the shared choice (a new workshop, another page's pick), not its own old value."""
    # A keyed widget keeps its remembered value over `index`, so the value is set before it is drawn.
    st.session_state[shared_key] = value
    st.session_state[widget_key] = value
    return widget_key


def remember_choice(widget_key: str, shared_key: str) -> None:
    """Store what the person picked as the choice every page shares."""
    st.session_state[shared_key] = st.session_state[widget_key]


def pick_question(workshop: dict, key: str) -> dict | None:
    """Choose a question of the workshop (ids shown; the prompts are in the table above)."""
    _ = gettext()
    questions = workshops.list_questions(get_db(), workshop["id"])
    if not questions:
        st.info(_("This workshop has no question yet. Add one under Set up workshops."))
        return None
    by_id = {q["id"]: q for q in questions}
    wanted = st.session_state.get(QUESTION_KEY)
    if wanted not in by_id:
        wanted = workshops.current_question(questions)["id"]
    numbers = {q["id"]: n for n, q in enumerate(questions, start=1)}
    widget_key = follow_shared_choice(f"pick_question_{key}", QUESTION_KEY, wanted)
    chosen = st.selectbox(_("Question"), list(by_id), key=widget_key, on_change=remember_choice,
                          args=(widget_key, QUESTION_KEY),
                          format_func=lambda i: _("Question {n}: {phase}").format(n=numbers[i],
                                                                                   phase=phase_label(by_id[i]["phase"])))
    return by_id[chosen]


def render_questions_table(workshop: dict) -> None:
    """All questions of a workshop with phase and visibility."""
    _ = gettext()
    rows = [{"n": n, "prompt": q["prompt"], "phase": phase_label(q["phase"]),
             "results": visibility_label(q["results_visibility"])}
            for n, q in enumerate(workshops.list_questions(get_db(), workshop["id"]), start=1)]
    st.dataframe(pd.DataFrame(rows, columns=["n", "prompt", "phase", "results"]), hide_index=True, column_config={
        "n": st.column_config.NumberColumn("#", width="small"), "prompt": _("Question"),
        "phase": _("Phase"), "results": _("Results")})


# ---------------------------------------------------------------- run

def render_join_panel(workshop: dict) -> None:
    """Join code, link and QR code to read out or show."""
    _ = gettext()
    url = links.join_url(getattr(st.context, "url", "") or "", workshop["code"])
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        with st.container():
            st.caption(_("Join code"))
            st.markdown(f"## `{escape_markdown(workshop['code'])}`")
            st.caption(_("Join link"))
            st.code(url, language=None)
        st.image(links.qr_png(url, scale=6), width=180,
                 alt=_("QR code of the join link {url}").format(url=url))


def render_phase_controls(user: dict, question: dict) -> None:
    """Forward phase buttons, backward ones behind a confirmation, results visibility and countdown."""
    _ = gettext()
    qid = question["id"]
    st.markdown("**" + escape_markdown(_("Phase: {phase} · {visibility}").format(
        phase=phase_label(question["phase"]), visibility=visibility_label(question["results_visibility"]))) + "**")
    forward = {"collecting": _("Open collection"), "voting": _("Open voting"), "closed": _("Close voting")}
    backward = {"draft": _("Back to draft"), "collecting": _("Back to collection"), "voting": _("Reopen voting")}
    with st.container(horizontal=True):
        for target in sorted(rules.FORWARD_TRANSITIONS[question["phase"]], key=rules.PHASES.index):
            if st.button(forward[target], key=f"phase_{qid}_{target}", type="primary"):
                run_action(facilitation.set_phase, qid, target, user["username"],
                           done=_("Phase changed to {phase}.").format(phase=phase_label(target)))
    back = sorted(rules.BACKWARD_TRANSITIONS[question["phase"]], key=rules.PHASES.index)
    if back:
        confirmed = st.checkbox(_("I want to move this question back a phase"), key=f"confirm_back_{qid}")
        for target in back:
            if st.button(backward[target], key=f"phase_{qid}_{target}", disabled=not confirmed):
                run_action(facilitation.set_phase, qid, target, user["username"], confirmed=True,
                           done=_("Phase changed to {phase}.").format(phase=phase_label(target)))
    with st.container(horizontal=True):
        labels = {"hidden": _("Hide results"), "live": _("Show results live"), "revealed": _("Reveal results")}
        for visibility, label in labels.items():
            if st.button(label, key=f"visibility_{qid}_{visibility}",
                         disabled=question["results_visibility"] == visibility):
                run_action(facilitation.set_results_visibility, qid, visibility, user["username"],
                           done=visibility_label(visibility))
    render_deadline_controls(user, question)


def render_deadline_controls(user: dict, question: dict) -> None:
    """An optional countdown for the current phase."""
    _ = gettext()
    qid = question["id"]
    if question["phase"] not in ("collecting", "voting"):
        return
    with st.container(horizontal=True, vertical_alignment="bottom"):
        minutes = st.number_input(_("Countdown (minutes)"), min_value=1, max_value=180, value=5,
                                  key=f"deadline_minutes_{qid}", width=180)
        if st.button(_("Start countdown"), key=f"deadline_start_{qid}"):
            deadline = (datetime.now(timezone.utc) + timedelta(minutes=int(minutes))).isoformat(timespec="seconds")
            run_action(facilitation.set_phase_deadline, qid, deadline, user["username"],
                       done=_("Countdown started."))
        if question["phase_deadline"] and st.button(_("Clear countdown"), key=f"deadline_clear_{qid}"):
            run_action(facilitation.set_phase_deadline, qid, None, user["username"], done=_("Countdown cleared."))


@st.fragment(run_every=2)
def render_live_counters(question_id: int) -> None:
    """Participants, priorities, dots and the share who used all their dots, every 2 seconds."""
    _ = gettext()
    db = get_db()
    counts = results.count_live(db, question_id)
    question = workshops.get_question(db, question_id)
    language = session_language()
    with st.container(horizontal=True):
        st.metric(_("Participants joined"), counts["participants"], border=True)
        st.metric(_("Priorities"), counts["priorities"], border=True)
        st.metric(_("Dots placed"), counts["dots"], border=True)
        st.metric(_("Used all their dots"), i18n.format_share(counts["share_all_used"], language), border=True)
    if question and question["phase_deadline"] and question["phase"] in ("collecting", "voting"):
        left = (datetime.fromisoformat(question["phase_deadline"]) - datetime.now(timezone.utc)).total_seconds()
        st.caption("⏱ " + _("Time left: {time}").format(time=i18n.format_countdown(left)))


# ---------------------------------------------------------------- moderate

def render_priority_table(items: list[dict]) -> None:
    """Every priority of a question, with its id for the pickers below."""
    _ = gettext()
    frame = pd.DataFrame(items, columns=["id", "title", "theme", "state", "dots", "merged_into_id", "details"])
    st.dataframe(frame, hide_index=True, column_config={
        "id": st.column_config.NumberColumn("#", width="small"), "title": _("Priority"), "theme": _("Theme"),
        "state": _("State"), "dots": st.column_config.NumberColumn(_("Dots"), width="small"),
        "merged_into_id": st.column_config.NumberColumn(_("Merged into #"), width="small"), "details": _("Details")})


def priority_picker(label: str, items: list[dict], key: str) -> int | None:
    """Pick a priority by its number (titles stay in the table, never in an option label)."""
    if not items:
        return None
    _ = gettext()
    by_id = {p["id"]: p for p in items}
    states = {"visible": _("visible"), "hidden": _("hidden"), "merged": _("merged")}
    return st.selectbox(label, list(by_id), key=key, format_func=lambda i: _("#{id} · {state} · {dots} dots").format(
        id=i, state=states.get(by_id[i]["state"], by_id[i]["state"]), dots=by_id[i]["dots"]))


def render_hide_and_edit(user: dict, question: dict, items: list[dict], themes: list[dict]) -> None:
    """Hide or show a priority, or edit its text (the original stays in the audit log)."""
    _ = gettext()
    editable = [p for p in items if p["state"] != "merged"]
    chosen = priority_picker(_("Priority"), editable, f"moderate_pick_{question['id']}")
    if chosen is None:
        st.info(_("No priorities yet."))
        return
    priority = next(p for p in editable if p["id"] == chosen)
    st.text(priority["title"])
    hidden = priority["state"] == "hidden"
    if st.button(_("Show again") if hidden else _("Hide"), key=f"hide_{chosen}"):
        run_action(facilitation.set_priority_hidden, chosen, not hidden, user["username"],
                   done=_("Priority #{id} is visible again.").format(id=chosen) if hidden
                   else _("Priority #{id} is hidden.").format(id=chosen))
    theme_by_id = {t["id"]: t["name"] for t in themes}
    with st.form(f"edit_{chosen}"):
        title = st.text_input(_("Title"), value=priority["title"], max_chars=rules.TITLE_MAX, key=f"edit_title_{chosen}")
        details = st.text_area(_("Details"), value=priority["details"], max_chars=rules.DETAILS_MAX,
                               key=f"edit_details_{chosen}")
        ids = [None] + list(theme_by_id)
        theme = st.selectbox(_("Theme"), ids, index=ids.index(priority["theme_id"]) if priority["theme_id"] in ids else 0,
                             format_func=lambda i: _(theme_by_id[i]) if i else "—", key=f"edit_theme_{chosen}")
        if st.form_submit_button(_("Save changes")):
            run_action(facilitation.edit_priority, chosen, title, details, theme, user["username"],
                       done=_("Priority #{id} saved; the original text is kept in the audit log.").format(id=chosen))


def render_merge(user: dict, question: dict, items: list[dict]) -> None:
    """Merge a duplicate into a surviving priority and say how many dots moved or came back."""
    _ = gettext()
    live = [p for p in items if p["state"] != "merged"]
    if len(live) < 2:
        st.info(_("Merging needs at least two priorities."))
        return
    st.caption(_("Each participant's dots on the duplicate move to the survivor up to the per-priority cap; "
                 "the rest go back to their budget."))
    source = priority_picker(_("Duplicate (disappears)"), live, f"merge_source_{question['id']}")
    target = priority_picker(_("Survivor (keeps the dots)"), live, f"merge_target_{question['id']}")
    if st.button(_("Merge"), key=f"merge_{question['id']}", type="primary"):
        run_action(facilitation.merge_priorities, source, target, user["username"],
                   done=_("Merged #{source} into #{target}:").format(source=source, target=target) + " "
                   + _("{moved} dots moved, {returned} dots returned to participants."))


def render_add_for_room(user: dict, question: dict, themes: list[dict]) -> None:
    """Add a priority on behalf of the room."""
    _ = gettext()
    theme_by_id = {t["id"]: t["name"] for t in themes}
    with st.form(f"room_{question['id']}", clear_on_submit=True):
        title = st.text_input(_("Title"), max_chars=rules.TITLE_MAX, key=f"room_title_{question['id']}")
        details = st.text_area(_("Details"), max_chars=rules.DETAILS_MAX, key=f"room_details_{question['id']}")
        theme = st.selectbox(_("Theme"), [None] + list(theme_by_id), format_func=lambda i: _(theme_by_id[i]) if i else "—",
                             key=f"room_theme_{question['id']}")
        if st.form_submit_button(_("Add for the room")):
            run_action(facilitation.add_priority_for_room, question["id"], title, user["username"], details=details,
                       theme_id=theme, done=_("Priority added for the room."))


def render_paper_ballot(user: dict, question: dict, items: list[dict]) -> None:
    """Type in one paper ballot: dots per priority, checked against the same rules."""
    _ = gettext()
    if question["phase"] not in ("voting", "closed"):
        st.info(_("Paper ballots can be recorded once voting has opened."))
        return
    reset_paper_form(question["id"])
    visible = [p for p in items if p["state"] == "visible"]
    st.caption(_("Up to {budget} dots per ballot, at most {cap} on one priority.").format(
        budget=question["dots_per_participant"], cap=question["max_dots_per_item"]))
    with st.form(f"paper_{question['id']}"):
        for item in visible:
            st.number_input(escape_markdown(f"#{item['id']} {item['title']}"), min_value=0,
                            max_value=question["max_dots_per_item"], step=1, key=f"paper_{question['id']}_{item['id']}")
        label = st.text_input(_("Ballot label (optional)"), max_chars=80, key=f"paper_label_{question['id']}")
        if st.form_submit_button(_("Record paper ballot"), type="primary"):
            allocation = {p["id"]: int(st.session_state[f"paper_{question['id']}_{p['id']}"]) for p in visible}
            try:
                facilitation.record_paper_ballot(get_db(), question["id"], {k: v for k, v in allocation.items() if v},
                                              user["username"], label)
            except RuleError as exc:
                show_error(exc)
                return
            st.session_state[f"paper_reset_{question['id']}"] = True
            flash(_("Paper ballot recorded: {dots} dots.").format(dots=sum(allocation.values())))
            st.rerun()


def reset_paper_form(question_id: int) -> None:
    """Clear the paper ballot inputs after a recorded ballot (before the widgets exist)."""
    if st.session_state.pop(f"paper_reset_{question_id}", False):
        for key in [k for k in st.session_state if str(k).startswith(f"paper_{question_id}_")
                    or k == f"paper_label_{question_id}"]:
            del st.session_state[key]


# ---------------------------------------------------------------- set up

def render_create_workshop(user: dict) -> None:
    """A new workshop with the standard themes and profile questions (editable afterwards)."""
    _ = gettext()
    with st.expander(_("Create a new workshop")), st.form("create_workshop", clear_on_submit=True):
        title = st.text_input(_("Title"), max_chars=200, key="create_title")
        description = st.text_area(_("Description"), max_chars=5000, key="create_description")
        codes = list(i18n.available_languages())
        language = st.selectbox(_("Language"), codes, format_func=i18n.language_name, key="create_language")
        standard = st.checkbox(_("Start with the standard themes and profile questions"), value=True, key="create_std")
        if st.form_submit_button(_("Create workshop"), type="primary"):
            try:
                new_id = workshops.create_workshop(
                    get_db(), title, user["username"], description=description, language=language,
                    themes=seed.load_reference()["themes"] if standard else (),
                    profile_questions=seed.default_profile_questions() if standard else ())
            except RuleError as exc:
                show_error(exc)
                return
            open_new_workshop(new_id, _("Workshop created with join code {code}."))


def render_workshop_settings(user: dict, workshop: dict) -> None:
    """Title, description, language, anonymity, submission limit and status."""
    _ = gettext()
    wid = workshop["id"]
    with st.form(f"settings_{wid}"):
        title = st.text_input(_("Title"), value=workshop["title"], max_chars=200, key=f"set_title_{wid}")
        description = st.text_area(_("Description"), value=workshop["description"], key=f"set_description_{wid}")
        codes = list(i18n.available_languages())
        language = st.selectbox(_("Language"), codes, index=codes.index(workshop["language"]) if workshop["language"]
                                in codes else 0, format_func=i18n.language_name, key=f"set_language_{wid}")
        anonymous = st.checkbox(_("Participants may stay anonymous"), value=bool(workshop["allow_anonymous"]),
                                key=f"set_anonymous_{wid}")
        limit = st.number_input(_("Priorities per participant"), 1, 50, workshop["max_priorities_per_participant"],
                                key=f"set_limit_{wid}")
        status = st.selectbox(_("Status"), workshops.STATUSES, key=f"set_status_{wid}",
                              index=workshops.STATUSES.index(workshop["status"]) if workshop["status"]
                              in workshops.STATUSES else 0,
                              format_func=lambda s: {"open": _("Open"), "finished": _("Finished")}[s])
        if st.form_submit_button(_("Save settings")):
            run_action(workshops.update_workshop, wid, user["username"], title=title, description=description,
                       language=language, allow_anonymous=anonymous, max_priorities_per_participant=int(limit),
                       status=status, done=_("Settings saved."))


def render_questions_setup(user: dict, workshop: dict) -> None:
    """Edit each question's wording and dot rules (frozen once voting starts), and add questions."""
    _ = gettext()
    for n, question in enumerate(workshops.list_questions(get_db(), workshop["id"]), start=1):
        qid = question["id"]
        with st.expander(_("Question {n}: {phase}").format(n=n, phase=phase_label(question["phase"]))):
            st.text(question["prompt"])
            prompt = st.text_area(_("Question"), value=question["prompt"], max_chars=500, key=f"prompt_{qid}")
            if st.button(_("Save question"), key=f"save_prompt_{qid}"):
                run_action(workshops.edit_question_prompt, qid, prompt, user["username"], done=_("Question saved."))
            frozen = question["phase"] in ("voting", "closed")
            if frozen:
                st.caption(_("Dot rules are frozen once voting has started."))
            with st.container(horizontal=True, vertical_alignment="bottom"):
                budget = st.number_input(_("Dots per participant"), 1, 100, question["dots_per_participant"],
                                         key=f"budget_{qid}", disabled=frozen)
                cap = st.number_input(_("Dots per priority"), 1, 100, question["max_dots_per_item"],
                                      key=f"cap_{qid}", disabled=frozen)
                if st.button(_("Save dot rules"), key=f"save_rules_{qid}", disabled=frozen):
                    run_action(facilitation.set_dot_rules, qid, int(budget), int(cap), user["username"],
                               done=_("Dot rules saved."))
    with st.form(f"add_question_{workshop['id']}", clear_on_submit=True):
        prompt = st.text_area(_("New question"), max_chars=500, key=f"new_prompt_{workshop['id']}")
        with st.container(horizontal=True):
            budget = st.number_input(_("Dots per participant"), 1, 100, 5, key=f"new_budget_{workshop['id']}")
            cap = st.number_input(_("Dots per priority"), 1, 100, 3, key=f"new_cap_{workshop['id']}")
        if st.form_submit_button(_("Add question")):
            run_action(workshops.add_question, workshop["id"], prompt, user["username"], dots_per_participant=int(budget),
                       max_dots_per_item=int(cap), done=_("Question added."))


def render_themes_editor(user: dict, workshop: dict) -> None:
    """Edit the theme list as a table."""
    _ = gettext()
    frame = pd.DataFrame(workshops.list_themes(get_db(), workshop["id"]), columns=["id", "name"])
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, disabled=["id"], key=f"themes_{workshop['id']}",
                            column_config={"id": None, "name": st.column_config.TextColumn(_("Theme"), max_chars=80)})
    if st.button(_("Save themes"), key=f"save_themes_{workshop['id']}"):
        rows = [r for r in edited.to_dict("records") if isinstance(r.get("name"), str) and r["name"].strip()]
        run_action(workshops.save_themes, workshop["id"], rows, user["username"], done=_("Themes saved."))


def render_profile_editor(user: dict, workshop: dict) -> None:
    """Edit the profile questions participants answer when joining."""
    _ = gettext()
    rows = [{"key": pq["key"], "label": pq["label"], "options": workshops.format_options(pq["options"]),
             "required": bool(pq["required"])} for pq in workshops.list_profile_questions(get_db(), workshop["id"])]
    frame = pd.DataFrame(rows, columns=["key", "label", "options", "required"])
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, disabled=["key"],
                            key=f"profile_{workshop['id']}", column_config={
                                "key": _("Key"), "label": _("Question"), "options": _("Answers (comma separated)"),
                                "required": st.column_config.CheckboxColumn(_("Required"))})
    if st.button(_("Save profile questions"), key=f"save_profile_{workshop['id']}"):
        kept = [r for r in edited.to_dict("records") if isinstance(r.get("label"), str) and r["label"].strip()]
        run_action(workshops.save_profile_questions, workshop["id"], kept, user["username"],
                   done=_("Profile questions saved."))


def render_duplicate(user: dict, workshop: dict) -> None:
    """Copy this workshop as a template (no participants, priorities or dots)."""
    _ = gettext()
    title = st.text_input(_("Title of the copy"), key=f"copy_title_{workshop['id']}")
    if st.button(_("Duplicate as template"), key=f"duplicate_{workshop['id']}"):
        try:
            new_id = workshops.duplicate_workshop(get_db(), workshop["id"], user["username"], title)
        except RuleError as exc:
            show_error(exc)
            return
        open_new_workshop(new_id, _("Copy created with join code {code}."))


def open_new_workshop(workshop_id: int, message: str) -> None:
    """Select a just-made workshop and say its join code after the rerun."""
    st.session_state[WORKSHOP_KEY] = workshop_id
    flash(message.format(code=workshops.get_workshop(get_db(), workshop_id)["code"]))
    st.rerun()


def render_audit(workshop: dict) -> None:
    """Who did what and when."""
    _ = gettext()
    frame = pd.DataFrame(audit.list_workshop_audit(get_db(), workshop["id"]),
                         columns=["at", "actor", "action", "details"])
    st.dataframe(frame, hide_index=True, column_config={"at": _("When"), "actor": _("Who"), "action": _("Action"),
                                                        "details": _("Details")})


# ---------------------------------------------------------------- users

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
                         columns=["username", "name", "email", "role", "disabled", "locked_until", "created_at"])
    frame["disabled"] = frame["disabled"].astype(bool)
    st.dataframe(frame, hide_index=True, column_config={
        "username": _("Username"), "name": _("Name"), "email": _("Email"), "role": _("Role"),
        "disabled": st.column_config.CheckboxColumn(_("Disabled")), "locked_until": _("Locked until"),
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
