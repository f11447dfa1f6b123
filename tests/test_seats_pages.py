"""Seats, the joining switch, the cap and the shared phone on the pages, through Streamlit's AppTest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import admission, participation, rules, seats, workshops
from tests.test_staff_pages import click, open_page as open_staff_page, open_section, shown, staff  # noqa: F401  (fixture)
from tests.test_access import standalone_page_link  # noqa: F401  (autouse fixture)

PARTICIPANT_PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "participant.py")


def open_seats_tab(user: str = "fiona") -> AppTest:
    """Open Set up workshops on its "Joining and seats" section (only the open section runs)."""
    return open_section(open_staff_page("setup", user), "Joining and seats")


def open_phone(**query) -> AppTest:
    """The participant page in a fresh session (a new browser) with these query parameters."""
    at = AppTest.from_file(PARTICIPANT_PAGE, default_timeout=15)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def people(db, workshop_id: int) -> int:
    """Participants of the workshop."""
    return db.conn.execute("SELECT count(*) FROM participant WHERE workshop_id = ?", (workshop_id,)).fetchone()[0]


def join_button(at: AppTest):
    """The join form's button, if the page shows one."""
    return [b for b in at.button if b.label == "Join"]


@pytest.fixture
def seated(db, demo, staff):  # noqa: F811
    """Seat-codes mode with 3 seats: (workshop, codes by number)."""
    workshop, _ = demo
    seats.set_seat_mode(db, workshop["id"], "codes", "olga")
    seats.create_seat_codes(db, workshop["id"], 3, "olga")
    return workshops.get_workshop(db, workshop["id"]), [s["code"] for s in seats.list_seats(db, workshop["id"])]


# ---------------------------------------------------------------- the phone

def test_seat_mode_asks_for_the_seat_code_and_joins_with_it(db, seated):
    workshop, codes = seated
    at = open_phone(code=workshop["code"])
    assert [i.value for i in at.info] == [
        "This workshop needs a seat code: it is on the card you were given at the door."]
    assert join_button(at) == [] and [t.label for t in at.text_input] == ["Seat code"]
    at.text_input[0].input("nope")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["No seat has the code `NOPE`. Please check it or ask the facilitator."]
    at.text_input[0].input(seats.format_seat_code(codes[1]).lower())
    at.button[0].click().run()
    assert f"Seat 2 · `{seats.format_seat_code(codes[1])}`" in [c.value for c in at.caption]
    join_button(at)[0].click().run()
    assert not at.exception and people(db, workshop["id"]) == 1
    assert [s["state"] for s in seats.list_seats(db, workshop["id"])] == ["free", "used", "free"]


def test_a_used_seat_link_in_another_browser_is_refused(db, seated):
    workshop, codes = seated
    participation.join_workshop(db, workshop["code"], "Ana", seat_code=codes[0])
    at = open_phone(code=workshop["code"], seat=codes[0])
    assert [e.value for e in at.error] == [
        "This seat is already in use on another device. Please ask the facilitator."]
    assert join_button(at) == [] and people(db, workshop["id"]) == 1


def test_a_voided_seat_link_is_refused(db, seated):
    workshop, codes = seated
    seats.void_seat(db, workshop["id"], 3, "fiona")
    at = open_phone(code=workshop["code"], seat=codes[2])
    assert [e.value for e in at.error] == ["This seat is no longer valid. Please ask the facilitator for a new one."]
    assert join_button(at) == []


def test_the_seat_in_the_url_is_shown_literally(db, seated):
    workshop, _ = seated
    at = open_phone(code=workshop["code"], seat="![x](http://evil.example/a.png)")
    assert [e.value for e in at.error] == ["No seat has the code `![X](HTTP://`. Please check it or ask the facilitator."]


def test_a_reissued_seat_continues_its_participant(db, seated):
    workshop, codes = seated
    ana = participation.join_workshop(db, workshop["code"], "Ana", seat_code=codes[0])
    fresh = seats.reissue_seat(db, workshop["id"], 1, "fiona")
    at = open_phone(code=workshop["code"], seat=fresh["code"])
    assert "same dots" in at.info[0].value
    at.button(key="continue_seat").click().run()
    back = participation.get_participant(db, at.query_params["t"])
    assert back["id"] == ana["id"] and people(db, workshop["id"]) == 1


