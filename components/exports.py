"""Exports of a workshop's results: CSV, XLSX, JSON, a self-contained HTML report, and a zip of all.

Cells are neutralised against formula injection; participants appear as codes (P001, ...) unless
names are included, with profile answers beside their dots only as microdata. No Streamlit here.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import pandas as pd

from components import analysis, audit, membership, receipts, representation, robustness, rules, seats, workshops
from components.report import build_html
from components.spreadsheet import write_csv, write_xlsx
from components.rules import RuleError
from components.storage import read_snapshot

FORMATS = ("csv", "xlsx", "json", "html", "zip")
MIME_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "json": "application/json", "html": "text/html", "zip": "application/zip"}
SHEETS = ("summary", "ranked priorities", "dots per participant", "segments", "robustness", "representation",
          "reweighted tally", "receipts", "audit log")
# The Excel segments sheet keeps each group's top ranks so a 5,000-person workshop exports in seconds;
# the segments CSV (in the zip) keeps every row.
XLSX_SEGMENT_TOP = 100
JSON_FORMAT = "hub-workshop-results"
JSON_VERSION = 1
MICRODATA_NOTES = {True: "Microdata: profile answers are beside the codes the dots use; a participant from a small "
                         "group can be recognised. Handle as personal data.",
                   False: "No microdata: profile answers are not linked to dots; results by group are in 'segments'."}

Progress = Callable[[float, str], None]


# ---------------------------------------------------------------- gathering

@dataclass
class WorkshopResults:
    """Everything an export needs, computed once."""

    workshop: dict
    themes: list[str]
    profile_questions: list[dict]
    questions: list[analysis.QuestionVotes]
    tallies: list[pd.DataFrame]
    fairness: list[pd.DataFrame]
    segments: list[dict[str, list[analysis.SegmentGroup]]]
    receipts: list[list[dict]]
    robustness: list[pd.DataFrame]
    audit: list[dict]
    include_names: bool
    min_group: int
    generated_at: str
    representation: list[list[representation.Representation]] = field(default_factory=list)
    membership: dict[str, pd.DataFrame] = field(default_factory=dict)
    top: int = robustness.TOP_DEFAULT  # the organiser's "places to compare" for robustness
    microdata: bool = False
    seats: dict = field(default_factory=dict)  # seats.summarise_seats: mode, issued, voided, used, without seat
    registered_names: dict = field(default_factory=dict)  # participant id -> registered name, only with names


def gather_results(db, workshop_id: int, include_names: bool = False, min_group: int = rules.MIN_GROUP_DEFAULT,
                   top: int = robustness.TOP_DEFAULT, margin: float = rules.REPRESENTATION_MARGIN_DEFAULT,
                   microdata: bool = False) -> WorkshopResults:
    """Load a workshop and compute its tallies, fairness and segments."""
    # One snapshot: votes keep arriving during a live export, and every table must agree.
    with read_snapshot(db):
        workshop = workshops.get_workshop(db, workshop_id)
        rules.check_workshop_exists(workshop)
        questions = analysis.load_workshop_votes(db, workshop_id)
        profile = workshops.list_profile_questions(db, workshop_id)
        themes = [t["name"] for t in workshops.list_themes(db, workshop_id)]
        audit_rows = audit.list_audit(db, workshop_id)
        secret = receipts.load_secret(db, workshop_id)
        mix = membership.load_mix(db, workshop_id)
        seat_summary = seats.summarise_seats(db, workshop_id)
        names_registered = seats.registered_names(db, workshop_id) if include_names else {}
    tallies = [analysis.tally_votes(q, min_group) for q in questions]
    fairness = [analysis.tally_equal_weight(q, min_group=min_group) for q in questions]
    segments = [{pq["key"]: analysis.tally_segment(q, pq["key"], min_group) for pq in profile} for q in questions]
    ballots = [receipts.list_receipts(secret, q.question["id"], q.votes, set(tally["priority_id"]))
               for q, tally in zip(questions, tallies)]
    ranks = [robustness.rank_rules(q, min_group) for q in questions]
    compared = [representation.compare_all(q, mix, min_group, margin) for q in questions]
    return WorkshopResults(
        workshop, themes, profile, questions, tallies, fairness, segments, ballots, ranks, audit_rows, include_names,
        min_group, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), compared, mix, top, microdata,
        seat_summary, names_registered)


def _codes(res: WorkshopResults) -> dict[int, str]:
    """Participant id -> anonymous code."""
    if not res.questions:
        return {}
    people = res.questions[0].participants
    return dict(zip(people["participant_id"], people["code"]))


def _names(res: WorkshopResults) -> dict[int, str]:
    """Participant id -> display name (only used when names are included)."""
    if not res.questions:
        return {}
    people = res.questions[0].participants
    # A registered attendee who left the name field empty is known by the registration list's name.
    return {pid: name or res.registered_names.get(pid, "")
            for pid, name in zip(people["participant_id"], people["display_name"])}


def build_summary_table(res: WorkshopResults) -> pd.DataFrame:
    """Workshop facts, rules and counts as field/value rows."""
    w = res.workshop
    rows = [("Workshop", w["title"]), ("Join code", w["code"]), ("Status", w["status"]),
            ("Country", w["country"] or ""), ("Language", w["language"]), ("Created", w["created_at"]),
            ("Generated", res.generated_at), ("Names included", "yes" if res.include_names else "no"),
            ("Minimum group size for segments", res.min_group),
            ("Microdata (profiles linked to dots, JSON only)", "yes" if res.microdata else "no"),
            *seats.summary_rows(res.seats)]
    for number, data in enumerate(res.questions, start=1):
        s = analysis.summarise_question(data)
        rows += [(f"Question {number}", s["prompt"]), (f"Question {number} phase", s["phase"]),
                 (f"Question {number} dots per participant", s["dots_per_participant"]),
                 (f"Question {number} max dots per priority", s["max_dots_per_item"]),
                 (f"Question {number} phase changed", s["phase_changed_at"]),
                 (f"Question {number} deadline", s["phase_deadline"]),
                 (f"Question {number} priorities", s["priorities"]),
                 (f"Question {number} participants who placed a dot", s["voters"]),
                 (f"Question {number} dots", s["dots"])]
    rows.append(("Segments sheet", f"Excel: the top {XLSX_SEGMENT_TOP} ranks of each group; the segments CSV in the "
                                   "'download all' zip has every priority."))
    rows.append(("Methodology", analysis.METHODOLOGY))
    rows.append(("Representation caveats", " ".join(representation.write_caveats())))
    return pd.DataFrame(rows, columns=["field", "value"])


def build_priorities_table(res: WorkshopResults) -> pd.DataFrame:
    """Every question's ranked priorities with fairness figures and (optionally) author names."""
    codes, names, frames = _codes(res), _names(res), []
    for number, (data, fair) in enumerate(zip(res.questions, res.fairness), start=1):
        details = data.priorities.set_index("priority_id")
        frame = fair.copy()
        frame.insert(0, "question", data.question["prompt"])
        frame.insert(0, "question_no", number)
        shares = res.tallies[number - 1].set_index("priority_id")["share_supporting"]
        frame["share_supporting"] = frame["priority_id"].map(shares)
        frame["details"] = frame["priority_id"].map(details["details"])
        authors = frame["priority_id"].map(details["author_id"])
        sources = frame["priority_id"].map(details["source"])
        # An imported survey item has no author: it says so, and is never taken for the room's or a participant's.
        frame["author"] = ["survey" if source == "survey" else codes.get(a, "room") if pd.notna(a) else "room"
                           for a, source in zip(authors, sources)]
        if res.include_names:
            frame["author_name"] = [names.get(a, "") if pd.notna(a) else "" for a in authors]
        frames.append(frame)
    columns = ["question_no", "question", "rank", "priority_id", "title", "details", "theme", "dots", "supporters",
               "share_supporting", "backed_by_countries", "equal_weight_dots", "equal_weight_rank", "author"]
    columns += ["author_name"] if res.include_names else []
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def build_dots_table(res: WorkshopResults) -> pd.DataFrame:
    """Dots per anonymised participant and priority, every question (titles are on the priorities sheet)."""
    codes, names, frames = _codes(res), _names(res), []
    for number, data in enumerate(res.questions, start=1):
        votes = data.votes
        frame = pd.DataFrame({"participant": votes["participant_id"].map(codes), "question_no": number,
                              "priority_id": votes["priority_id"], "dots": votes["dots"]})
        if res.include_names:
            frame.insert(1, "name", votes["participant_id"].map(names))
        frames.append(frame)
    columns = ["participant"] + (["name"] if res.include_names else []) + ["question_no", "priority_id", "dots"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def build_segments_table(res: WorkshopResults) -> pd.DataFrame:
    """Long table of every segment group's ranking; hidden groups say 'hidden'."""
    rows = []
    for number, by_key in enumerate(res.segments, start=1):
        for key, groups in by_key.items():
            rows += analysis.flatten_segments(number, key, groups)
    columns = ["question_no", "segment", "group", "participants", "rank", "priority_id", "title", "dots", "supporters",
               "share_supporting"]
    return pd.DataFrame(rows, columns=columns).astype({c: "Int64" for c in ("rank", "priority_id", "dots", "supporters")})


def build_robustness_table(res: WorkshopResults) -> pd.DataFrame:
    """Every question's ranks under each counting rule (ranks only: no group weights)."""
    frames = [ranks.assign(question_no=number) for number, ranks in enumerate(res.robustness, start=1)]
    columns = ["question_no", "priority_id", "title", *robustness.RULES]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def build_audit_table(res: WorkshopResults) -> pd.DataFrame:
    """The audit log with participant ids replaced by their anonymous codes."""
    codes, rows = _codes(res), []
    for entry in res.audit:
        actor = entry["actor"]
        if actor.startswith("participant:"):
            actor = codes.get(int(actor.split(":", 1)[1]), "participant")
        details = json.loads(entry["details"] or "{}")
        if "participant_id" in details:
            details["participant_id"] = codes.get(details["participant_id"], "participant")
        rows.append({"at": entry["at"], "actor": actor, "action": entry["action"],
                     "details": json.dumps(details, ensure_ascii=False, sort_keys=True)})
    return pd.DataFrame(rows, columns=["at", "actor", "action", "details"])


def build_tables(res: WorkshopResults) -> dict[str, pd.DataFrame]:
    """The export tables, by sheet name."""
    return dict(zip(SHEETS, (build_summary_table(res), build_priorities_table(res), build_dots_table(res),
                             build_segments_table(res), build_robustness_table(res),
                             representation.tabulate_groups(res.representation),
                             representation.tabulate_tallies(res.representation),
                             receipts.tabulate(res.receipts), build_audit_table(res))))


# ---------------------------------------------------------------- writers

def trim_segments(tables: dict[str, pd.DataFrame], top: int = XLSX_SEGMENT_TOP) -> dict[str, pd.DataFrame]:
    """Keep each segment group's top ranks (and every suppressed group's row) for the spreadsheet."""
    segments = tables["segments"]
    keep = segments["rank"].isna() | (pd.to_numeric(segments["rank"], errors="coerce") <= top)
    return {**tables, "segments": segments[keep]}


def build_json(res: WorkshopResults) -> bytes:
    """Everything needed to reproduce the results; profiles beside the dots only as microdata, when asked for."""
    codes, names = _codes(res), _names(res)
    w = res.workshop
    questions = []
    for number, (data, tally, fair, ballots, ranks, compared, by_key) in enumerate(zip(
            res.questions, res.tallies, res.fairness, res.receipts, res.robustness, res.representation, res.segments),
            start=1):
        q = data.question
        questions.append({
            "id": q["id"], "position": q["position"], "prompt": q["prompt"], "phase": q["phase"],
            "rules": {"dots_per_participant": q["dots_per_participant"], "max_dots_per_item": q["max_dots_per_item"],
                      "results_visibility": q["results_visibility"], "phase_changed_at": q["phase_changed_at"],
                      "phase_deadline": q["phase_deadline"]},
            "priorities": [{"id": int(p.priority_id), "title": p.title, "details": p.details, "theme": p.theme,
                            "state": p.state, "merged_into_id": None if pd.isna(p.merged_into_id)
                            else int(p.merged_into_id),
                            "author": codes.get(p.author_id) if pd.notna(p.author_id) else None,
                            "source": p.source,
                            "created_at": p.created_at} for p in data.priorities.itertuples()],
            "dots": [{"participant": codes[v.participant_id], "priority_id": int(v.priority_id), "dots": int(v.dots)}
                     for v in data.votes.itertuples()],
            "tally": _records(fair.merge(tally[["priority_id", "share_supporting"]], on="priority_id")),
            "dot_distribution": _records(analysis.count_dot_distribution(data)),
            # Receipt and dots only (no participant code or profile): a voter finds their ballot, anyone adds up.
            "receipts": [{"receipt": b["receipt"], "dots": {str(k): v for k, v in b["dots"].items()}} for b in ballots],
            "robustness": {**robustness.to_record(ranks, res.top), "ranks": _records(ranks)},
            "representation": [representation.to_record(r) for r in compared],
            "segments": [row for key, groups in by_key.items() for row in analysis.flatten_segments(number, key, groups)],
        })
    people = res.questions[0].participants if res.questions else pd.DataFrame(columns=["participant_id"])
    participants = []
    for person in people.to_dict("records"):
        entry = {"id": person["code"], "kind": person["kind"]}
        if res.microdata:  # profile + dots identify a lone voter from a small group: only when asked for
            entry["profile"] = person["profile"]
        if res.include_names:
            entry["name"] = names.get(person["participant_id"], "")
        participants.append(entry)
    document = {
        "format": JSON_FORMAT, "version": JSON_VERSION, "generated_at": res.generated_at,
        "workshop": {k: w[k] for k in ("code", "title", "description", "language", "country", "status",
                                       "allow_anonymous", "max_priorities_per_participant", "created_at")},
        "themes": res.themes,
        "profile_questions": [{k: pq[k] for k in ("key", "label", "options", "required")}
                              for pq in res.profile_questions],
        "methodology": analysis.METHODOLOGY, "minimum_group_size": res.min_group,
        "membership": {key: _records(mix.drop(columns="share")) for key, mix in res.membership.items()},
        "representation_caveats": representation.write_caveats(),
        "names_included": res.include_names, "microdata": res.microdata, "microdata_note": MICRODATA_NOTES[res.microdata],
        "participants": participants, "questions": questions,
        "seats": {**res.seats, "mode_name": seats.SEAT_MODE_NAMES[res.seats["mode"]]},
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as plain JSON-able dicts."""
    return json.loads(frame.to_json(orient="records", force_ascii=False))


# ---------------------------------------------------------------- one call per format

def export_bytes(db, workshop_id: int, fmt: str, include_names: bool = False,
                 min_group: int = rules.MIN_GROUP_DEFAULT, progress: Progress | None = None, *,
                 top: int = robustness.TOP_DEFAULT, margin: float = rules.REPRESENTATION_MARGIN_DEFAULT,
                 microdata: bool = False) -> bytes:
    """Build one export format and return its bytes (top: robustness places; margin: representation flags)."""
    if fmt not in FORMATS:
        raise RuleError("Unknown export format {fmt}.", fmt=fmt)
    report = progress or (lambda _fraction, _label: None)
    report(0.05, "Computing results")
    res = gather_results(db, workshop_id, include_names, min_group, top, margin, microdata)
    if fmt == "json":
        return build_json(res)
    if fmt == "html":
        return build_html(res)
    report(0.2, "Building tables")
    tables = build_tables(res)
    if fmt == "csv":  # one table: each row also says how people got in (seat mode, seats issued and used)
        return write_csv(tables["ranked priorities"].assign(
            seat_mode=res.seats["mode"], seats_issued=res.seats["issued"], seats_used=res.seats["used"]))
    if fmt == "xlsx":
        return write_xlsx(trim_segments(tables))
    return build_zip(res, tables, report)


def build_zip(res: WorkshopResults, tables: dict[str, pd.DataFrame], report: Progress) -> bytes:
    """Every format in one archive: XLSX, JSON, HTML and one CSV per table."""
    stem = export_stem(res.workshop)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            archive.writestr(f"{stem}-{name.replace(' ', '-')}.csv", write_csv(frame))
        report(0.35, "Writing the spreadsheet")
        archive.writestr(f"{stem}.xlsx", write_xlsx(trim_segments(tables)))
        report(0.6, "Writing the JSON data")
        archive.writestr(f"{stem}.json", build_json(res))
        report(0.75, "Writing the HTML report")
        archive.writestr(f"{stem}-report.html", build_html(res))
    report(1.0, "Done")
    return buffer.getvalue()


def export_stem(workshop: dict) -> str:
    """File name stem: the join code and the date."""
    return f"workshop-{workshop['code']}-{datetime.now(timezone.utc):%Y%m%d}"


def export_file_name(workshop: dict, fmt: str) -> str:
    """Download file name for a format."""
    suffix = {"html": "-report.html"}.get(fmt, f".{fmt}")
    return export_stem(workshop) + suffix


def record_export(db, workshop_id: int, actor: str, fmt: str, include_names: bool, microdata: bool = False) -> None:
    """Audit who exported what (exports with names or microdata matter for data protection)."""
    audit.record(db, actor, "export", workshop_id, format=fmt, include_names=include_names, microdata=microdata)
    db.conn.commit()
