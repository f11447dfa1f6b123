"""The audit log: who did what, when; written inside the caller's transaction."""

from __future__ import annotations

import json

from components.storage import fetch_all


def record(db, actor: str, action: str, workshop_id: int | None = None, **details) -> None:
    """Append one row to the audit log (inside the caller's transaction, if any)."""
    db.conn.execute(
        "INSERT INTO audit_log (actor, action, workshop_id, details) VALUES (?, ?, ?, ?)",
        (actor, action, workshop_id, json.dumps(details, ensure_ascii=False, sort_keys=True)),
    )


def list_audit(db, workshop_id: int) -> list[dict]:
    """Return a workshop's audit log, oldest first."""
    return fetch_all(db, "SELECT * FROM audit_log WHERE workshop_id = ? ORDER BY id", (workshop_id,))


def list_workshop_audit(db, workshop_id: int, limit: int = 200) -> list[dict]:
    """Return the newest audit rows of a workshop, newest first."""
    return fetch_all(db, "SELECT at, actor, action, details FROM audit_log WHERE workshop_id = ?"
                         " ORDER BY id DESC LIMIT ?", (workshop_id, limit))
