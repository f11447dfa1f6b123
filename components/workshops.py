"""Setting a workshop up and reading it: workshops, questions, themes, profile questions.

Every function takes an open sqlite-utils Database and enforces the rules in components.rules;
every change is audited. Writes that depend on a read happen under BEGIN IMMEDIATE.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Iterable

from components import audit, auth, rules
from components.storage import fetch_all, fetch_one, fetch_value, immediate


def create_workshop(db, title: str, actor: str, *, description: str = "", language: str = "en",
                    country: str | None = None, themes: Iterable[str] = (),
                    profile_questions: Iterable[dict] = (), allow_anonymous: bool = True,
                    max_priorities_per_participant: int = 5, questions: Iterable[dict] = ()) -> int:
    """Create a workshop with a fresh join code, its themes, profile questions and first questions, all or nothing.

    ``questions`` are dicts with a prompt and optionally dots_per_participant and max_dots_per_item.
    """
    title, description = rules.clean_workshop_title(title), rules.clean_description(description)
    themes = [rules.drop_invisible(name).strip() for name in themes]
    rules.check_theme_names(themes)
    profile_questions = clean_profile_rows(profile_questions)
    questions = [clean_question(q) for q in questions]
    with immediate(db):
        code = _unused_code(db)
        cur = db.conn.execute(
            "INSERT INTO workshop (code, title, description, language, country, allow_anonymous,"
            " max_priorities_per_participant) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code, title, description, language, country, int(allow_anonymous),
             max_priorities_per_participant),
        )
        workshop_id = cur.lastrowid
        db.conn.execute("INSERT INTO receipt_key (workshop_id, secret) VALUES (?, ?)",
                        (workshop_id, secrets.token_bytes(rules.RECEIPT_SECRET_BYTES)))
        for position, name in enumerate(themes):
            db.conn.execute("INSERT INTO theme (workshop_id, name, position) VALUES (?, ?, ?)",
                            (workshop_id, name, position))
        for position, pq in enumerate(profile_questions):
            db.conn.execute(
                "INSERT INTO profile_question (workshop_id, key, label, options, required, position)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (workshop_id, pq["key"], pq["label"], json.dumps(list(pq.get("options", [])), ensure_ascii=False),
                 int(pq.get("required", False)), position),
            )
        audit.record(db, actor, "workshop.create", workshop_id, title=title, code=code)
        for position, question in enumerate(questions):
            cur = db.conn.execute("INSERT INTO question (workshop_id, prompt, position, dots_per_participant,"
                                  " max_dots_per_item) VALUES (?, ?, ?, ?, ?)",
                                  (workshop_id, question["prompt"], position, question["dots_per_participant"],
                                   question["max_dots_per_item"]))
            audit.record(db, actor, "question.create", workshop_id, question_id=cur.lastrowid, **question)
    return workshop_id


def clean_question(question: dict) -> dict:
    """A new question's prompt and dot rules, checked (5 dots, at most 3 on one priority unless given)."""
    cleaned = {"prompt": rules.clean_question_prompt(question.get("prompt")),
               "dots_per_participant": int(question.get("dots_per_participant", 5)),
               "max_dots_per_item": int(question.get("max_dots_per_item", 3))}
    rules.check_dot_rules(cleaned["dots_per_participant"], cleaned["max_dots_per_item"])
    return cleaned


def _unused_code(db) -> str:
    """Draw join codes until one is free."""
    while True:
        code = rules.new_join_code()
        if fetch_value(db, "SELECT 1 FROM workshop WHERE code = ?", (code,)) is None:
            return code


def add_question(db, workshop_id: int, prompt: str, actor: str, *, dots_per_participant: int = 5,
                 max_dots_per_item: int = 3) -> int:
    """Add a question at the end of a workshop's list."""
    prompt = rules.clean_question_prompt(prompt)
    rules.check_dot_rules(dots_per_participant, max_dots_per_item)
    with immediate(db):
        require_open_workshop(db, workshop_id)
        position = fetch_value(db, "SELECT coalesce(max(position), -1) + 1 FROM question WHERE workshop_id = ?",
                               (workshop_id,))
        cur = db.conn.execute(
            "INSERT INTO question (workshop_id, prompt, position, dots_per_participant, max_dots_per_item)"
            " VALUES (?, ?, ?, ?, ?)",
            (workshop_id, prompt.strip(), position, dots_per_participant, max_dots_per_item),
        )
        audit.record(db, actor, "question.create", workshop_id, question_id=cur.lastrowid, prompt=prompt.strip(),
              dots_per_participant=dots_per_participant, max_dots_per_item=max_dots_per_item)
    return cur.lastrowid


