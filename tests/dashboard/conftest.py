"""Fixtures of the dashboard tests: a small world with fixed timestamps and known answers.

The browser fixtures (a live server over a SQLite file, one headless Chromium) are those of
tests/browser/conftest.py, imported here so the dashboard's browser test reuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from argon2 import PasswordHasher
from browser.conftest import browser, live_app, live_server  # noqa: F401  (tests/browser fixtures, reused)
from sqlalchemy import select

from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import (
    CurationDecision,
    Introduction,
    Need,
    Organisation,
    Suggestion,
    User,
)
from tests.support.apps import create_test_app

PASSWORD = "correct horse battery"
NOW = datetime(2025, 6, 15, 12, 0)
WEIGHTS = {"lexical": 1.0, "lexical_org": 0.5, "dense": 1.0}
"""Fusion weights of the world: its weak-match threshold is 1.6 × 2.5 = 4.0 until calibrated."""


def day(month: int, day_: int, hour: int = 0, year: int = 2025) -> datetime:
    """Return a fixed timestamp of the world."""
    return datetime(year, month, day_, hour)


@dataclass(frozen=True)
class World:
    """Public ids and keys of the known world (see build_world for what each one is)."""

    needs: dict[str, str]  # name -> public id
    staff_id: int


ORGANISATIONS = [
    # key, kind, region, keywords, attributes, created, updated, claimed, contact
    ("lab-a", "lab", "Bretagne", ["Biologie, médecine et santé"], {}, day(1, 10), day(1, 10), True, "a@lab.example"),
    ("lab-b", "lab", "Bretagne", [], {"erc_panels": ["PE6"]}, day(1, 5, year=2024), day(2, 1, year=2024), False,
     None),
    ("startup-c", "startup", "Île-de-France", ["Pharmacie & biotechnologies"], {}, day(3, 20), day(3, 20), False,
     "c@startup.example"),
    ("maker-d", "manufacturer", "Île-de-France", [], {}, day(3, 25), day(3, 25), True, None),
    ("sub-e", "subcontractor", None, [], {}, day(6, 1), day(6, 1), False, None),
    ("buyer-f", "buyer", "Occitanie", [], {}, day(6, 2), day(6, 2), False, None),
]


def build_world(session) -> World:
    """Create six organisations, four accounts, eight needs, their suggestions, decisions and an introduction.

    Needs: N1 validated, 2 engine suggestions (one accepted after an earlier rejection, one rejected
    off topic), an accepted introduction; N2 validated, a weak engine suggestion rejected for capacity,
    one proposed, one added by hand; N3 validated without suggestions; N4 closed after an accepted
    suggestion; N5 draft; N6 submitted; N7 returned to its owner; N8 a draft its owner closed.
    """
    orgs = {}
    for key, kind, region, keywords, attributes, created, updated, claimed, contact in ORGANISATIONS:
        orgs[key] = Organisation(key=key, kind=kind, name=f"Organisation {key}", region=region, keywords=keywords,
                                 attributes=attributes, created_at=created, updated_at=updated, claimed=claimed,
                                 contact_email=contact)
    session.add_all(orgs.values())
    session.flush()
    hashed = PasswordHasher().hash(PASSWORD)
    buyer = User(email="buyer@example.org", role="buyer", password_hash=hashed, organisation_id=orgs["buyer-f"].id)
    staff = User(email="staff@example.org", role="staff", password_hash=hashed)
    member = User(email="member@sub-e.example", role="member", password_hash=hashed,
                  organisation_id=orgs["sub-e"].id)
    session.add_all([buyer, staff, member])
    session.flush()

    def need(name: str, status: str, submitted=None, validated=None, region=None) -> Need:
        item = Need(owner_id=buyer.id, title=f"Besoin {name}", description="Texte.", status=status, region=region,
                    created_at=day(1, 1), submitted_at=submitted, validated_at=validated)
        session.add(item)
        return item

    needs = {
        "N1": need("N1", "validated", day(2, 1), day(2, 3, 10)),
        "N2": need("N2", "validated", day(3, 1), day(3, 2), "Bretagne"),
        "N3": need("N3", "validated", day(4, 10), day(4, 11), "Île-de-France"),
        "N4": need("N4", "closed", day(1, 5), day(1, 6), "Bretagne"),
        "N5": need("N5", "draft"),
        "N6": need("N6", "submitted", day(5, 20)),
        "N7": need("N7", "rejected", day(5, 10)),
        "N8": need("N8", "closed"),
    }
    session.flush()

    def suggest(need_name, org_key, status, parts, source="engine", position=1) -> Suggestion:
        score = sum(WEIGHTS[name] * value for name, value in parts.items()) if parts else None
        item = Suggestion(need_id=needs[need_name].id, organisation_id=orgs[org_key].id, status=status,
                          source=source, position=position, score=score, score_parts=parts)
        session.add(item)
        session.flush()
        return item

    def decide(suggestion, decision, when, reason=None) -> None:
        """Label a suggestion as staff does: one label per staff member, a later decision updates it."""
        label = session.scalar(select(CurationDecision).where(CurationDecision.suggestion_id == suggestion.id))
        if label is None:
            label = CurationDecision(suggestion_id=suggestion.id, need_id=suggestion.need_id,
                                     organisation_id=suggestion.organisation_id, staff_id=staff.id, created_at=when)
            session.add(label)
        label.decision, label.reason_category, label.updated_at = decision, reason, when
        session.flush()

    n1_a = suggest("N1", "lab-a", "accepted", {"lexical": 3.0, "lexical_org": 2.0, "dense": 2.0})  # fused 6.0
    n1_d = suggest("N1", "maker-d", "rejected", {"lexical": 1.0, "lexical_org": 0.0, "dense": 1.0}, position=2)
    decide(n1_d, "reject", day(2, 4), "off_topic")
    decide(n1_a, "reject", day(2, 4, 12), "too_early")
    decide(n1_a, "accept", day(2, 5, 10))  # 2 days after validation
    n2_c = suggest("N2", "startup-c", "rejected", {"lexical": 1.0, "lexical_org": 1.0, "dense": 1.0})  # fused 2.5
    decide(n2_c, "reject", day(3, 3), "no_capacity")
    suggest("N2", "lab-b", "proposed", {"lexical": 2.0, "lexical_org": 0.0, "dense": 0.0}, position=2)
    n2_e = suggest("N2", "sub-e", "accepted", {}, source="staff", position=3)
    decide(n2_e, "accept", day(3, 6))  # 4 days after validation
    n4_b = suggest("N4", "lab-b", "accepted", {"lexical": 4.0, "lexical_org": 2.0, "dense": 1.0})  # fused 6.0
    decide(n4_b, "accept", day(1, 7))  # 1 day after validation
    session.add(Introduction(requester_id=buyer.id, organisation_id=orgs["lab-a"].id, need_id=needs["N1"].id,
                             message="Bonjour.", status="accepted"))
    session.add(Introduction(requester_id=buyer.id, organisation_id=orgs["maker-d"].id, need_id=needs["N2"].id,
                             message="Bonjour.", status="requested"))
    session.commit()
    return World(needs={name: item.public_id for name, item in needs.items()}, staff_id=staff.id)


@pytest.fixture()
def blank_app(tmp_path):
    """An application on an empty in-memory database (no catalogue, no index)."""

    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        RANKING_SETTINGS = {"weights": WEIGHTS}

    application = create_test_app(Config)
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()


@pytest.fixture()
def world(blank_app):
    """Build the known world; yield it inside an application context."""
    with blank_app.app_context():
        yield build_world(db.session)


@pytest.fixture()
def staff_user():
    """Return the world's staff account (inside the world's application context)."""
    return db.session.scalar(select(User).where(User.email == "staff@example.org"))


@pytest.fixture()
def as_role(app, users):
    """Return a test client logged in as one of the root conftest's accounts (None: anonymous)."""

    def login(role: str | None):
        client = app.test_client()
        if role is not None:
            with app.app_context():
                session_id = db.session.scalar(select(User).where(User.email == users[role])).get_id()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
        return client

    return login
