"""One person, one budget (issue 13, items 1-3): seats, the cap, the joining switch, close-on-voting,
the shared-phone choice, and what exports say about them. Exact rows, threads for the races."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from components import (admission, audit, auth, exports, facilitation, participation, results, retention, rules,
                        seat_sheet, seats, storage, workshops)
from components.registration import BadRows
from components.rules import RuleError


@pytest.fixture
def staff(db):
    """A facilitator (fiona) and an organiser (olga)."""
    auth.create_user(db, "fiona", "Fiona", "facilitator", "test", password="x" * 12)
    auth.create_user(db, "olga", "Olga", "organiser", "test", password="x" * 12)


def phones(db, workshop_id: int) -> int:
    """Participants of a workshop."""
    return workshops.count_participants(db, workshop_id)


def seat_codes(db, workshop_id: int) -> list[str]:
    """The live seat codes of a workshop, by number."""
    return [s["code"] for s in seats.list_seats(db, workshop_id) if s["state"] != "voided"]


def race(db_path, count: int, work) -> list[str]:
    """Run work(connection, i) in `count` threads released together, each with its own connection."""
    barrier, lock, outcomes = threading.Barrier(count), threading.Lock(), []

    def run(i: int) -> None:
        conn = storage.open_db(db_path)
        barrier.wait()
        try:
            work(conn, i)
            outcome = "joined"
        except RuleError as exc:
            outcome = exc.msgid
        except Exception as exc:  # noqa: BLE001 - a crash is what this looks for
            outcome = f"crash: {type(exc).__name__}: {exc}"
        finally:
            conn.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return outcomes


# ---------------------------------------------------------------- defaults and settings

def test_a_new_workshop_is_open_without_cap_and_without_shared_phones(db, demo):
    workshop, _ = demo
    assert {k: workshop[k] for k in ("seat_mode", "joining_open", "close_joining_on_voting", "participant_cap",
                                     "allow_shared_device")} == {
        "seat_mode": "open", "joining_open": 1, "close_joining_on_voting": 0, "participant_cap": None,
        "allow_shared_device": 0}
    with pytest.raises(RuleError, match="does not allow switching person"):
        rules.check_shared_device(workshop)


def test_shared_phone_is_the_facilitators_choice(db, demo, staff):
    workshop, _ = demo
    admission.update_join_settings(db, workshop["id"], "fiona", allow_shared_device=True)
    rules.check_shared_device(workshops.get_workshop(db, workshop["id"]))  # allowed now: no refusal
    admission.update_join_settings(db, workshop["id"], "fiona", allow_shared_device=False)
    with pytest.raises(RuleError):
        rules.check_shared_device(workshops.get_workshop(db, workshop["id"]))
    rows = [json.loads(r["details"]) for r in audit.list_audit(db, workshop["id"]) if r["action"] == "workshop.joining"]
    assert rows == [{"allow_shared_device": 1}, {"allow_shared_device": 0}]


def test_join_settings_are_checked(db, demo, staff):
    workshop, _ = demo
    for cap in (0, -3, 5001, True, "12", 2**70):
        with pytest.raises(RuleError, match="cap must be between 1 and 5000"):
            admission.update_join_settings(db, workshop["id"], "fiona", participant_cap=cap)
    with pytest.raises(RuleError, match="Unknown workshop setting"):
        admission.update_join_settings(db, workshop["id"], "fiona", seat_mode="open")
    retention.finish_workshop(db, workshop["id"], "olga")
    with pytest.raises(RuleError, match="This workshop has ended"):
        admission.update_join_settings(db, workshop["id"], "fiona", joining_open=False)


# ---------------------------------------------------------------- the cap and the joining switch

def test_the_cap_holds_under_20_concurrent_joins(db, db_path, demo, staff):
    workshop, _ = demo
    admission.update_join_settings(db, workshop["id"], "fiona", participant_cap=7)
    outcomes = race(db_path, 20, lambda conn, i: participation.join_workshop(conn, workshop["code"], f"P{i}"))
    assert Counter(outcomes) == {"joined": 7,
                                 "This workshop is full. Please ask the facilitator.": 13}
    assert phones(db, workshop["id"]) == 7


def test_paper_ballots_do_not_fill_the_cap(db, voting, staff):
    workshop, question, ids = voting
    admission.update_join_settings(db, workshop["id"], "fiona", participant_cap=1)
    facilitation.record_paper_ballot(db, question["id"], {ids[0]: 1}, "fiona", sheet=1)
    participation.join_workshop(db, workshop["code"])
    with pytest.raises(RuleError, match="This workshop is full"):
        participation.join_workshop(db, workshop["code"])


def test_closed_joining_refuses_new_joins_but_keeps_joined_phones(db, voting, staff):
    workshop, question, ids = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    admission.update_join_settings(db, workshop["id"], "fiona", joining_open=False)
    with pytest.raises(RuleError, match="Joining this workshop is closed"):
        participation.join_workshop(db, workshop["code"], "Ben")
    assert phones(db, workshop["id"]) == 1
    assert participation.place_dot(db, ana, ids[0]) == 1  # the phone that joined keeps voting
    assert participation.get_participant(db, ana["token"])["id"] == ana["id"]
    admission.update_join_settings(db, workshop["id"], "fiona", joining_open=True)
    assert participation.join_workshop(db, workshop["code"], "Ben")["display_name"] == "Ben"


def test_close_joining_when_voting_opens(db, demo, staff):
    workshop, questions = demo
    draft = next(q for q in questions if q["phase"] == "draft" or q["phase"] == "collecting")
    admission.update_join_settings(db, workshop["id"], "fiona", close_joining_on_voting=True)
    participation.join_workshop(db, workshop["code"], "Early")
    facilitation.set_phase(db, draft["id"], "voting", "fiona")
    assert workshops.get_workshop(db, workshop["id"])["joining_open"] == 0
    with pytest.raises(RuleError, match="Joining this workshop is closed"):
        participation.join_workshop(db, workshop["code"], "Late")
    actions = [(r["actor"], r["action"], json.loads(r["details"])) for r in audit.list_audit(db, workshop["id"])][-2:]
    assert actions[1] == ("fiona", "workshop.joining", {"joining_open": 0, "reason": "voting opened"})
    # Reopened by hand, joining stays open: only a move to voting closes it.
    admission.update_join_settings(db, workshop["id"], "fiona", joining_open=True)
    facilitation.set_phase(db, draft["id"], "closed", "fiona")
    assert workshops.get_workshop(db, workshop["id"])["joining_open"] == 1


def test_without_the_option_voting_leaves_joining_open(db, demo, staff):
    workshop, questions = demo
    facilitation.set_phase(db, questions[0]["id"], "voting", "fiona")
    assert workshops.get_workshop(db, workshop["id"])["joining_open"] == 1


# ---------------------------------------------------------------- seat codes

@pytest.fixture
def seated(db, demo, staff):
    """The demo workshop in seat-codes mode with 3 seats; returns (workshop, codes)."""
    workshop, _ = demo
    seats.set_seat_mode(db, workshop["id"], "codes", "olga")
    assert seats.create_seat_codes(db, workshop["id"], 3, "olga") == {"first": 1, "last": 3}
    return workshops.get_workshop(db, workshop["id"]), seat_codes(db, workshop["id"])


def test_with_seats_on_40_joins_without_a_seat_create_no_participant(db, seated):
    workshop, codes = seated
    refusals = Counter()
    for i in range(40):
        junk = [None, "", "nope", "K7QX-4M2", "K7QX4M2PX", "0O1IL000", "![x](http://e.x)", "A" * 5000][i % 8]
        try:
            participation.join_workshop(db, workshop["code"], f"Stuffer {i}", seat_code=junk)
        except RuleError as exc:
            refusals[exc.msgid] += 1
    assert phones(db, workshop["id"]) == 0
    assert refusals == {"This workshop needs a seat code: it is on the card you were given at the door.": 10,
                        "No seat has the code {code}. Please check it or ask the facilitator.": 30}


def test_one_seat_code_joined_from_20_threads_makes_exactly_one_participant(db, db_path, seated):
    workshop, codes = seated
    outcomes = race(db_path, 20, lambda conn, i: participation.join_workshop(conn, workshop["code"], f"P{i}",
                                                                           seat_code=codes[0]))
    assert Counter(outcomes) == {"joined": 1,
                                 "This seat is already in use on another device. Please ask the facilitator.": 19}
    [seat] = [s for s in seats.list_seats(db, workshop["id"]) if s["code"] == codes[0]]
    assert phones(db, workshop["id"]) == 1
    assert seat["state"] == "used" and seat["participant_id"] == db.conn.execute(
        "SELECT id FROM participant WHERE workshop_id = ?", (workshop["id"],)).fetchone()[0]


def test_a_seat_code_is_typed_loosely_and_works_once(db, seated):
    workshop, codes = seated
    typed = f" {codes[1][:4].lower()}-{codes[1][4:]} "
    ana = participation.join_workshop(db, workshop["code"], "Ana", seat_code=typed)
    with pytest.raises(RuleError, match="already in use on another device"):
        participation.join_workshop(db, workshop["code"], "Ben", seat_code=codes[1])
    assert phones(db, workshop["id"]) == 1 and ana["display_name"] == "Ana"


def test_a_voided_seat_is_refused(db, seated):
    workshop, codes = seated
    seats.void_seat(db, workshop["id"], 2, "fiona")
    with pytest.raises(RuleError, match="This seat is no longer valid. Please ask the facilitator for a new one."):
        participation.join_workshop(db, workshop["code"], seat_code=codes[1])
    with pytest.raises(RuleError, match="no longer valid"):
        seats.void_seat(db, workshop["id"], 2, "fiona")  # twice
    assert phones(db, workshop["id"]) == 0
    assert [(s["number"], s["state"]) for s in seats.list_seats(db, workshop["id"])] == [
        (1, "free"), (3, "free"), (2, "voided")]


def test_voiding_a_used_seat_locks_its_phone_out_and_keeps_its_dots(db, seated):
    workshop, codes = seated
    question = workshops.list_questions(db, workshop["id"])[0]
    facilitation.set_phase(db, question["id"], "voting", "fiona")
    pid = workshops.list_visible_priorities(db, question["id"])[0]["id"]
    ana = participation.join_workshop(db, workshop["code"], "Ana", seat_code=codes[0])
    participation.place_dot(db, ana, pid)
    seats.void_seat(db, workshop["id"], 1, "fiona")
    assert participation.get_participant(db, ana["token"]) is None  # the device holding the seat is out
    assert results.tally_question(db, question["id"]).set_index("priority_id").loc[pid, "dots"] == 1
    # Reissued: a fresh code that continues the same participant, with the same dots and budget.
    fresh = seats.reissue_seat(db, workshop["id"], 1, "fiona")
    assert fresh["code"] not in codes and fresh["number"] == 1 and fresh["participant_id"] == ana["id"]
    back = participation.join_workshop(db, workshop["code"], "ignored", seat_code=fresh["code"])
    assert back["id"] == ana["id"] and back["token"] != ana["token"] and back["display_name"] == "Ana"
    assert participation.count_dots_used(db, question["id"], ana["id"]) == 1
    assert phones(db, workshop["id"]) == 1
    with pytest.raises(RuleError, match="already in use"):
        participation.join_workshop(db, workshop["code"], seat_code=fresh["code"])
    assert seats.summarise_seats(db, workshop["id"]) == {"mode": "codes", "issued": 4, "voided": 1, "used": 1,
                                                          "joined_without_seat": 0}


def test_reissuing_a_seat_nobody_used_gives_a_fresh_code(db, seated):
    workshop, codes = seated
    fresh = seats.reissue_seat(db, workshop["id"], 3, "fiona")
    with pytest.raises(RuleError, match="no longer valid"):
        participation.join_workshop(db, workshop["code"], seat_code=codes[2])
    assert participation.join_workshop(db, workshop["code"], "Cem", seat_code=fresh["code"])["display_name"] == "Cem"
    with pytest.raises(RuleError, match="no longer valid"):
        seats.reissue_seat(db, workshop["id"], 99, "fiona")


def test_a_reissued_seat_continues_even_when_joining_is_closed(db, seated):
    workshop, codes = seated
    ana = participation.join_workshop(db, workshop["code"], "Ana", seat_code=codes[0])
    admission.update_join_settings(db, workshop["id"], "fiona", joining_open=False, participant_cap=1)
    fresh = seats.reissue_seat(db, workshop["id"], 1, "fiona")
    assert participation.join_workshop(db, workshop["code"], seat_code=fresh["code"])["id"] == ana["id"]
    with pytest.raises(RuleError, match="Joining this workshop is closed"):
        participation.join_workshop(db, workshop["code"], seat_code=codes[1])


def test_seat_modes_and_sheets_are_the_organisers(db, demo, staff):
    workshop, _ = demo
    with pytest.raises(RuleError, match="This page is for organisers"):
        seats.set_seat_mode(db, workshop["id"], "codes", "fiona")
    with pytest.raises(RuleError, match="This page is for organisers"):
        seats.create_seat_codes(db, workshop["id"], 3, "fiona")
    for count in (0, 1001, "3", 2**70):
        with pytest.raises(RuleError, match="Seats are made 1 to 1000 at a time"):
            seats.create_seat_codes(db, workshop["id"], count, "olga")
    with pytest.raises(RuleError, match="Unknown seat mode"):
        seats.set_seat_mode(db, workshop["id"], "vip", "olga")


def test_seats_can_be_required_only_before_anyone_joins_without_one(db, demo, staff):
    workshop, _ = demo
    participation.join_workshop(db, workshop["code"], "Test phone")
    with pytest.raises(RuleError, match=r"Phones have already joined without a seat \(1\)"):
        seats.set_seat_mode(db, workshop["id"], "codes", "olga")
    seats.set_seat_mode(db, workshop["id"], "open", "olga")  # open is always possible


def test_open_mode_ignores_a_seat_in_the_link(db, demo, staff):
    workshop, _ = demo
    seats.create_seat_codes(db, workshop["id"], 1, "olga")
    participation.join_workshop(db, workshop["code"], seat_code="junk")
    assert [s["state"] for s in seats.list_seats(db, workshop["id"])] == ["free"]


# ---------------------------------------------------------------- registered list

GOOD_LIST = ("Name;E-mail;Country;Organisation type\n"
             "Ana Novak;ana@example.org;slovenia;Civil society\n"
             "Ben Horvat;ben@example.org;Croatia;\n").encode("utf-8-sig")


def test_a_registration_list_with_bad_rows_imports_nothing_and_names_them(db, demo, staff):
    workshop, _ = demo
    bad = ("name,email,country,organization type\n"
           "Ana Novak,ana@example.org,Slovenia,\n"
           ",nobody@example.org,,\n"
           "Ben Horvat,not-an-address,Croatia,\n"
           "Ana Again,ANA@example.org,,\n"
           "Cem Kaya,cem@example.org,Narnia,\n"
           "Dora Dane,dora@example.org,,Secret society\n"
           "Eva Ok,eva@example.org,Serbia,\n").encode()
    with pytest.raises(BadRows) as refused:
        seats.import_registrations(db, workshop["id"], bad, "olga")
    assert [(row, exc.msgid, exc.params) for row, exc in refused.value.problems] == [
        (3, "the name is missing or longer than {max} characters", {"max": 80}),
        (4, "the e-mail address is not valid", {}),
        (5, "the e-mail address appears twice", {}),
        (6, "{label}: not one of the offered answers", {"label": "Country"}),
        (7, "{label}: not one of the offered answers", {"label": "Organisation type"})]
    assert db.conn.execute("SELECT count(*) FROM seat").fetchone()[0] == 0


def test_registration_lists_need_name_and_email_and_utf8(db, demo, staff):
    workshop, _ = demo
    for data, message in [(b"who,mail\nAna,ana@example.org\n", "columns: name"),
                          (b"name,country\nAna,Slovenia\n", "columns: e-mail"),
                          (b"name,email\n", "1 to 1000 attendees"),
                          ("name,email\nJiří,j@example.org\n".encode("cp1250"), "not UTF-8")]:
        with pytest.raises(RuleError, match=message):
            seats.import_registrations(db, workshop["id"], data, "olga")


def test_registered_attendees_get_personal_links_and_a_prefilled_profile(db, demo, staff):
    workshop, _ = demo
    seats.set_seat_mode(db, workshop["id"], "registered", "olga")
    assert seats.import_registrations(db, workshop["id"], GOOD_LIST, "olga") == {"count": 2}
    listed = seats.list_seats(db, workshop["id"])
    assert [(s["number"], s["kind"], s["name"], s["email"], s["profile"]) for s in listed] == [
        (1, "registered", "Ana Novak", "ana@example.org",
         {"country": "Slovenia", "org_type": "Civil society"}),
        (2, "registered", "Ben Horvat", "ben@example.org", {"country": "Croatia"})]
    with pytest.raises(RuleError, match="registered attendees: please open your personal link"):
        participation.join_workshop(db, workshop["code"])
    ana = participation.join_workshop(db, workshop["code"], seat_code=listed[0]["code"])
    assert json.loads(ana["profile"]) == {"country": "Slovenia", "org_type": "Civil society"}
    assert ana["display_name"] is None  # the registered name is never put where the participant's phone shows it
    ben = participation.join_workshop(db, workshop["code"], "Ben", {"country": "Serbia"}, seat_code=listed[1]["code"])
    assert json.loads(ben["profile"]) == {"country": "Serbia"}  # the participant may correct a pre-filled answer
    links_csv = seat_sheet.build_personal_links(db, workshop["id"], "https://hub.example/x").decode("utf-8-sig")
    assert links_csv.splitlines() == [
        "seat,name,email,seat_code,link,state",
        f"1,Ana Novak,ana@example.org,{seats.format_seat_code(listed[0]['code'])},"
        f"https://hub.example/?code={workshop['code']}&seat={listed[0]['code']},used",
        f"2,Ben Horvat,ben@example.org,{seats.format_seat_code(listed[1]['code'])},"
        f"https://hub.example/?code={workshop['code']}&seat={listed[1]['code']},used"]
    # A second list adds to the first; an e-mail already registered is a bad row.
    with pytest.raises(BadRows) as again:
        seats.import_registrations(db, workshop["id"], b"name,email\nAna N.,Ana@Example.org\n", "olga")
    assert [(row, exc.msgid) for row, exc in again.value.problems] == [(2, "the e-mail address appears twice")]
    actions = [(r["action"], json.loads(r["details"])) for r in audit.list_audit(db, workshop["id"])
               if r["action"].startswith("seat.")]
    assert actions == [("seat.import", {"count": 2, "first": 1})]  # no name or e-mail in the audit log


def test_a_formula_in_a_registration_list_is_neutralised_in_the_links_file(db, demo, staff):
    workshop, _ = demo
    seats.import_registrations(db, workshop["id"], b'name,email\n"=HYPERLINK(""x"")",a@example.org\n', "olga")
    row = seat_sheet.build_personal_links(db, workshop["id"], "").decode("utf-8-sig").splitlines()[1]
    assert row.startswith("1,\"'=HYPERLINK(\"\"x\"\")\",a@example.org,")


# ---------------------------------------------------------------- what exports say, and personal data

def registered_and_voted(db, demo) -> tuple[dict, dict]:
    """A registered-list workshop: Ana joined by her link and voted; Ben's seat is unused. Returns (workshop, ana)."""
    workshop, questions = demo
    seats.set_seat_mode(db, workshop["id"], "registered", "olga")
    seats.import_registrations(db, workshop["id"], GOOD_LIST, "olga")
    listed = seats.list_seats(db, workshop["id"])
    ana = participation.join_workshop(db, workshop["code"], seat_code=listed[0]["code"])
    facilitation.set_phase(db, questions[0]["id"], "voting", "fiona")
    participation.place_dot(db, ana, workshops.list_visible_priorities(db, questions[0]["id"])[0]["id"])
    return workshops.get_workshop(db, workshop["id"]), ana


