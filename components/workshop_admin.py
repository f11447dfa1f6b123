"""Setting workshops up: edit, duplicate as a template, themes, profile questions, join links and QR codes.

No Streamlit here; the staff screens (components.ui.common, facilitate, setup, users) render these.
Every change is audited.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import quote, urlsplit

import segno

from components import auth, rules, workshops
from components.rules import RuleError
from components.storage import fetch_all, fetch_value, immediate

WORKSHOP_FIELDS = ("title", "description", "language", "allow_anonymous", "max_priorities_per_participant", "status")
STATUSES = ("open", "finished")


def update_workshop(db, workshop_id: int, actor: str, **changes) -> None:
    """Change a workshop's settings (title, description, language, anonymity, limit, status)."""
    unknown = set(changes) - set(WORKSHOP_FIELDS)
    if unknown:
        raise RuleError("Unknown workshop setting.")
    if "title" in changes and not (changes["title"] or "").strip():
        raise RuleError("Please give the workshop a title.")
    if "status" in changes and changes["status"] not in STATUSES:
        raise RuleError("Unknown workshop status.")
    if "max_priorities_per_participant" in changes and not 1 <= int(changes["max_priorities_per_participant"]) <= 50:
        raise RuleError("Priorities per participant must be between 1 and 50.")
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    if "allow_anonymous" in cleaned:
        cleaned["allow_anonymous"] = int(bool(cleaned["allow_anonymous"]))
    with immediate(db):
        if workshops.get_workshop(db, workshop_id) is None:
            raise RuleError("This workshop no longer exists.")
        if cleaned:
            assignments = ", ".join(f"{field} = ?" for field in cleaned)
            db.conn.execute(f"UPDATE workshop SET {assignments} WHERE id = ?", (*cleaned.values(), workshop_id))
        workshops.audit(db, actor, "workshop.update", workshop_id, **cleaned)


def duplicate_workshop(db, workshop_id: int, actor: str, title: str | None = None) -> int:
    """Copy a workshop as a template: settings, themes, profile questions and questions (no people, no votes)."""
    source = workshops.get_workshop(db, workshop_id)
    if source is None:
        raise RuleError("This workshop no longer exists.")
    new_id = workshops.create_workshop(
        db, (title or "").strip() or f"{source['title']} (copy)"[:200], actor, description=source["description"],
        language=source["language"], country=source["country"],
        themes=[t["name"] for t in workshops.list_themes(db, workshop_id)],
        profile_questions=workshops.list_profile_questions(db, workshop_id),
        allow_anonymous=bool(source["allow_anonymous"]),
        max_priorities_per_participant=source["max_priorities_per_participant"])
    for question in workshops.list_questions(db, workshop_id):
        workshops.add_question(db, new_id, question["prompt"], actor,
                               dots_per_participant=question["dots_per_participant"],
                               max_dots_per_item=question["max_dots_per_item"])
    with immediate(db):
        workshops.audit(db, actor, "workshop.duplicate", new_id, source_id=workshop_id)
    return new_id


def edit_question_prompt(db, question_id: int, prompt: str, actor: str) -> None:
    """Reword a question, keeping the old wording in the audit log."""
    prompt = (prompt or "").strip()
    if not prompt:
        raise RuleError("Please write the question.")
    if len(prompt) > 500:
        raise RuleError("Please keep the question to {max} characters or fewer.", max=500)
    with immediate(db):
        question = workshops.get_question(db, question_id)
        if question is None:
            raise RuleError("This question no longer exists.")
        db.conn.execute("UPDATE question SET prompt = ? WHERE id = ?", (prompt, question_id))
        workshops.audit(db, actor, "question.edit", question["workshop_id"], question_id=question_id,
                        old_prompt=question["prompt"], prompt=prompt)


def save_themes(db, workshop_id: int, rows: list[dict], actor: str) -> None:
    """Save the theme list: rows with an id are renamed, rows without are added, missing ids are removed."""
    names = [_cell(row.get("name")) for row in rows]
    if any(not n or len(n) > 80 for n in names):
        raise RuleError("Theme names need 1–80 characters.")
    if len(set(names)) != len(names):
        raise RuleError("Theme names must be different from each other.")
    with immediate(db):
        existing = {t["id"] for t in workshops.list_themes(db, workshop_id)}
        kept = {int(row["id"]) for row in rows if _has_id(row)} & existing
        for theme_id in existing - kept:
            db.conn.execute("DELETE FROM theme WHERE id = ?", (theme_id,))
        # Park names first so a swap of two names never trips UNIQUE(workshop_id, name).
        db.conn.execute("UPDATE theme SET name = '~' || id WHERE workshop_id = ?", (workshop_id,))
        for position, (row, name) in enumerate(zip(rows, names)):
            if _has_id(row) and int(row["id"]) in kept:
                db.conn.execute("UPDATE theme SET name = ?, position = ? WHERE id = ?", (name, position, int(row["id"])))
            else:
                db.conn.execute("INSERT INTO theme (workshop_id, name, position) VALUES (?, ?, ?)",
                                (workshop_id, name, position))
        workshops.audit(db, actor, "workshop.themes", workshop_id, themes=names, removed=sorted(existing - kept))


