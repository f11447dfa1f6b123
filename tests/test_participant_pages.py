"""The participant page in every state, through Streamlit's AppTest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import facilitation, participation, rules, workshops
from components.rules import RuleError

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "participant.py")


def open_page(**query) -> AppTest:
    """Run the participant page in a fresh session with these query parameters."""
    at = AppTest.from_file(PAGE, default_timeout=15)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything readable on the page, joined."""
    parts = [e.value for kind in ("markdown", "text", "caption", "info", "error", "success", "warning")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def joined(db, workshop) -> tuple[dict, AppTest]:
    """A participant who has joined, and their page."""
    participant = participation.join_workshop(db, workshop["code"], "Ana")
    return participant, open_page(t=participant["token"])


def test_not_joined_asks_for_code(db, demo):
    at = open_page()
    assert [t.label for t in at.text_input] == ["Join code"]
    assert "Join the workshop" in [t.value for t in at.title]


def test_unknown_code_is_explained(db, demo):
    at = open_page()
    at.text_input[0].input("nope99")
    at.button[0].click().run()
    assert "No workshop has the code `NOPE99`. Please check it and try again." in texts(at)
    assert db.conn.execute("SELECT count(*) FROM participant").fetchone()[0] == 0


def test_code_from_the_url_is_shown_literally(db, demo):
    at = open_page(code="![x](http://`evil.example/a.png)")
    [error] = at.error
    # One code span: shown as typed (codes keep 20 characters), never an image or a link.
    assert error.value == "No workshop has the code `![X](HTTP://EVIL.EX`. Please check it and try again."


def test_join_by_link_puts_token_in_url(db, demo):
    workshop, _ = demo
    at = open_page(code=workshop["code"])
    at.text_input[0].input("Ana")
    at.selectbox(key="profile_country").select("Croatia")
    at.button[0].click().run()
    row = db.conn.execute("SELECT token, display_name, profile FROM participant").fetchone()
    assert row[1:] == ("Ana", '{"country": "Croatia"}')
    assert at.query_params["t"] == row[0]


def test_profile_questions_say_required_or_optional(db, demo):
    workshop, _ = demo
    workshops.save_profile_questions(db, workshop["id"], [
        {"label": "Country", "options": ["Croatia", "Serbia"], "required": True},
        {"label": "Organisation type", "options": ["NGO"], "required": False}], "test")
    at = open_page(code=workshop["code"])
    # Plain labels: Streamlit reads a label out as the field's name, so "\\(required\\)" would be read aloud.
    assert [box.label for box in at.selectbox if box.key.startswith("profile_")] == [
        "Country (required)", "Organisation type (optional)"]


def test_a_label_keeps_its_parentheses_and_loses_its_markup():
    from components.text import escape_label

    assert escape_label("Country (required)") == "Country (required)"
    # A link needs "[...]", and brackets stay escaped; a literal backslash before "(" stays literal.
    assert escape_label("[x](https://e.vil) :red[y]") == "\\[x\\](https\\://e\\.vil) \\:red\\[y\\]"
    assert escape_label("a\\(b)") == "a\\\\(b)"


def test_closed_workshop_code_is_refused(db, demo):
    workshop, _ = demo
    db.conn.execute("UPDATE workshop SET status = 'finished' WHERE id = ?", (workshop["id"],))
    db.conn.commit()
    at = open_page(code=workshop["code"])
    # The same words as for a code that never existed: the page does not confirm which codes are real.
    assert f"No workshop has the code `{workshop['code']}`. Please check it and try again." in texts(at)
    assert "This workshop has ended." not in texts(at)
    messages = []
    for code in (workshop["code"], "ZZZZ99"):
        with pytest.raises(RuleError) as refused:
            participation.join_workshop(db, code)
        messages.append(str(refused.value).replace(code, "CODE"))
    assert messages == ["No workshop has the code CODE. Please check it and try again."] * 2


def test_join_attempts_are_throttled_per_session(db, demo, monkeypatch):
    from components.ui import join
    clock = [1000.0]
    monkeypatch.setattr(join.time, "monotonic", lambda: clock[0])
    at = open_page()
    for attempt in range(rules.JOIN_ATTEMPTS_MAX):
        at.text_input[0].input(f"NOPE{attempt:02d}")
        at.button[0].click().run()
    at.text_input[0].input(demo[0]["code"])
    at.button[0].click().run()
    assert "Too many tries. Please wait a minute and try again." in texts(at)
    assert [t.label for t in at.text_input] == ["Join code"]  # the right code waits too
    clock[0] += rules.JOIN_WINDOW_SECONDS
    at.button[0].click().run()
    assert "Too many tries. Please wait a minute and try again." not in texts(at)
    assert "Your name (optional)" in [t.label for t in at.text_input]


def test_collecting_shows_form_and_limits(db, demo):
    workshop, _ = demo
    _participant, at = joined(db, workshop)
    assert "You can submit 3 more priorities." in texts(at)
    title = next(t for t in at.text_input if t.key and t.key.endswith("_title"))
    assert title.label == "Your priority"


@pytest.mark.parametrize("text,message", [("", "Please write at least 3 characters."),
                                           ("  x ", "Please write at least 3 characters.")])
def test_submit_bad_text_shows_message_and_writes_nothing(db, demo, text, message):
    workshop, _ = demo
    _participant, at = joined(db, workshop)
    next(t for t in at.text_input if t.key and t.key.endswith("_title")).input(text)
    next(b for b in at.button if b.label == "Submit").click().run()
    assert message in texts(at)
    assert db.conn.execute("SELECT count(*) FROM priority WHERE participant_id IS NOT NULL").fetchone()[0] == 0


def test_submit_then_see_own_priority(db, demo):
    workshop, _ = demo
    _participant, at = joined(db, workshop)
    next(t for t in at.text_input if t.key and t.key.endswith("_title")).input("<b>Peer exchange</b> **now**")
    next(b for b in at.button if b.label == "Submit").click().run()
    assert "Thank you! Your priority was added." in texts(at)
    assert "<b>Peer exchange</b> **now**" in [t.value for t in at.text]
    assert "You can submit 2 more priorities." in texts(at)


def test_a_submission_clears_the_whole_form_theme_included(db, demo):
    """A theme left selected would silently go to the next priority (found in a rehearsal)."""
    workshop, _ = demo
    _participant, at = joined(db, workshop)
    theme = next(s for s in at.selectbox if s.key and s.key.endswith("_theme"))
    chosen = theme.options[0]
    next(t for t in at.text_input if t.key and t.key.endswith("_title")).input("Peer exchange between hubs")
    theme.select(chosen)
    next(b for b in at.button if b.label == "Submit").click().run()
    assert "Thank you! Your priority was added." in texts(at)
    assert next(s for s in at.selectbox if s.key and s.key.endswith("_theme")).value is None
    next(t for t in at.text_input if t.key and t.key.endswith("_title")).input("Translate the toolkit")
    next(b for b in at.button if b.label == "Submit").click().run()
    assert db.conn.execute("SELECT p.title, t.name FROM priority p LEFT JOIN theme t ON t.id = p.theme_id "
                           "WHERE p.participant_id IS NOT NULL ORDER BY p.id").fetchall() == [
        ("Peer exchange between hubs", chosen), ("Translate the toolkit", None)]


def ballot_element(at: AppTest):
    """The page's one ballot element (the page also has the element that remembers the participant)."""
    [element] = [e for e in at.get("bidi_component") if "hub_ballot" in e.proto.component_name]
    return element


def ballot(at: AppTest) -> dict:
    """The data the ballot element hands to the browser (the browser draws it from exactly this)."""
    return json.loads(ballot_element(at).proto.json)


def budget_line(at: AppTest) -> str:
    """The "N of M dots left" line the ballot shows."""
    view = ballot(at)["ballot"]
    return view["labels"]["lines"][view["left"]]


def test_voting_hands_the_ballot_and_its_routes_to_the_browser(db, voting):
    """Taps go to /api/vote (tests/test_vote_route.py); the page only sends the first view."""
    workshop, question, ids = voting
    participant, at = joined(db, workshop)
    data = ballot(at)
    assert budget_line(at) == "5 of 5 dots left" and sorted(i["id"] for i in data["ballot"]["items"]) == sorted(ids)
    assert (data["question"], data["token"], data["phase"]) == (question["id"], participant["token"], "voting")
    assert data["endpoints"] == {"vote": "/api/vote", "ballot": "/api/ballot", "feed": "/api/feed"}
    participation.place_dot(db, participant, ids[0])
    at = open_page(t=participant["token"])
    assert budget_line(at) == "4 of 5 dots left"


def test_collecting_mounts_an_empty_ballot_that_waits_for_voting(db, demo):
    """The element is there before voting, so it can draw the ballot the moment voting opens."""
    workshop, questions = demo
    participant, at = joined(db, workshop)
    data = ballot(at)
    assert (data["phase"], data["ballot"], data["hide"]) == ("collecting", None, f"st-key-collect_q{questions[0]['id']}")
    assert "Your priority" in [t.label for t in at.text_input]


def test_closed_hides_results_until_revealed(db, voting):
    workshop, question, ids = voting
    participant = participation.join_workshop(db, workshop["code"])
    participation.place_dot(db, participant, ids[1])
    facilitation.set_phase(db, question["id"], "closed", "t")
    at = open_page(t=participant["token"])
    assert "Voting has closed." in texts(at) and len(at.dataframe) == 0
    assert [s.value for s in at.success] == ["Thank you for voting. Your dots are counted."]
    assert "The results will be shown on the screen at the front of the room, and here once they are revealed." \
        in [c.value for c in at.caption]
    facilitation.set_results_visibility(db, question["id"], "revealed", "t")
    at = open_page(t=participant["token"])
    shown = results_data(at)
    assert shown["rows"][0] == {"rank": 1, "id": ids[1], "title": shown["rows"][0]["title"], "dots": 1, "mine": 1}
    assert [row["dots"] for row in shown["rows"]] == [1, 0, 0] and shown["live"] is False
    assert shown["labels"] == {"results": "Results", "dots": "Dots", "mine": "Your dots"}


def results_data(at: AppTest) -> dict:
    """The data the phone's results list (results.js) is drawn from."""
    [element] = [e for e in at.get("bidi_component") if "hub_results" in e.proto.component_name]
    return json.loads(element.proto.json)


def test_live_results_on_the_phone_follow_the_feed_without_a_token(db, voting):
    """While voting with live results the list draws what the ballot's feed hands on: it needs no token."""
    workshop, question, ids = voting
    facilitation.set_results_visibility(db, question["id"], "live", "t")
    participant, at = joined(db, workshop)
    shown = results_data(at)
    assert (shown["live"], shown["question"]) == (True, question["id"]) and "token" not in shown
    assert [row["dots"] for row in shown["rows"]] == [0, 0, 0] and sorted(row["id"] for row in shown["rows"]) == sorted(ids)


def test_hidden_results_send_nothing_to_the_phone(db, voting):
    workshop, _question, _ids = voting
    _participant, at = joined(db, workshop)
    assert [e for e in at.get("bidi_component") if "hub_results" in e.proto.component_name] == []


def test_ballot_speaks_the_workshop_language(db, voting):
    """The ballot fragment uses the workshop's language too, not only the main page."""
    workshop, question, ids = voting
    db.conn.execute("UPDATE workshop SET language = 'cs' WHERE id = ?", (workshop["id"],))
    db.conn.commit()
    _participant, at = joined(db, workshop)
    assert budget_line(at) == "Zbývá 5 bodů z 5"
    assert ballot(at)["ballot"]["labels"]["add"] == "Přidat bod"


def test_participant_page_asks_the_browser_to_remember_the_participant(db, voting):
    """The page hands the browser exactly this workshop's cookie name, the token and 30 days."""
    workshop, _question, _ids = voting
    participant = participation.join_workshop(db, workshop["code"])
    at = open_page(t=participant["token"])
    [element] = [e for e in at.get("bidi_component") if "hub_remember" in e.proto.component_name]
    # Opened by a link, not through this session's join: it must not replace another participant's cookie.
    assert json.loads(element.proto.json) == {"name": f"hub_w{workshop['id']}", "value": participant["token"],
                                              "seconds": 30 * 86400, "replace": False}