def test_exports_state_the_seat_mode_and_seats_issued_and_used(db, demo, staff):
    workshop, _ = registered_and_voted(db, demo)
    expected = {"mode": "registered", "issued": 2, "voided": 0, "used": 1, "joined_without_seat": 0}
    document = json.loads(exports.export_bytes(db, workshop["id"], "json"))
    assert document["seats"] == {**expected, "mode_name": "registered list"}
    assert all("name" not in p for p in document["participants"])
    csv_text = exports.export_bytes(db, workshop["id"], "csv").decode("utf-8-sig")
    header, first = csv_text.splitlines()[:2]
    assert header.endswith(",seat_mode,seats_issued,seats_used") and first.endswith(",registered,2,1")
    sheet = load_workbook(io.BytesIO(exports.export_bytes(db, workshop["id"], "xlsx")), read_only=True)["summary"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert {k: rows[k] for k in ("Seat mode", "Seats issued", "Seats voided", "Seats used",
                                 "Phones joined without a seat")} == {
        "Seat mode": "registered list", "Seats issued": 2, "Seats voided": 0, "Seats used": 1,
        "Phones joined without a seat": 0}
    report = exports.export_bytes(db, workshop["id"], "html").decode()
    assert ("<p class='muted' id='seats'>Seat mode: registered list · seats issued 2 · voided 0 · used 1"
            " · phones joined without a seat 0</p>") in report
    everything = exports.export_bytes(db, workshop["id"], "zip")
    with zipfile.ZipFile(io.BytesIO(everything)) as archive:
        blob = b"".join(archive.read(name) for name in archive.namelist())
    for secret in (b"Ana Novak", b"ana@example.org", b"Ben Horvat", b"ben@example.org"):
        assert secret not in blob


def test_exports_with_names_name_the_registered_attendee_but_never_the_email(db, demo, staff):
    workshop, ana = registered_and_voted(db, demo)
    document = json.loads(exports.export_bytes(db, workshop["id"], "json", include_names=True))
    assert [p["name"] for p in document["participants"]] == ["Ana Novak"]
    everything = exports.export_bytes(db, workshop["id"], "zip", include_names=True)
    with zipfile.ZipFile(io.BytesIO(everything)) as archive:
        blob = b"".join(archive.read(name) for name in archive.namelist())
    assert b"ana@example.org" not in blob and b"Ben Horvat" not in blob


def test_open_workshops_export_open_mode(db, demo):
    workshop, _ = demo
    participation.join_workshop(db, workshop["code"])
    assert json.loads(exports.export_bytes(db, workshop["id"], "json"))["seats"] == {
        "mode": "open", "issued": 0, "voided": 0, "used": 0, "joined_without_seat": 1,
        "mode_name": "open (anyone with the join code)"}


def raw_files(db_path) -> bytes:
    """The database file and its -wal file, as bytes."""
    return db_path.read_bytes() + (db_path.parent / (db_path.name + "-wal")).read_bytes()


def test_anonymise_removes_registered_names_emails_and_seat_codes(db, db_path, demo, staff):
    workshop, _ = registered_and_voted(db, demo)
    codes = [s["code"] for s in seats.list_seats(db, workshop["id"])]
    retention.finish_workshop(db, workshop["id"], "olga")
    retention.anonymise_workshop(db, workshop["id"], "olga", workshop["code"])
    assert [(s["name"], s["email"], s["code"], s["profile"]) for s in seats.list_seats(db, workshop["id"])] == [
        (None, None, None, {}), (None, None, None, {})]
    raw = raw_files(db_path)
    assert [n for n in ["Ana Novak", "ana@example.org", "Ben Horvat", "ben@example.org", *codes]
            if n.encode() in raw] == []
    assert seats.summarise_seats(db, workshop["id"])["used"] == 1  # the count survives


def test_delete_removes_registered_names_and_emails_from_the_files(db, db_path, demo, staff):
    workshop, _ = registered_and_voted(db, demo)
    assert b"ana@example.org" in raw_files(db_path)  # control: the grep sees it before
    retention.delete_workshop(db, workshop["id"], "olga", workshop["code"])
    raw = raw_files(db_path)
    assert [n for n in [b"Ana Novak", b"ana@example.org", b"Ben Horvat", b"ben@example.org"] if n in raw] == []
    assert db.conn.execute("SELECT count(*) FROM seat").fetchone()[0] == 0


# ---------------------------------------------------------------- the sheet, the URL, the Run page's numbers

def test_the_seat_sheet_has_one_qr_card_per_free_seat(db, seated):
    workshop, codes = seated
    participation.join_workshop(db, workshop["code"], seat_code=codes[0])
    seats.void_seat(db, workshop["id"], 3, "fiona")
    sheet = seat_sheet.build_seat_sheet(db, workshop["id"], "https://hub.example/").decode()
    assert sheet.count("<section class='card'>") == 1 and sheet.count("<svg") == 1
    assert "Seat 2" in sheet and seats.format_seat_code(codes[1]) in sheet
    assert seats.format_seat_code(codes[0]) not in sheet and seats.format_seat_code(codes[2]) not in sheet
    assert "@page{size:A4" in sheet


def test_the_seat_url_parameter_is_bounded_and_shape_checked(db, seated):
    workshop, codes = seated
    assert rules.normalise_seat_code("x" * 100000) == "X" * 20  # cut before anything else looks at it
    assert rules.normalise_seat_code(["a list"]) == ""
    assert not rules.is_seat_code_shaped("K7QX4M2O") and rules.is_seat_code_shaped(codes[0])
    problem = seats.seat_problem(db, workshop, "<script>")
    assert problem.msgid.startswith("No seat has the code") and problem.params == {"code": "<SCRIPT>"}
    assert seats.seat_problem(db, workshop, codes[0]) is None


def test_room_counts_joins_in_the_last_minute(db, voting, staff):
    workshop, question, _ = voting
    now = datetime.now(timezone.utc)
    for _ in range(16):
        participation.join_workshop(db, workshop["code"])
    db.conn.execute("UPDATE participant SET joined_at = ? WHERE id IN (SELECT id FROM participant LIMIT 4)",
                    (admission.since_iso(now, 120),))
    db.conn.commit()
    room = results.count_room(db, question["id"], now + timedelta(seconds=1))
    assert (room["joined"], room["joined_last_minute"]) == (16, 12)
    assert admission.list_join_warnings(workshop, 16, 12) == []
    assert admission.list_join_warnings(workshop, 16, rules.JOIN_SPIKE_PER_MINUTE) == ["spike"]
    capped = {**workshop, "participant_cap": 16}
    assert admission.list_join_warnings(capped, 16, 0) == ["cap_reached"]
    assert admission.list_join_warnings({**capped, "participant_cap": 10}, 16, 20) == ["over_cap", "spike"]
