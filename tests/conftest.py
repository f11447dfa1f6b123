"""Shared fixtures: every test gets its own database file."""

from __future__ import annotations

import pytest

from components import facilitation, seed, storage, workshops

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """Point the app at a fresh database file for this test."""
    path = tmp_path / "hub.db"
    monkeypatch.setenv(storage.DB_ENV_VAR, str(path))
    monkeypatch.setenv("HUB_WORKSHOP_COOKIE_KEY", "k" * 64)
    return path


@pytest.fixture
def db(db_path):
    """An open, migrated database."""
    database = storage.open_db(db_path)
    storage.migrate(database)
    yield database
    database.close()


@pytest.fixture
def demo(db):
    """The demo workshop: returns (workshop, [question1, question2])."""
    workshop_id = seed.seed_demo(db)
    return workshops.get_workshop(db, workshop_id), workshops.list_questions(db, workshop_id)


@pytest.fixture
def voting(db, demo):
    """Demo question 1 opened for voting; returns (workshop, question, priority ids)."""
    workshop, questions = demo
    question = questions[0]
    facilitation.set_phase(db, question["id"], "voting", "test")
    ids = [p["id"] for p in workshops.list_visible_priorities(db, question["id"])]
    return workshop, workshops.get_question(db, question["id"]), ids
