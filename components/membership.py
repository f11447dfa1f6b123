"""The network's membership mix: members per country and per organisation type, entered or imported as CSV.

A mix is checked whole before anything is stored: every bad row is named and nothing is half-saved. It is
stored per workshop and can be copied from another workshop of the same network. These are figures about
the network, not about any person. No Streamlit here.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from components import audit, rules, workshops
from components.rules import RuleError
from components.spreadsheet import neutralise, restore_text
from components.storage import fetch_all, immediate

# The kinds of group a mix gives, keyed like the profile questions whose answers they are compared with.
DIMENSIONS = {"country": "Country", "org_type": "Organisation type"}
CSV_COLUMNS = ["dimension", "group", "count", "share"]


def list_options(db, workshop_id: int) -> dict[str, list[str] | None]:
    """Dimension -> the answers the workshop offers ([] for free text); None when it does not ask."""
    asked = {pq["key"]: pq for pq in workshops.list_profile_questions(db, workshop_id)}
    return {key: (list(asked[key]["options"]) if key in asked else None) for key in DIMENSIONS}


def list_aliases(db, workshop_id: int) -> dict[str, str]:
    """What a file may write in its dimension column (key, English or workshop label, any case) -> key."""
    aliases = {}
    for pq in workshops.list_profile_questions(db, workshop_id):
        if pq["key"] in DIMENSIONS:
            aliases[pq["label"].strip().casefold()] = pq["key"]
    aliases.update({name.casefold(): key for key, name in DIMENSIONS.items()})
    aliases.update({key: key for key in DIMENSIONS})
    return aliases


# ---------------------------------------------------------------- checking

def clean_rows(rows: list[dict], options: dict[str, list[str] | None]) -> dict[str, list[dict]]:
    """Check rows {row, dimension (a key), group, unit, amount} whole; return dimension -> clean rows.

    Refuses the lot (RuleError with .problems naming each row) when any row or any total is wrong.
    """
    problems, seen, units, cleaned = [], set(), {}, {}
    failed = set()
    for row in rows:
        key, label = row["dimension"], DIMENSIONS.get(row["dimension"], row["dimension"])
        try:
            group = rules.check_membership_group(row["group"], options.get(key), label)
            rules.check_membership_unit(row["unit"], units.get(key), label)
            amount = rules.check_membership_amount(row["unit"], row["amount"])
            if (key, group) in seen:
                raise RuleError("“{group}” is listed twice.", group=group)
        except RuleError as exc:
            problems.append((row["row"], exc))
            failed.add(key)
            continue
        seen.add((key, group))
        units.setdefault(key, row["unit"])
        cleaned.setdefault(key, []).append({"group": group, "unit": row["unit"], "amount": amount})
    for key, items in cleaned.items():
        if key not in failed:  # a total over rows that failed would only add a confusing second message
            try:
                rules.check_membership_total(units[key], sum(item["amount"] for item in items), DIMENSIONS[key])
            except RuleError as exc:
                problems.append((None, exc))
    rules.check_membership_rows(problems, len(rows))
    return cleaned


def parse_csv(data: bytes, aliases: dict[str, str]) -> tuple[list[dict], list[tuple]]:
    """Read a membership CSV (comma, semicolon or tab; UTF-8) into rows, and the rows that could not be read.

    Row numbers are the spreadsheet's (the header is row 1). A row whose count and share are both empty is
    left out: a template lists every answer and the organiser fills in the groups the network has.
    """
    rules.check_membership_file(len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError("The file is not UTF-8 text: save it as “CSV UTF-8” and try again.") from None
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delimiter = max(",;\t", key=first.count)
    try:
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:  # a cell longer than the csv module reads
        table = None
    rules.check_csv_readable(table is not None)
    header = [cell.strip().casefold() for cell in (table[0] if table else [])]
    rules.check_membership_columns(header)
    rows, problems = [], []
    for number, cells in enumerate(table[1:], start=2):
        values = dict(zip(header, (cell.strip() for cell in cells)))
        amounts = [(unit, values[unit]) for unit in rules.MEMBERSHIP_UNITS if values.get(unit)]
        if not amounts:
            continue
        try:
            key = rules.check_membership_dimension(values.get("dimension", ""), aliases)
            if len(amounts) != 1:
                raise RuleError("Give a count or a share, not both.")
        except RuleError as exc:
            problems.append((number, exc))
            continue
        rows.append({"row": number, "dimension": key, "group": restore_text(values.get("group", "")),
                     "unit": amounts[0][0], "amount": amounts[0][1]})
    return rows, problems


def read_csv(db, workshop_id: int, data: bytes) -> dict[str, list[dict]]:
    """Parse and check a membership CSV whole; dimension -> clean rows (or RuleError naming the bad rows)."""
    rows, problems = parse_csv(data, list_aliases(db, workshop_id))
    try:
        cleaned = clean_rows(rows, list_options(db, workshop_id))
    except RuleError as exc:
        exc.problems = sorted(problems + getattr(exc, "problems", []), key=lambda p: (p[0] is None, p[0] or 0))
        raise
    rules.check_membership_rows(problems, len(rows) + len(problems))
    if not cleaned:
        raise RuleError("The file has no rows with a number.")
    return cleaned


# ---------------------------------------------------------------- storing

def store(db, workshop_id: int, cleaned: dict[str, list[dict]], actor: str, source: str) -> None:
    """Replace the given dimensions' rows in one transaction (an empty list clears a dimension); audited."""
    with immediate(db):
        rules.check_workshop_exists(workshops.get_workshop(db, workshop_id))
        for key, items in cleaned.items():
            db.conn.execute("DELETE FROM membership WHERE workshop_id = ? AND dimension = ?", (workshop_id, key))
            db.conn.executemany(
                "INSERT INTO membership (workshop_id, dimension, group_name, unit, amount, position)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(workshop_id, key, item["group"], item["unit"], item["amount"], position)
                 for position, item in enumerate(items)])
            audit.record(db, actor, "membership.save", workshop_id, dimension=key, groups=len(items),
                         unit=items[0]["unit"] if items else None, source=source)


