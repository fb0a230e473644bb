"""Shared fixtures: an application on a fresh in-memory database with a small real catalogue."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.services.accounts import create_user
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app

FIXTURE_KEYS_FILE = Path(__file__).parent / "fixtures" / "catalogue_keys.txt"


def fixture_records() -> list[dict]:
    """Return a small slice of the real bundled directory (labs, start-ups, suppliers, buyers)."""
    wanted = set(FIXTURE_KEYS_FILE.read_text().split())
    records = []
    with gzip.open(PROJECT_ROOT / "data" / "competences" / "organisations.jsonl.gz", "rt") as handle:
        for line in handle:
            record = json.loads(line)
            if record["key"] in wanted:
                records.append(record)
    return records


@pytest.fixture(scope="session")
def catalogue_records() -> list[dict]:
    return fixture_records()


@pytest.fixture()
def app(tmp_path, catalogue_records):
    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        BUNDLED_DATA = PROJECT_ROOT / "data" / "competences"

    application = create_test_app(Config)
    with application.app_context():
        store_records(db.session, catalogue_records)
        db.session.commit()
        application.extensions["matchmaker"].build(db.session)
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


PASSWORD = "correct horse battery"


@pytest.fixture()
def users(app):
    """Create one account per role and return their e-mail addresses."""
    emails = {}
    with app.app_context():
        for account, role in (("buyer", "buyer"), ("startup", "member"), ("staff", "staff"), ("admin", "admin")):
            email = f"{account}@example.org"
            create_user(db.session, email=email, password=PASSWORD, role=role, name=account.title())
            emails[account] = email
        other = create_user(db.session, email="buyer2@example.org", password=PASSWORD, role="buyer")
        emails["buyer2"] = other.email
    return emails


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture()
def auth(client):
    return AuthActions(client)