def require_open_workshop(db, workshop_id: int) -> dict:
    """Return a workshop that can still change, or refuse (gone, finished or anonymised)."""
    workshop = get_workshop(db, workshop_id)
    rules.check_workshop_exists(workshop)
    rules.check_workshop_open(workshop)
    return workshop


def get_workshop(db, workshop_id: int) -> dict | None:
    """Return one workshop by id."""
    return fetch_one(db, "SELECT * FROM workshop WHERE id = ?", (workshop_id,))


def find_workshop_by_code(db, code: str) -> dict | None:
    """Return the workshop with this join code (typed loosely), or None."""
    return fetch_one(db, "SELECT * FROM workshop WHERE code = ?", (rules.normalise_code(code),))


def list_workshops(db) -> list[dict]:
    """Return all workshops, newest first."""
    return fetch_all(db, "SELECT * FROM workshop ORDER BY id DESC")


def list_questions(db, workshop_id: int) -> list[dict]:
    """Return a workshop's questions in order."""
    return fetch_all(db, "SELECT * FROM question WHERE workshop_id = ? ORDER BY position", (workshop_id,))


def get_question(db, question_id: int) -> dict | None:
    """Return one question by id."""
    return fetch_one(db, "SELECT * FROM question WHERE id = ?", (question_id,))


def list_themes(db, workshop_id: int) -> list[dict]:
    """Return a workshop's themes in order."""
    return fetch_all(db, "SELECT id, name FROM theme WHERE workshop_id = ? ORDER BY position, id", (workshop_id,))


def list_profile_questions(db, workshop_id: int) -> list[dict]:
    """Return a workshop's profile questions with decoded options."""
    rows = fetch_all(db, "SELECT * FROM profile_question WHERE workshop_id = ? ORDER BY position", (workshop_id,))
    for row in rows:
        row["options"] = json.loads(row["options"])
    return rows


def phase_signature(db, workshop_id: int) -> tuple:
    """Return a cheap fingerprint of every question's phase and visibility, for polling."""
    return tuple(db.conn.execute(
        "SELECT id, phase, results_visibility, phase_deadline FROM question WHERE workshop_id = ? ORDER BY position",
        (workshop_id,)).fetchall())


def ballot_signature(db, workshop_id: int) -> tuple:
    """Fingerprint of the ballots phones show (voting or closed questions): changes with a merge, undo or hide."""
    return tuple(db.conn.execute(
        "SELECT q.id, count(p.id), total(p.id) FROM question q LEFT JOIN priority p ON p.question_id = q.id"
        " AND p.state = 'visible' WHERE q.workshop_id = ? AND q.phase IN ('voting', 'closed') GROUP BY q.id ORDER BY q.id",
        (workshop_id,)).fetchall())


def check_theme(db, workshop_id: int, theme_id: int | None) -> None:
    """Refuse a theme from another workshop."""
    if theme_id is not None:
        rules.check_theme_found(fetch_value(db, "SELECT 1 FROM theme WHERE id = ? AND workshop_id = ?",
                                            (theme_id, workshop_id)) is not None)


def get_priority(db, priority_id: int) -> dict | None:
    """Return one priority by id."""
    return fetch_one(db, "SELECT * FROM priority WHERE id = ?", (priority_id,))


def list_visible_priorities(db, question_id: int) -> list[dict]:
    """Return the visible priorities of a question with their theme names."""
    return fetch_all(db, "SELECT p.id, p.title, p.details, p.theme_id, t.name AS theme FROM priority p"
                         " LEFT JOIN theme t ON t.id = p.theme_id"
                         " WHERE p.question_id = ? AND p.state = 'visible' ORDER BY p.id", (question_id,))


WORKSHOP_FIELDS = ("title", "description", "language", "allow_anonymous", "max_priorities_per_participant", "status")



def update_workshop(db, workshop_id: int, actor: str, **changes) -> None:
    """Change a workshop's settings (title, description, language, anonymity, limit, status)."""
    rules.check_workshop_settings(changes, WORKSHOP_FIELDS)
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    if "title" in cleaned:
        cleaned["title"] = rules.clean_workshop_title(cleaned["title"])
    if "description" in cleaned:
        cleaned["description"] = rules.clean_description(cleaned["description"])
    if "allow_anonymous" in cleaned:
        cleaned["allow_anonymous"] = int(bool(cleaned["allow_anonymous"]))
    with immediate(db):
        workshop = get_workshop(db, workshop_id)
        rules.check_workshop_exists(workshop)
        changed = {field for field, value in cleaned.items() if workshop[field] != value}
        actor_user = auth.get_user(db, actor)
        rules.check_settings_change(workshop, changed, actor_user["role"] if actor_user else None)
        if cleaned:
            assignments = ", ".join(f"{field} = ?" for field in cleaned)
            db.conn.execute(f"UPDATE workshop SET {assignments} WHERE id = ?", (*cleaned.values(), workshop_id))
        audit.record(db, actor, "workshop.update", workshop_id, **cleaned)