def import_csv(db, workshop_id: int, data: bytes, actor: str) -> dict[str, int]:
    """Import a membership CSV whole (the dimensions it gives are replaced); dimension -> rows stored."""
    cleaned = read_csv(db, workshop_id, data)
    store(db, workshop_id, cleaned, actor, "csv")
    return {key: len(items) for key, items in cleaned.items()}


def save_dimension(db, workshop_id: int, dimension: str, unit: str, entries: list[dict], actor: str) -> int:
    """Save one dimension as typed: entries {group, amount}; blank lines are skipped, none left clears it."""
    if dimension not in DIMENSIONS or unit not in rules.MEMBERSHIP_UNITS:
        raise RuleError("This workshop does not ask for: {label}", label=str(dimension))
    rows = [{"row": number, "dimension": dimension, "group": entry.get("group"), "unit": unit,
             "amount": entry.get("amount")} for number, entry in enumerate(entries, start=1)
            if str(entry.get("group") or "").strip() or str(entry.get("amount") or "").strip()]
    cleaned = clean_rows(rows, list_options(db, workshop_id)) if rows else {}
    store(db, workshop_id, {dimension: cleaned.get(dimension, [])}, actor, "editor")
    return len(cleaned.get(dimension, []))


def copy_from(db, source_id: int, workshop_id: int, actor: str) -> dict[str, int]:
    """Copy another workshop's mix (checked against this workshop's answers, whole); dimension -> rows."""
    asked = list_options(db, workshop_id)
    source = [r for r in load_rows(db, source_id) if asked.get(r["dimension"]) is not None]
    if not source:
        raise RuleError("That workshop has no membership mix this workshop can use.")
    rows = [{"row": number, "dimension": r["dimension"], "group": r["group"], "unit": r["unit"],
             "amount": r["amount"]} for number, r in enumerate(source, start=1)]
    cleaned = clean_rows(rows, list_options(db, workshop_id))
    store(db, workshop_id, cleaned, actor, f"copy of workshop {source_id}")
    return {key: len(items) for key, items in cleaned.items()}


# ---------------------------------------------------------------- reading

def load_rows(db, workshop_id: int) -> list[dict]:
    """The stored rows of a workshop's mix, in the order entered."""
    return fetch_all(db, "SELECT dimension, group_name AS \"group\", unit, amount FROM membership"
                         " WHERE workshop_id = ? ORDER BY dimension, position", (workshop_id,))


def load_mix(db, workshop_id: int) -> dict[str, pd.DataFrame]:
    """Dimension -> its groups with unit, amount and share (0–1 of the dimension's total); only dimensions given."""
    frame = pd.DataFrame(load_rows(db, workshop_id), columns=["dimension", "group", "unit", "amount"])
    mix = {}
    for key in DIMENSIONS:
        part = frame[frame["dimension"] == key].drop(columns="dimension").reset_index(drop=True)
        if len(part):
            mix[key] = part.assign(share=part["amount"] / part["amount"].sum())
    return mix


def list_sources(db, workshop_id: int) -> list[dict]:
    """Other workshops that have a membership mix to copy (newest first)."""
    return fetch_all(db, "SELECT w.id, w.title, w.code FROM workshop w WHERE w.id <> ? AND EXISTS"
                         " (SELECT 1 FROM membership m WHERE m.workshop_id = w.id) ORDER BY w.id DESC", (workshop_id,))


def write_template(db, workshop_id: int) -> bytes:
    """The mix as a CSV to edit and import again: the groups given first, then every other answer offered (blank)."""
    stored = {(r["dimension"], r["group"]): r for r in load_rows(db, workshop_id)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for key, options in list_options(db, workshop_id).items():
        groups = list(dict.fromkeys([g for (k, g) in stored if k == key] + (options or [])))
        for group in groups:
            row = stored.get((key, group))
            amount = "" if row is None else f"{row['amount']:g}"
            writer.writerow([key, neutralise(group), amount if row and row["unit"] == "count" else "",
                             amount if row and row["unit"] == "share" else ""])
    return buffer.getvalue().encode("utf-8-sig")
