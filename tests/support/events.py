"""Helpers of the events flow tests: look rows up, ask for and accept meetings through the test client."""

from __future__ import annotations

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Event, EventRegistration, MeetingRequest


def event_row(public_id: str) -> Event:
    """Return the event with this public id."""
    return db.session.scalar(select(Event).where(Event.public_id == public_id))


def registration_row(public_id: str) -> EventRegistration:
    """Return the registration with this public id."""
    return db.session.scalar(select(EventRegistration).where(EventRegistration.public_id == public_id))


def request_between(a: str, b: str) -> MeetingRequest | None:
    """Return the request between two registrations, either way."""
    ra, rb = registration_row(a), registration_row(b)
    return db.session.scalar(
        select(MeetingRequest).where(
            ((MeetingRequest.requester_id == ra.id) & (MeetingRequest.target_id == rb.id))
            | ((MeetingRequest.requester_id == rb.id) & (MeetingRequest.target_id == ra.id))
        )
    )


def ask(client, auth, event_id: str, requester: str, target_registration: str, message: str = ""):
    """Log in as ``requester`` and ask ``target_registration`` for a meeting."""
    auth.login(requester)
    response = client.post(f"/events/{event_id}/demandes", data={"target": target_registration, "message": message})
    auth.logout()
    return response


def answer(client, auth, app, event_id: str, who: str, request_public_id: str, action: str):
    """Log in as ``who`` and accept, decline or cancel a request."""
    auth.login(who)
    response = client.post(f"/events/{event_id}/demandes/{request_public_id}/{action}")
    auth.logout()
    return response


def meet(client, auth, app, setup, a: str, b: str) -> str:
    """Have ``a`` request a meeting with ``b`` and ``b`` accept; return the request public id."""
    assert ask(client, auth, setup.event_id, a, setup.participants[b]).status_code == 302
    with app.app_context():
        public_id = request_between(setup.participants[a], setup.participants[b]).public_id
    answer(client, auth, app, setup.event_id, b, public_id, "accepter")
    return public_id
