"""Registration use cases: an organisation or a need joins an event; staff validate when required."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.models import (
    Event,
    EventRegistration,
    Need,
    NeedStatus,
    RegistrationStatus,
    Role,
    User,
    utcnow,
)
from matchmaker.services import audit
from matchmaker.services.events.organising import local_now, require_staff

MIN_TEXT_CHARS = 10
MAX_TEXT_CHARS = 1500
REGISTERABLE_NEED_STATUSES = (NeedStatus.SUBMITTED.value, NeedStatus.VALIDATED.value)


@dataclass(frozen=True)
class RegistrationInput:
    """What a participant writes when registering: what they offer and seek here, and when they are away."""

    offer_text: str
    seek_text: str
    need_public_id: str | None = None
    unavailable_slot_ids: Sequence[int] = ()


def is_member(user: User, registration: EventRegistration) -> bool:
    """Return True when the user speaks for this registration (its author or a colleague of its organisation)."""
    if registration.user_id == user.id:
        return True
    return registration.organisation_id is not None and registration.organisation_id == user.organisation_id


def registration_of(session: Session, event: Event, user: User) -> EventRegistration | None:
    """Return the registration the user speaks for in this event, if any."""
    own = session.scalar(
        select(EventRegistration).where(EventRegistration.event_id == event.id, EventRegistration.user_id == user.id)
    )
    if own is not None or user.organisation_id is None:
        return own
    return session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.organisation_id == user.organisation_id
        )
    )


def registrable_needs(session: Session, user: User) -> list[Need]:
    """Return the user's needs that may represent them at an event (submitted or validated)."""
    return list(
        session.scalars(
            select(Need)
            .where(Need.owner_id == user.id, Need.status.in_(REGISTERABLE_NEED_STATUSES))
            .order_by(Need.created_at.desc())
        )
    )


def registration_open(event: Event, now: datetime | None = None) -> bool:
    """Return True while participants may still register or change their registration."""
    return event.published and (now or local_now()) <= event.registration_deadline


def _clean_text(text: str, field: str, label: str | LazyString) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) < MIN_TEXT_CHARS:
        raise InvalidQuery(
            _l("%(label)s : quelques mots de plus (%(n)d caractères au moins).", label=label, n=MIN_TEXT_CHARS),
            field=field,
        )
    if len(cleaned) > MAX_TEXT_CHARS:
        raise InvalidQuery(_l("%(label)s : %(n)d caractères au plus.", label=label, n=MAX_TEXT_CHARS), field=field)
    return cleaned


def require_participant(user: User) -> None:
    """Raise Forbidden for staff accounts: they organise events, they do not attend them."""
    if user.is_staff:
        raise Forbidden(_l("L'équipe organise l'événement : elle ne s'y inscrit pas comme participant."))


def register(
    session: Session, user: User, event: Event, data: RegistrationInput, now: datetime | None = None
) -> EventRegistration:
    """Register the user's organisation (or one of their needs) for an event, or update their registration."""
    require_participant(user)
    if not registration_open(event, now):
        raise Conflict(_l("Les inscriptions à cet événement sont closes."))
    offer = _clean_text(data.offer_text, "offer_text", _l("Ce que vous proposez"))
    seek = _clean_text(data.seek_text, "seek_text", _l("Ce que vous cherchez"))
    slot_ids = {slot.id for slot in event.slots}
    unavailable = sorted({int(s) for s in data.unavailable_slot_ids})
    if any(s not in slot_ids for s in unavailable):
        raise InvalidQuery(_l("Créneau inconnu."), field="unavailable_slot_ids")
    if len(unavailable) == len(slot_ids):
        raise InvalidQuery(_l("Vous ne pouvez pas être absent de tous les créneaux."), field="unavailable_slot_ids")

    registration = registration_of(session, event, user)
    need = None
    if data.need_public_id:
        need = session.scalar(select(Need).where(Need.public_id == data.need_public_id, Need.owner_id == user.id))
        if need is None or need.status not in REGISTERABLE_NEED_STATUSES:
            raise InvalidQuery(_l("Choisissez un de vos besoins soumis ou validés."), field="need")
    created = registration is None
    if registration is None:
        # A buyer may come without a need or an organisation on their account: they register as themselves.
        if need is None and user.organisation is None and user.role != Role.BUYER:
            raise InvalidQuery(
                _l("Inscrivez votre organisation (rattachez-la à votre compte) ou l'un de vos besoins."), field="need"
            )
        kind = "buyer" if need is not None or user.organisation is None else user.organisation.kind
        if kind not in event.allowed_kinds:
            raise Forbidden(_l("Ce type d'organisation n'est pas admis à cet événement."))
        registration = EventRegistration(
            event_id=event.id,
            user_id=user.id,
            organisation_id=None if need is not None else user.organisation_id,
            need_id=need.id if need is not None else None,
        )
        session.add(registration)
    elif need is not None and registration.organisation_id is None:
        registration.need_id = need.id
    registration.offer_text = offer
    registration.seek_text = seek
    registration.unavailable_slot_ids = unavailable
    if created:
        registration.status = (
            RegistrationStatus.PENDING.value if event.requires_validation else RegistrationStatus.VALIDATED.value
        )
    elif registration.status == RegistrationStatus.REJECTED.value:
        registration.status = RegistrationStatus.PENDING.value  # corrected, back to review
    session.flush()
    audit.record(
        session,
        user,
        "event.registered" if created else "event.registration_updated",
        "event_registration",
        registration.public_id,
        event=event.public_id,
    )
    session.commit()
    return registration


def list_registrations(session: Session, event: Event, status: str | None = None) -> list[EventRegistration]:
    """Return the registrations of an event, pending first."""
    query = select(EventRegistration).where(EventRegistration.event_id == event.id)
    if status:
        query = query.where(EventRegistration.status == status)
    rows = list(session.scalars(query.order_by(EventRegistration.created_at, EventRegistration.id)))
    order = {RegistrationStatus.PENDING.value: 0, RegistrationStatus.VALIDATED.value: 1}
    return sorted(rows, key=lambda r: order.get(r.status, 2))


def get_registration(session: Session, event: Event, public_id: str) -> EventRegistration:
    """Return one registration of the event, or raise NotFound."""
    registration = session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.public_id == public_id
        )
    )
    if registration is None:
        raise NotFound(_l("Cette inscription n'existe pas."))
    return registration


def review_registration(
    session: Session, staff: User, registration: EventRegistration, approve: bool, note: str = ""
) -> EventRegistration:
    """Validate or reject a registration (staff)."""
    require_staff(staff)
    registration.status = RegistrationStatus.VALIDATED.value if approve else RegistrationStatus.REJECTED.value
    registration.review_note = note.strip()[:2000]
    registration.reviewed_by_id = staff.id
    registration.reviewed_at = utcnow()
    audit.record(
        session,
        staff,
        "event.registration_validated" if approve else "event.registration_rejected",
        "event_registration",
        registration.public_id,
        note=registration.review_note or None,
    )
    session.commit()
    return registration
