"""Reference lists and the demo workshop."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from components import facilitation, workshops

DATA_DIR = Path(__file__).resolve().parent.parent / "workshop_data"
SEED_ACTOR = "seed"


@lru_cache(maxsize=1)
def load_reference() -> dict:
    """Return the country, organisation-type and theme lists."""
    return json.loads((DATA_DIR / "reference.json").read_text(encoding="utf-8"))


def default_profile_questions() -> list[dict]:
    """Country and organisation type, both optional, from the reference lists."""
    ref = load_reference()
    return [
        {"key": "country", "label": "Country", "options": ref["countries"], "required": False},
        {"key": "org_type", "label": "Organisation type", "options": ref["organisation_types"], "required": False},
    ]


def seed_demo(db) -> int:
    """Create the demo workshop and return its id."""
    spec = json.loads((DATA_DIR / "demo_seed.json").read_text(encoding="utf-8"))
    workshop_id = workshops.create_workshop(
        db, spec["title"], SEED_ACTOR, description=spec["description"], language=spec["language"],
        themes=load_reference()["themes"], profile_questions=default_profile_questions(),
        allow_anonymous=spec["allow_anonymous"], max_priorities_per_participant=spec["max_priorities_per_participant"],
    )
    themes = {t["name"]: t["id"] for t in workshops.list_themes(db, workshop_id)}
    for q in spec["questions"]:
        qid = workshops.add_question(db, workshop_id, q["prompt"], SEED_ACTOR,
                                     dots_per_participant=q["dots_per_participant"],
                                     max_dots_per_item=q["max_dots_per_item"])
        if q["phase"] != "draft":
            facilitation.set_phase(db, qid, q["phase"], SEED_ACTOR)
        for example in q["examples"]:
            facilitation.add_priority_for_room(db, qid, example["title"], SEED_ACTOR, theme_id=themes.get(example["theme"]))
    return workshop_id


def ensure_demo(db) -> int | None:
    """Seed the demo workshop when the database has no workshop yet; return its id if created."""
    if db.conn.execute("SELECT count(*) FROM workshop").fetchone()[0]:
        return None
    return seed_demo(db)
