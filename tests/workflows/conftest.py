"""Fixtures for the workflow tests: cheap accounts, logging in without a password round trip, factories."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organisation, User
from matchmaker.services import curation
from matchmaker.services.needs import NeedInput, create_need, submit_need, validate_need
from tests.support.workflows import NEED_TEXT, PASSWORD

ROLES = {
    "buyer": "buyer",
    "buyer2": "buyer",
    "startup": "member",
    "startup2": "member",
    "staff": "staff",
    "admin": "admin",
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hash the shared password once: argon2 is deliberately slow."""
    return PasswordHasher().hash(PASSWORD)


@pytest.fixture()
def users(app, password_hash) -> dict[str, str]:
    """Create one account per role (plus a second buyer and start-up); return their e-mail addresses."""
    emails = {}
    with app.app_context():
        for key, role in ROLES.items():
            email = f"{key}@example.org"
            db.session.add(User(email=email, role=role, name=key.title(), password_hash=password_hash))
            emails[key] = email
        db.session.commit()
    return emails


@pytest.fixture()
def user_id(app, users) -> Callable[[str], int]:
    """Return the database id of one of the fixture accounts."""

    def lookup(key: str) -> int:
        with app.app_context():
            return db.session.scalar(select(User.id).where(User.email == users[key]))

    return lookup


@pytest.fixture()
def login(app, users):
    """Return a new test client logged in as a fixture account (None: anonymous), skipping the argon2 check."""

    def as_(key: str | None):
        client = app.test_client()
        with client.session_transaction() as session:
            if key is not None:
                with app.app_context():
                    user = db.session.scalar(select(User).where(User.email == users[key]))
                    session["_user_id"] = user.get_id()
                    session["_fresh"] = True
        return client

    return as_


@pytest.fixture()
def org_key(app) -> Callable[[str], str]:
    """Return the key of the first organisation of a kind in the fixture catalogue."""

    def first(kind: str) -> str:
        with app.app_context():
            query = select(Organisation.key).where(Organisation.kind == kind).order_by(Organisation.id)
            return db.session.scalar(query)

    return first


@pytest.fixture()
def make_need(app, users):
    """Create a need for a fixture account, optionally submitted and validated (with suggestions)."""

    def make(owner: str = "buyer", *, status: str = "draft", text: str = NEED_TEXT, **fields) -> str:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == users[owner]))
            staff = db.session.scalar(select(User).where(User.email == users["staff"]))
            data = NeedInput(title=fields.pop("title", "Caractérisation de biomatériaux implantables"),
                             description=text, **fields)
            need = create_need(db.session, user, data)
            if status in ("submitted", "validated"):
                submit_need(db.session, user, need, acknowledge_warnings=True)
            if status == "validated":
                engine = app.extensions["matchmaker"]
                validate_need(engine, db.session, staff, need)
                curation.propose_suggestions(engine, db.session, need, max_chars=4000, max_results=100)
            return need.public_id

    return make
