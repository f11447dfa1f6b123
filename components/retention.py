"""Data retention: anonymise or delete a workshop once it is over. Both need the join code typed as confirmation."""

from __future__ import annotations

from components import audit, rules, seats, workshops
from components.storage import checkpoint_truncate, fetch_all, fetch_value, immediate


def _workshop(db, workshop_id: int) -> dict:
    """Return a workshop or refuse."""
    workshop = workshops.get_workshop(db, workshop_id)
    rules.check_workshop_exists(workshop)
    return workshop


def finish_workshop(db, workshop_id: int, actor: str) -> None:
    """Close a workshop for good: nobody can join, submit or vote any more."""
    with immediate(db):
        workshop = _workshop(db, workshop_id)
        rules.check_workshop_open(workshop)
        db.conn.execute("UPDATE workshop SET status = 'finished' WHERE id = ?", (workshop_id,))
        audit.record(db, actor, "workshop.finish", workshop_id)


def anonymise_workshop(db, workshop_id: int, actor: str, typed_code: str) -> dict:
    """Drop participants' display names and tokens (also from the audit details) and mark the workshop
    anonymised; results stay. The -wal file is emptied afterwards so it keeps no copy of them.

    The receipt secret stays: a receipt names a ballot, not a person, so after the names and tokens are gone
    the report and export still list the same receipts and voters can still check theirs. Deleting the
    workshop deletes the secret with it (ON DELETE CASCADE)."""
    with immediate(db):
        workshop = _workshop(db, workshop_id)
        rules.check_typed_code(workshop, typed_code)
        rules.check_not_anonymised(workshop)
        people = fetch_all(db, "SELECT display_name, token FROM participant WHERE workshop_id = ?", (workshop_id,))
        names = [p["display_name"] for p in people if p["display_name"] is not None]
        tokens = [p["token"] for p in people if p["token"] is not None]
        db.conn.execute("UPDATE participant SET display_name = NULL, token = NULL WHERE workshop_id = ?",
                        (workshop_id,))
        registered = seats.forget_people(db, workshop_id)  # registration names, e-mails and seat codes
        db.conn.execute("UPDATE workshop SET status = 'anonymised' WHERE id = ?", (workshop_id,))
        redacted = audit.redact_people(db, workshop_id, names + registered, tokens)
        audit.record(db, actor, "workshop.anonymise", workshop_id, names_removed=len(names),
                     tokens_removed=len(tokens), audit_rows_redacted=redacted)
    checkpoint_truncate(db)
    return {"names_removed": len(names), "tokens_removed": len(tokens)}


def delete_workshop(db, workshop_id: int, actor: str, typed_code: str) -> dict:
    """Delete a workshop with its questions, priorities, dots and participants.

    The audit log keeps who did what when, but its details lose every title, name and text; the delete's
    own row holds only the id and counts. The -wal file is emptied afterwards so it keeps no copy either.
    """
    with immediate(db):
        workshop = _workshop(db, workshop_id)
        rules.check_typed_code(workshop, typed_code)
        counts = {"participants": fetch_value(db, "SELECT count(*) FROM participant WHERE workshop_id = ?",
                                              (workshop_id,)),
                  "dots": fetch_value(db, "SELECT count(*) FROM dot d JOIN question q ON q.id = d.question_id"
                                          " WHERE q.workshop_id = ?", (workshop_id,))}
        priority_ids = [r["id"] for r in fetch_all(db, "SELECT p.id FROM priority p JOIN question q"
                                                     " ON q.id = p.question_id WHERE q.workshop_id = ?", (workshop_id,))]
        # Merged priorities point at survivors without ON DELETE; clear the links before the cascade.
        db.conn.execute("UPDATE priority SET state = 'hidden', merged_into_id = NULL WHERE merged_into_id IS NOT NULL"
                        " AND question_id IN (SELECT id FROM question WHERE workshop_id = ?)", (workshop_id,))
        db.conn.execute("DELETE FROM workshop WHERE id = ?", (workshop_id,))
        redacted = audit.redact_deleted_workshop(db, workshop_id, priority_ids)
        audit.record(db, actor, "workshop.delete", workshop_id, **counts, audit_rows_redacted=redacted)
    checkpoint_truncate(db)
    return counts