def duplicate_workshop(db, workshop_id: int, actor: str, title: str | None = None) -> int:
    """Copy a workshop as a template: settings, themes, profile questions and questions (no people, no votes)."""
    source = get_workshop(db, workshop_id)
    rules.check_workshop_exists(source)
    new_id = create_workshop(
        db, (title or "").strip() or f"{source['title']} (copy)"[:rules.WORKSHOP_TITLE_MAX], actor, description=source["description"],
        language=source["language"], country=source["country"],
        themes=[t["name"] for t in list_themes(db, workshop_id)],
        profile_questions=list_profile_questions(db, workshop_id),
        allow_anonymous=bool(source["allow_anonymous"]),
        max_priorities_per_participant=source["max_priorities_per_participant"])
    for question in list_questions(db, workshop_id):
        add_question(db, new_id, question["prompt"], actor,
                               dots_per_participant=question["dots_per_participant"],
                               max_dots_per_item=question["max_dots_per_item"])
    with immediate(db):
        audit.record(db, actor, "workshop.duplicate", new_id, source_id=workshop_id)
    return new_id


def edit_question_prompt(db, question_id: int, prompt: str, actor: str) -> None:
    """Reword a question, keeping the old wording in the audit log."""
    prompt = rules.clean_question_prompt(prompt)
    with immediate(db):
        question = get_question(db, question_id)
        rules.check_question_exists(question)
        require_open_workshop(db, question["workshop_id"])
        db.conn.execute("UPDATE question SET prompt = ? WHERE id = ?", (prompt, question_id))
        audit.record(db, actor, "question.edit", question["workshop_id"], question_id=question_id,
                        old_prompt=question["prompt"], prompt=prompt)


def save_themes(db, workshop_id: int, rows: list[dict], actor: str) -> None:
    """Save the theme list: rows with an id are renamed, rows without are added, missing ids are removed."""
    names = [_cell(row.get("name")) for row in rows]
    rules.check_theme_names(names)
    with immediate(db):
        require_open_workshop(db, workshop_id)
        existing = {t["id"] for t in list_themes(db, workshop_id)}
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
        audit.record(db, actor, "workshop.themes", workshop_id, themes=names, removed=sorted(existing - kept))


def _has_id(row: dict) -> bool:
    """True when a table row carries an existing database id."""
    value = row.get("id")
    return value is not None and value == value and str(value).strip() != ""  # NaN != NaN


def clean_profile_rows(rows: Iterable[dict]) -> list[dict]:
    """Profile question rows (label, options, required, optional key) checked; keys follow the labels."""
    cleaned, keys = [], set()
    for row in rows:
        label = _cell(row.get("label"))
        rules.check_profile_label(label)
        key = _cell(row.get("key")) or slug_key(label)
        if key in keys:
            key = f"{key[:36]}_{len(keys)}"
        keys.add(key)
        cleaned.append({"key": key, "label": label, "options": parse_options(row.get("options")),
                        "required": _is_true(row.get("required"))})
    return cleaned


def save_profile_questions(db, workshop_id: int, rows: list[dict], actor: str) -> None:
    """Replace a workshop's profile questions (label, options, required); keys follow the labels."""
    cleaned = clean_profile_rows(rows)
    with immediate(db):
        require_open_workshop(db, workshop_id)
        db.conn.execute("DELETE FROM profile_question WHERE workshop_id = ?", (workshop_id,))
        for position, pq in enumerate(cleaned):
            db.conn.execute("INSERT INTO profile_question (workshop_id, key, label, options, required, position)"
                            " VALUES (?, ?, ?, ?, ?, ?)", (workshop_id, pq["key"], pq["label"],
                                                           json.dumps(pq["options"], ensure_ascii=False),
                                                           int(pq["required"]), position))
        audit.record(db, actor, "workshop.profile_questions", workshop_id, questions=cleaned)


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


def count_participants(db, workshop_id: int) -> int:
    """Count everyone who joined a workshop (phones and paper ballots)."""
    return fetch_value(db, "SELECT count(*) FROM participant WHERE workshop_id = ?", (workshop_id,))


def current_question(questions: list[dict]) -> dict | None:
    """Return the question the room is on: the most recently moved non-draft one, else the first."""
    live = [q for q in questions if q["phase"] != "draft"]
    if not live:
        return questions[0] if questions else None
    return max(live, key=lambda q: (q["phase_changed_at"], q["id"]))
