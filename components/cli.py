"""Command line: python -m components.cli COMMAND (see README)."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path

from components import auth, exports, ops, robustness, rules, seed, storage, workshops
from components.rules import RuleError

CLI_ACTOR = "cli"


def cmd_init(args, db) -> int:
    """Migrate, seed the demo workshop into a new database, create the first organiser."""
    storage.migrate(db)
    if seed.ensure_demo(db):
        print(f"Created the demo workshop in {storage.db_path()}")
    if auth.count_organisers(db) == 0:
        # Not a fixed "organiser": a stranger who cannot name the account cannot slow its logins down.
        username = args.organiser or f"organiser-{secrets.token_hex(3)}"
        password = auth.create_user(db, username, "Organiser", "organiser", CLI_ACTOR)
        print("First organiser account created. Write this down; it is shown only once:")
        print(f"  username: {username}")
        print(f"  password: {password}")
    auth.load_cookie_key()
    for workshop in workshops.list_workshops(db):
        if workshop["status"] == "open":
            print(f"Workshop '{workshop['title']}': join code {workshop['code']}")
    return 0


def cmd_add_user(args, db) -> int:
    """Create a facilitator or organiser and print the password."""
    password = auth.create_user(db, args.username, args.name or args.username, args.role, CLI_ACTOR)
    print(f"Created {args.role} {args.username.lower()} with password: {password}")
    return 0


def cmd_reset_password(args, db) -> int:
    """Reset a password (and clear any slow-down of its password checks) and print the new one."""
    password = auth.reset_password(db, args.username, CLI_ACTOR)
    print(f"New password for {args.username}: {password}")
    return 0


def cmd_disable_user(args, db) -> int:
    """Disable (or with --enable, re-enable) an account."""
    auth.set_user_disabled(db, args.username, not args.enable, CLI_ACTOR)
    print(f"{args.username} is now {'enabled' if args.enable else 'disabled'}")
    return 0


def cmd_backup(args, db) -> int:
    """Copy the live database with SQLite's online backup API."""
    target = storage.backup_to(db, args.out)
    check = storage.open_db(target)
    ok = storage.integrity_ok(check)
    check.close()
    print(f"Backed up to {target} (integrity {'ok' if ok else 'FAILED'})")
    return 0 if ok else 1


def cmd_backup_rotate(args, db) -> int:
    """One rotating backup (what `make serve` and the systemd timer run every 5 minutes)."""
    target = ops.backup_rotating(db, Path(args.dir) if args.dir else None, args.keep)
    print(f"Backed up to {target} (integrity ok; newest {args.keep} kept)")
    return 0


def cmd_status(args, db) -> int:
    """Processes up, tabs per process, write latency, disk free, last backup; exit 1 when something needs you."""
    ports = [int(p) for p in args.ports.split(",")] if args.ports else ops.serving_ports()
    report = ops.status(db, ports)
    print(json.dumps(report, indent=2) if args.json else "\n".join(ops.format_status(report)))
    return 0 if ops.status_ok(report) else 1


def cmd_preflight(args, db) -> int:
    """Refuse to serve an event from a readable database or without a cookie key (run by `make serve`)."""
    problems = ops.preflight_problems()
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 2 if problems else 0


def add_ops_parsers(sub) -> None:
    """Add `backup-rotate`, `status` and `preflight`."""
    rotate = sub.add_parser("backup-rotate", help="online backup into a rotating set (HUB_BACKUP_DIR, HUB_BACKUP_KEEP)")
    rotate.add_argument("--dir", help="backup folder (default: $HUB_BACKUP_DIR or backups/ beside the database)")
    rotate.add_argument("--keep", type=int, default=ops.BACKUP_KEEP, help="backups kept (default %(default)s)")
    rotate.set_defaults(handler=cmd_backup_rotate)
    state = sub.add_parser("status", help="processes up, tabs per process, write latency, disk free, last backup")
    state.add_argument("--ports", help="Streamlit ports, comma-separated (default: those `make serve` started)")
    state.add_argument("--json", action="store_true")
    state.set_defaults(handler=cmd_status)
    sub.add_parser("preflight", help="check the database and cookie key before serving").set_defaults(handler=cmd_preflight)