def test_a_registered_link_prefills_the_profile(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    seats.set_seat_mode(db, workshop["id"], "registered", "olga")
    seats.import_registrations(db, workshop["id"], b"name,email,country\nAna Novak,ana@example.org,Slovenia\n", "olga")
    [seat] = seats.list_seats(db, workshop["id"])
    at = open_phone(code=workshop["code"], seat=seat["code"])
    assert at.selectbox(key="profile_country").value == "Slovenia"
    assert "Ana Novak" not in shown(at) and "ana@example.org" not in shown(at)
    join_button(at)[0].click().run()
    joined = participation.get_participant(db, at.query_params["t"])
    assert json.loads(joined["profile"]) == {"country": "Slovenia"} and joined["display_name"] is None


def test_closed_joining_refuses_new_phones_but_keeps_joined_ones(db, voting, staff):  # noqa: F811
    workshop, question, _ = voting
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    admission.update_join_settings(db, workshop["id"], "fiona", joining_open=False)
    at = open_phone(code=workshop["code"])
    assert [e.value for e in at.error] == ["Joining this workshop is closed. Please ask the facilitator."]
    assert join_button(at) == [] and at.text_input == []
    phone = open_phone(t=ana["token"])
    assert any("hub_ballot" in e.proto.component_name for e in phone.get("bidi_component"))


def test_a_full_workshop_says_so(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    admission.update_join_settings(db, workshop["id"], "fiona", participant_cap=1)
    at = open_phone(code=workshop["code"])
    join_button(at)[0].click().run()
    assert people(db, workshop["id"]) == 1
    other = open_phone(code=workshop["code"])
    assert [e.value for e in other.error] == [
        "This workshop is full. Please ask the facilitator."]


def test_shared_phone_off_offers_no_switch(db, demo):
    workshop, _ = demo
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    at = open_phone(t=ana["token"])
    assert [b for b in at.button if b.label == "I am someone else"] == []


def test_shared_phone_on_hands_the_phone_to_the_next_person(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    admission.update_join_settings(db, workshop["id"], "fiona", allow_shared_device=True)
    ana = participation.join_workshop(db, workshop["code"], "Ana")
    at = open_phone(t=ana["token"])
    at.button(key="someone_else").click().run()
    assert not at.exception and at.query_params["code"] == workshop["code"] and "t" not in at.query_params
    assert len(join_button(at)) == 1
    # The element that watches the cookie is told to forget Ana's token (and to ignore it if it sees it).
    watcher = [e for e in at.get("bidi_component") if "hub_remember" in e.proto.component_name]
    assert len(watcher) == 1 and ana["token"] in str(watcher[0].proto)
    at.text_input[0].input("Ben")
    join_button(at)[0].click().run()
    ben = participation.get_participant(db, at.query_params["t"])
    assert ben["display_name"] == "Ben" and ben["id"] != ana["id"] and people(db, workshop["id"]) == 2
    assert participation.get_participant(db, ana["token"])["id"] == ana["id"]  # Ana's own link still works


# ---------------------------------------------------------------- the set-up page

def test_facilitators_see_the_seat_mode_organisers_change_it(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    at = open_seats_tab()
    assert at.radio == [] and "Open: anyone with the join code" in shown(at)
    at = open_seats_tab("olga")
    at.radio(key=f"seat_mode_{workshop['id']}").set_value("codes").run()
    click(at, f"save_seat_mode_{workshop['id']}")
    assert workshops.get_workshop(db, workshop["id"])["seat_mode"] == "codes"
    at.number_input(key=f"seat_count_{workshop['id']}").set_value(3).run()
    click(at, f"make_seats_{workshop['id']}")
    assert "Seat codes made: 1–3." in shown(at)
    assert [(s["number"], s["state"]) for s in seats.list_seats(db, workshop["id"])] == [(1, "free"), (2, "free"),
                                                                                         (3, "free")]
    assert [m.value for m in at.metric][:4] == ["3", "0", "0", "0"]
    assert len(at.get("download_button")) == 1


def test_a_facilitator_voids_and_reissues_a_seat(db, seated):
    workshop, codes = seated
    wid = workshop["id"]
    at = open_seats_tab()
    at.number_input(key=f"seat_number_{wid}").set_value(2).run()
    assert at.button(key=f"void_{wid}").disabled
    at.checkbox(key=f"confirm_void_{wid}").check().run()
    click(at, f"void_{wid}")
    assert "Seat 2 was voided." in shown(at)
    assert at.checkbox(key=f"confirm_void_{wid}").value is False  # a second click cannot void another seat
    at.number_input(key=f"seat_number_{wid}").set_value(3).run()
    click(at, f"reissue_{wid}")
    [fresh] = [s for s in seats.list_seats(db, wid) if s["number"] == 3 and s["state"] == "free"]
    assert f"Seat 3 has a new code: `{seats.format_seat_code(fresh['code'])}`" in shown(at)
    assert f"/?code={workshop['code']}&seat={fresh['code']}" in [c.value for c in at.code][-1]
    assert [(s["number"], s["state"]) for s in seats.list_seats(db, wid)] == [(1, "free"), (3, "free"), (2, "voided"),
                                                                             (3, "voided")]


def test_the_cap_and_the_shared_phone_are_set_on_the_seats_tab(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    wid = workshop["id"]
    at = open_seats_tab()
    at.number_input(key=f"join_cap_{wid}").set_value(44)
    at.checkbox(key=f"join_shared_{wid}").check()
    [save] = [b for b in at.button if b.label == "Save settings" and "join_settings" in str(b.proto.id)]
    save.click().run()
    assert not at.exception
    fresh = workshops.get_workshop(db, wid)
    assert (fresh["participant_cap"], fresh["allow_shared_device"]) == (44, 1)


def test_a_registration_list_with_bad_rows_is_shown_row_by_row(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    wid = workshop["id"]
    seats.set_seat_mode(db, wid, "registered", "olga")
    at = open_seats_tab("olga")
    at.get("file_uploader")[0].set_value(("list.csv", b"name,email\nAna,ana@example.org\nBen,ben(at)example\n",
                                          "text/csv")).run()
    click(at, f"import_{wid}")
    assert [e.value for e in at.error] == ["Nothing was imported: the rows listed below have problems."]
    [bad] = [frame for frame in at.dataframe if list(frame.value.columns) == ["row", "reason"]]
    assert bad.value.to_dict("records") == [{"row": 3, "reason": "the e-mail address is not valid"}]
    assert seats.list_seats(db, wid) == []


def test_registered_emails_and_links_are_for_organisers_only(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    seats.set_seat_mode(db, workshop["id"], "registered", "olga")
    seats.import_registrations(db, workshop["id"], b"name,email\nAna Novak,ana@example.org\n", "olga")
    seat_list = {"fiona": None, "olga": None}
    for user in seat_list:
        at = open_seats_tab(user)
        [frame] = [f for f in at.dataframe if "state" in f.value.columns]
        seat_list[user] = list(frame.value.columns)
        assert ("ana@example.org" in str(frame.value.to_dict("records"))) is (user == "olga")
    assert seat_list == {"fiona": ["number", "state", "name"], "olga": ["number", "state", "name", "email", "link"]}


# ---------------------------------------------------------------- the Run page

def test_run_page_switches_joining_and_close_on_voting(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    wid = workshop["id"]
    at = open_staff_page("facilitate")
    at.toggle(key=f"joining_open_{wid}").set_value(False).run()
    assert workshops.get_workshop(db, wid)["joining_open"] == 0
    at.checkbox(key=f"close_joining_on_voting_{wid}").check().run()
    assert not at.exception and workshops.get_workshop(db, wid)["close_joining_on_voting"] == 1
    assert at.toggle(key=f"joining_open_{wid}").value is False


def test_run_page_shows_joins_in_the_last_minute_and_warns(db, demo, staff):  # noqa: F811
    workshop, _ = demo
    admission.update_join_settings(db, workshop["id"], "fiona", participant_cap=rules.JOIN_SPIKE_PER_MINUTE)
    for _ in range(rules.JOIN_SPIKE_PER_MINUTE):
        participation.join_workshop(db, workshop["code"])
    at = open_staff_page("facilitate")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Joined in the last minute"] == str(rules.JOIN_SPIKE_PER_MINUTE)
    assert metrics["Participant cap"] == str(rules.JOIN_SPIKE_PER_MINUTE)
    assert [w.value for w in at.warning] == [
        f"The participant cap ({rules.JOIN_SPIKE_PER_MINUTE}) is reached: new joins are refused.",
        f"Joins in the last minute: {rules.JOIN_SPIKE_PER_MINUTE}. If the room is not just arriving, one person may "
        "be joining many times: close joining or use seats."]
