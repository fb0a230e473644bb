"""Fixtures of the events tests: an event with slots, participants attached to real organisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organisation, User
from matchmaker.services import events as service
from matchmaker.services.accounts import create_user

PASSWORD = "correct horse battery"  # the shared conftest password

ORGANISATIONS = {
    "startup@example.org": "ilab:ilab-00317",  # start-up HEMARINA
    "buyer@example.org": "decp-buyer:26130008100484",  # AP-HM, a hospital buyer
    "buyer2@example.org": "rnsr:199911764W",  # a lab
    "lab2@example.org": "rnsr:201321541M",  # an antibody platform
}


@dataclass
class EventSetup:
    """Public ids and e-mails the tests use."""

    event_id: str
    staff: str
    participants: dict[str, str]  # e-mail -> registration public id (validated)
    outsider: str  # a member not registered


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def future_event_input(**changes) -> service.EventInput:
    """Return a valid event input two days from now, three hours of 30-minute slots, 3 tables."""
    day = date.today() + timedelta(days=30)
    values = dict(
        name="Rencontres B2B Thérapies innovantes",
        starts_on=day,
        ends_on=day,
        slot_ranges=[f"{day.isoformat()} 09:00-10:30"],
        registration_deadline=datetime.combine(day, datetime.min.time()) - timedelta(days=1),
        place="Lyon, Centre de congrès",
        meeting_minutes=30,
        tables=3,
        requires_validation=True,
        published=True,
        max_requests=5,
        max_meetings=3,
    )
    values.update(changes)
    return service.EventInput(**values)


TEXTS = {
    "startup@example.org": (
        "Transporteur d'oxygène d'origine marine pour la préservation des greffons et les plaies.",
        "Essais cliniques à l'hôpital, partenaires hospitaliers et plateformes d'analyse.",
    ),
    "buyer@example.org": (
        "Terrain d'essais cliniques hospitaliers et achats de dispositifs médicaux innovants.",
        "Solutions de préservation des greffons et de cicatrisation des plaies.",
    ),
    "buyer2@example.org": (
        "Biologie structurale, cristallographie et cryo-microscopie électronique des protéines.",
        "Start-up ayant besoin d'analyse structurale de protéines thérapeutiques.",
    ),
    "lab2@example.org": (
        "Ingénierie des anticorps, production et caractérisation d'anticorps monoclonaux.",
        "Projets de thérapies à base d'anticorps et partenaires industriels.",
    ),
}


@pytest.fixture()
def event_setup(app, users) -> EventSetup:
    """Create a published event and four validated participants (organisations attached to their accounts)."""
    with app.app_context():
        create_user(db.session, email="lab2@example.org", password=PASSWORD, role="member", name="Lab Two")
        create_user(db.session, email="outsider@example.org", password=PASSWORD, role="member", name="Outsider")
        for email, key in ORGANISATIONS.items():
            _user(email).organisation_id = db.session.scalar(select(Organisation.id).where(Organisation.key == key))
        db.session.commit()
        staff = _user(users["staff"])
        event = service.create_event(db.session, staff, future_event_input())
        participants = {}
        for email, (offer, seek) in TEXTS.items():
            registration = service.register(
                db.session, _user(email), event, service.RegistrationInput(offer_text=offer, seek_text=seek)
            )
            service.review_registration(db.session, staff, registration, approve=True)
            participants[email] = registration.public_id
        return EventSetup(
            event_id=event.public_id, staff=users["staff"], participants=participants, outsider="outsider@example.org"
        )