EXPORT_USAGE = """Export a workshop's results.

examples:
  python -m components.cli export --workshop ABC234 --format xlsx --out results.xlsx
  python -m components.cli export --workshop ABC234 --format zip --out all.zip --include-names
  python -m components.cli export --workshop ABC234 --format json --out micro.json --microdata

formats: csv (ranked priorities, UTF-8 with BOM), xlsx (summary, ranked priorities, dots per participant,
segments, audit log), json (everything needed to reproduce the tallies), html (self-contained report
with charts, works offline), zip (all of the above plus one CSV per table)."""


def add_export_parser(subparsers) -> None:
    """Add `export` to the administration command line."""
    parser = subparsers.add_parser("export", help="export a workshop's results (csv, xlsx, json, html, zip)",
                                   description=EXPORT_USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workshop", required=True, metavar="CODE", help="the workshop's join code")
    parser.add_argument("--format", required=True, choices=exports.FORMATS, dest="fmt")
    parser.add_argument("--out", required=True, metavar="PATH", help="file to write")
    parser.add_argument("--include-names", action="store_true", help="include participants' display names")
    parser.add_argument("--min-group", type=int, default=rules.MIN_GROUP_DEFAULT,
                        help="smallest segment group shown with figures (default %(default)s)")
    parser.add_argument("--top", type=_at_least_one, default=robustness.TOP_DEFAULT,
                        help="places the robustness section compares (default %(default)s)")
    parser.add_argument("--margin", type=_at_least_one, default=rules.REPRESENTATION_MARGIN_DEFAULT,
                        help="points beyond which representation flags a group (default %(default)s)")
    parser.add_argument("--microdata", action="store_true",
                        help="JSON (also inside zip): list each participant's profile answers beside the code their "
                             "dots use; a lone voter from a small group can then be recognised")
    parser.set_defaults(handler=cmd_export)


def _at_least_one(text: str) -> int:
    """A whole number of at least 1 (argparse type)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("a whole number of at least 1")
    return int(text)


def cmd_export(args, db) -> int:
    """Write one export to a file."""
    workshop = workshops.find_workshop_by_code(db, args.workshop)
    rules.check_code_found(workshop, args.workshop)
    rules.check_min_group(args.min_group)
    data = exports.export_bytes(db, workshop["id"], args.fmt, args.include_names, args.min_group, top=args.top,
                                margin=min(args.margin, rules.REPRESENTATION_MARGIN_MAX), microdata=args.microdata)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    exports.record_export(db, workshop["id"], CLI_ACTOR, args.fmt, args.include_names, args.microdata)
    print(f"Wrote {out} ({len(data):,} bytes, {args.fmt})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Describe the commands."""
    parser = argparse.ArgumentParser(prog="python -m components.cli", description="Hub Workshop administration")
    parser.add_argument("--db", help="database file (default: $HUB_WORKSHOP_DB or workshop_data/hub.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or migrate the database, seed the demo, make the first organiser")
    init.add_argument("--organiser", help="username of the first organiser (default: organiser-<6 random hex>)")
    add = sub.add_parser("add-user", help="create a facilitator or organiser")
    add.add_argument("username")
    add.add_argument("--role", choices=auth.ROLES, default="facilitator")
    add.add_argument("--name")
    reset = sub.add_parser("reset-password", help="generate a new password and clear a login slow-down")
    reset.add_argument("username")
    disable = sub.add_parser("disable-user", help="disable an account")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true", help="re-enable instead")
    backup = sub.add_parser("backup", help="online backup of the live database")
    backup.add_argument("--out", required=True)
    add_export_parser(sub)
    add_ops_parsers(sub)
    return parser


COMMANDS = {"init": cmd_init, "add-user": cmd_add_user, "reset-password": cmd_reset_password,
            "disable-user": cmd_disable_user, "backup": cmd_backup}


def main(argv: list[str] | None = None) -> int:
    """Run one command; rule errors print a message, not a traceback."""
    args = build_parser().parse_args(argv)
    if args.db:
        import os
        os.environ[storage.DB_ENV_VAR] = args.db
    if args.command == "preflight":
        return cmd_preflight(args, None)  # before opening: opening creates the file and narrows its mode
    db = storage.open_db()
    try:
        storage.migrate(db)
        handler = COMMANDS.get(args.command) or getattr(args, "handler", None)
        return handler(args, db)
    except RuleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
