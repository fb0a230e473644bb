"""A populated platform shared by the security tests, restored to a snapshot before every test.

The world holds one account per role plus a second buyer and start-up, and objects owned by each
(needs, suggestions, shortlists, introductions, a profile claim, saved searches, an event with
registrations, a meeting request and a scheduled meeting). Tests that write (a POST that closes a
need, deletes a list...) cannot leak into the next one: the in-memory database is copied back
from a snapshot with SQLite's backup API, which takes milliseconds.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.models import Introduction, Meeting, Organisation, User
from matchmaker.services import curation
from matchmaker.services import events as event_service
from matchmaker.services.alerts import create_saved_search
from matchmaker.services.catalogue import store_records
from matchmaker.services.introductions import request_introduction, staff_review
from matchmaker.services.needs import NeedInput, create_need, submit_need, validate_need
from matchmaker.services.profiles import ProfileInput, claim_profile, get_organisation
from matchmaker.services.revisions import propose_revision
from matchmaker.services.shortlists import add_entry, create_shortlist
from tests.support.apps import create_test_app

PASSWORD = "correct horse battery"
ROLES = ("anonymous", "buyer", "startup", "staff", "admin")
ACCOUNTS = {  # account -> (role, organisation key or None)
    "buyer": ("buyer", "decp-buyer:26130008100484"),
    "buyer2": ("buyer", "rnsr:199911764W"),
    "startup": ("member", "ilab:ilab-00317"),
    "startup2": ("member", None),
    "staff": ("staff", None),
    "admin": ("admin", None),
}
NEED_TEXT = (
    "Nous cherchons un laboratoire ou une plateforme capable de caractériser des biomatériaux et des "
    "dispositifs médicaux implantables, pour valider un nouveau procédé de fabrication de prothèses avant "
    "le marquage CE. Essais mécaniques et biocompatibilité, délai de six mois, budget de 50 k€."
)
LIMITS = {"max_chars": 4000, "max_results": 100}


@dataclass
class World:
    """The application, the public ids of the fixture objects, and the way back to the snapshot."""

    app: Flask
    ids: dict[str, str] = field(default_factory=dict)
    session_ids: dict[str, str] = field(default_factory=dict)
    snapshot: sqlite3.Connection | None = None

    def url(self, template: str) -> str:
        """Fill a URL template such as /besoins/{need} with the fixture ids."""
        return template.format(**self.ids)

    def client(self, account: str | None):
        """Return a new test client logged in as a fixture account (None or "anonymous": logged out)."""
        client = self.app.test_client()
        if account not in (None, "anonymous"):
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = self.session_ids[account], True
        return client

    def user(self, account: str) -> User:
        """Return a fixture account (inside an app context)."""
        return db.session.scalar(select(User).where(User.email == f"{account}@example.org"))

    def restore(self) -> None:
        """Put the database back as it was when the world was built."""
        with self.app.app_context():
            db.session.remove()
            live = db.engine.raw_connection()
            try:
                self.snapshot.backup(live.driver_connection)  # type: ignore[union-attr]
            finally:
                live.close()


def _accounts(world: World) -> dict[str, User]:
    hashed = PasswordHasher().hash(PASSWORD)
    users = {}
    for account, (role, org_key) in ACCOUNTS.items():
        org_id = None
        if org_key is not None:
            org = get_organisation(db.session, org_key)
            org.claimed, org_id = True, org.id
        user = User(email=f"{account}@example.org", name=account.title(), role=role, password_hash=hashed,
                    organisation_id=org_id, organisation_role="owner" if org_id and role == "member" else None)
        db.session.add(user)
        users[account] = user
    db.session.commit()
    return users


def _validated_need(engine, owner: User, staff: User, title: str) -> tuple[str, int]:
    need = create_need(db.session, owner, NeedInput(title=title, description=NEED_TEXT, confidentiality="staff_only"))
    submit_need(db.session, owner, need, acknowledge_warnings=True)
    validate_need(engine, db.session, staff, need)
    curation.propose_suggestions(engine, db.session, need, **LIMITS)
    return need.public_id, need.suggestions[0].id


def _build(world: World) -> None:
    engine = world.app.extensions["matchmaker"]
    users = _accounts(world)
    staff, ids = users["staff"], world.ids
    ids["need"], ids["suggestion"] = _validated_need(engine, users["buyer"], staff, "Caractérisation de biomatériaux")
    ids["other_need"], ids["other_suggestion"] = _validated_need(engine, users["buyer2"], staff, "Essais de prothèses")
    draft = create_need(db.session, users["buyer"], NeedInput(title="Brouillon", description=NEED_TEXT))
    ids["draft"] = draft.public_id
    unclaimed_labs = select(Organisation).where(Organisation.kind == "lab", Organisation.claimed.is_(False))
    labs = list(db.session.scalars(unclaimed_labs.order_by(Organisation.id)))
    ids["org"], ids["lab"] = ACCOUNTS["startup"][1], labs[0].key
    for owner, name in (("buyer", "shortlist"), ("buyer2", "other_shortlist")):
        shortlist = create_shortlist(db.session, users[owner], f"Liste de {owner}")
        entry = add_entry(db.session, users[owner], shortlist, labs[0], "note")
        ids[name], ids[name.replace("shortlist", "entry")] = shortlist.public_id, str(entry.id)
    startup_org = get_organisation(db.session, ids["org"])
    intro = request_introduction(db.session, users["buyer"], startup_org, "Bonjour, pouvons-nous échanger ?")
    staff_review(db.session, staff, intro, approve=True)
    ids["intro"] = intro.public_id
    ids["other_intro"] = request_introduction(db.session, users["buyer2"], labs[1], "Demande de contact svp.").public_id
    ids["claim"] = claim_profile(db.session, users["startup2"], labs[2], "Je dirige ce laboratoire.").public_id
    for owner, name in (("startup", "search"), ("startup2", "other_search")):
        saved = create_saved_search(engine, db.session, users[owner], name="Veille", query="biomatériaux", **LIMITS)
        ids[name] = saved.public_id
    _build_events(world, users, engine)
    ids["intro_id"] = str(db.session.scalar(select(Introduction.id).where(Introduction.public_id == ids["intro"])))
    ids["user"] = users["buyer2"].public_id
    ids["member_user"] = users["startup"].public_id  # the start-up's member, owner of its account
    proposal = ProfileInput(name="HEMARINA SA", kind="startup", certifications=("ISO 13485",),
                            description="Transporteur d'oxygène d'origine marine pour la préservation des greffons.")
    ids["revision"] = propose_revision(db.session, users["startup"], startup_org, proposal).public_id


def _build_events(world: World, users: dict[str, User], engine) -> None:
    day = date.today() + timedelta(days=30)
    staff, ids = users["staff"], world.ids
    data = event_service.EventInput(
        name="Rencontres B2B", starts_on=day, ends_on=day, slot_ranges=[f"{day.isoformat()} 09:00-11:00"],
        registration_deadline=datetime.combine(day, datetime.min.time()) - timedelta(days=1), place="Lyon",
        meeting_minutes=30, tables=3, requires_validation=True, published=True, max_requests=5, max_meetings=3,
    )
    event = event_service.create_event(db.session, staff, data)
    ids["event"] = event.public_id
    draft_event = replace(data, published=False, name="Brouillon d'événement")
    ids["draft_event"] = event_service.create_event(db.session, staff, draft_event).public_id
    registrations = {}
    for account in ("buyer", "buyer2", "startup"):
        offer = f"Offre de {account} : essais cliniques, biomatériaux, analyses."
        registration = event_service.register(db.session, users[account], event, event_service.RegistrationInput(
            offer_text=offer, seek_text="Partenaires pour des essais et des analyses."))
        event_service.review_registration(db.session, staff, registration, approve=True)
        registrations[account] = registration.public_id
    ids["registration"], ids["other_registration"] = registrations["startup"], registrations["buyer2"]
    # The buyer is not party to the pending request; the start-up is not party to the meeting.
    pending = event_service.request_meeting(db.session, engine, users["buyer2"], event, registrations["startup"])
    ids["request"] = pending.public_id
    event_service.add_meeting(db.session, engine, staff, event, registrations["buyer"], registrations["buyer2"])
    event_service.run_scheduler(db.session, staff, event, time_limit=5.0)
    ids["meeting"] = db.session.scalar(select(Meeting.public_id).where(Meeting.event_id == event.id))


@pytest.fixture(scope="session")
def world(tmp_path_factory, catalogue_records) -> World:
    """Build the populated platform once for the whole session and snapshot it."""
    root = tmp_path_factory.mktemp("security-world")

    class Config(TestConfig):
        INSTANCE_DIR = root / "instance"
        MODELS_DIR = root / "models"
        BUNDLED_DATA = PROJECT_ROOT / "data" / "competences"

    app = create_test_app(Config)
    built = World(app=app)
    with app.app_context():
        store_records(db.session, catalogue_records)
        db.session.commit()
        app.extensions["matchmaker"].build(db.session)
        _build(built)
        built.session_ids = {account: built.user(account).get_id() for account in ACCOUNTS}
        db.session.remove()
        live = db.engine.raw_connection()
        try:
            built.snapshot = sqlite3.connect(":memory:", check_same_thread=False)
            live.driver_connection.backup(built.snapshot)
        finally:
            live.close()
    yield built
    with app.app_context():
        db.session.remove()
        db.drop_all()


@pytest.fixture()
def fresh_world(world: World) -> World:
    """Return the shared world as it was built (whatever the previous test changed)."""
    world.restore()
    world.app.config.update(WTF_CSRF_ENABLED=False)
    return world