def _has_id(row: dict) -> bool:
    """True when a table row carries an existing database id."""
    value = row.get("id")
    return value is not None and value == value and str(value).strip() != ""  # NaN != NaN


def save_profile_questions(db, workshop_id: int, rows: list[dict], actor: str) -> None:
    """Replace a workshop's profile questions (label, options, required); keys follow the labels."""
    cleaned, keys = [], set()
    for row in rows:
        label = _cell(row.get("label"))
        if not label or len(label) > 200:
            raise RuleError("Profile questions need a label of 1–200 characters.")
        key = _cell(row.get("key")) or slug_key(label)
        if key in keys:
            key = f"{key[:36]}_{len(keys)}"
        keys.add(key)
        cleaned.append({"key": key, "label": label, "options": parse_options(row.get("options")),
                        "required": _is_true(row.get("required"))})
    with immediate(db):
        db.conn.execute("DELETE FROM profile_question WHERE workshop_id = ?", (workshop_id,))
        for position, pq in enumerate(cleaned):
            db.conn.execute("INSERT INTO profile_question (workshop_id, key, label, options, required, position)"
                            " VALUES (?, ?, ?, ?, ?, ?)", (workshop_id, pq["key"], pq["label"],
                                                           json.dumps(pq["options"], ensure_ascii=False),
                                                           int(pq["required"]), position))
        workshops.audit(db, actor, "workshop.profile_questions", workshop_id, questions=cleaned)


def _cell(value) -> str:
    """A table cell as trimmed text; an empty cell (None or NaN) is ''."""
    return value.strip() if isinstance(value, str) else ""


def _is_true(value) -> bool:
    """A table cell as a yes/no; an empty cell (None or NaN) is no."""
    return value is not None and value == value and bool(value)


def slug_key(label: str) -> str:
    """Turn a label into a profile key: lower-case ascii letters, digits and underscores, starting with a letter."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return ("q_" + slug if not slug[:1].isalpha() else slug)[:40] or "q"


def parse_options(value) -> list[str]:
    """Accept options as a list or one comma/semicolon/newline separated string."""
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = re.split(r"[;,\n]", _cell(value))
    return list(dict.fromkeys(item.strip()[:200] for item in items if item and item.strip()))


def format_options(options: list[str]) -> str:
    """Show options as one editable comma-separated string."""
    return ", ".join(options)


def set_user_disabled(db, username: str, disabled: bool, actor: str) -> None:
    """Disable or enable a staff account; never your own, nor the last enabled organiser."""
    if disabled:
        user = auth.get_user(db, username)
        if username == actor:
            raise RuleError("You cannot disable your own account.")
        if user and user["role"] == "organiser" and not user["disabled"] and auth.count_organisers(db) <= 1:
            raise RuleError("At least one organiser account must stay enabled.")
    auth.set_user_disabled(db, username, disabled, actor)


def list_workshop_audit(db, workshop_id: int, limit: int = 200) -> list[dict]:
    """Return the newest audit rows of a workshop, newest first."""
    return fetch_all(db, "SELECT at, actor, action, details FROM audit_log WHERE workshop_id = ?"
                         " ORDER BY id DESC LIMIT ?", (workshop_id, limit))


def count_participants(db, workshop_id: int) -> int:
    """Count everyone who joined a workshop (phones and paper ballots)."""
    return fetch_value(db, "SELECT count(*) FROM participant WHERE workshop_id = ?", (workshop_id,))


def current_question(questions: list[dict]) -> dict | None:
    """Return the question the room is on: the most recently moved non-draft one, else the first."""
    live = [q for q in questions if q["phase"] != "draft"]
    if not live:
        return questions[0] if questions else None
    return max(live, key=lambda q: (q["phase_changed_at"], q["id"]))


# ---------------------------------------------------------------- join links and QR codes

def join_url(page_url: str, code: str) -> str:
    """Return the participant join link for a code, on the same server as the page being viewed."""
    parts = urlsplit(page_url or "")
    base = f"{parts.scheme}://{parts.netloc}/" if parts.netloc else "/"
    return f"{base}?code={quote(rules.normalise_code(code))}"


def short_url(url: str) -> str:
    """Return a link without its scheme, for reading off a screen."""
    return re.sub(r"^https?://", "", url)


def qr_png(url: str, dark: bool = False, scale: int = 12) -> bytes:
    """Return a QR code of a link as PNG bytes (light on dark when dark=True)."""
    colours = {"dark": "#FFFFFF", "light": "#000000"} if dark else {"dark": "#000000", "light": "#FFFFFF"}
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2, **colours)
    return buffer.getvalue()


def qr_svg(url: str, dark: bool = False, scale: int = 10) -> str:
    """Return a QR code of a link as an SVG string."""
    colours = {"dark": "#FFFFFF", "light": "#000000"} if dark else {"dark": "#000000", "light": "#FFFFFF"}
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False, **colours)
    return buffer.getvalue().decode()
