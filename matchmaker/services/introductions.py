"""Introduction use cases: a double opt-in between a requester and an organisation, staff in copy."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.models import (
    Introduction,
    IntroductionEvent,
    IntroductionStatus,
    Need,
    NeedStatus,
    Organisation,
    User,
    utcnow,
)
from matchmaker.services import audit
from matchmaker.services.alerts import notify_staff, notify_user

OPEN_STATUSES = (IntroductionStatus.REQUESTED.value, IntroductionStatus.STAFF_APPROVED.value)


@dataclass(frozen=True)
class Contact:
    """How to reach the other side, revealed only once the organisation has accepted."""

    organisation_email: str | None
    website: str | None
    people: tuple[tuple[str, str], ...] = ()
    requester: tuple[str, str] = ("", "")


@dataclass
class IntroductionLists:
    """The introductions a user asked for and those addressed to their organisation."""

    outgoing: list[Introduction] = field(default_factory=list)
    incoming: list[Introduction] = field(default_factory=list)


def members(session: Session, org: Organisation) -> list[User]:
    """Return the active users who speak for an organisation."""
    return list(session.scalars(select(User).where(User.organisation_id == org.id, User.is_active_account)))


def _step(session: Session, intro: Introduction, actor: User, status: str, note: str = "", *,
          on_behalf: bool = False) -> None:
    intro.status = status
    intro.events.append(IntroductionEvent(actor_id=actor.id, status=status, note=note[:2000], on_behalf=on_behalf))
    audit.record(session, actor, f"introduction.{status}", "introduction", intro.public_id,
                 organisation=intro.organisation.key, note=note[:2000] or None, on_behalf=on_behalf or None)


def request_introduction(
    session: Session, requester: User, org: Organisation, message: str, need: Need | None = None
) -> Introduction:
    """Ask to be introduced to an organisation; staff are copied and review the request first."""
    text = message.strip()
    if not 10 <= len(text) <= 2000:
        raise InvalidQuery(_l("Présentez votre demande en 10 à 2000 caractères."), field="message")
    if requester.organisation_id == org.id:
        raise Conflict(_l("Vous ne pouvez pas demander une mise en relation avec votre propre organisation."))
    if need is not None and (need.owner_id != requester.id or need.status != NeedStatus.VALIDATED):
        raise NotFound(_l("Ce besoin n'existe pas."))
    duplicate = session.scalar(
        select(Introduction.id).where(
            Introduction.requester_id == requester.id, Introduction.organisation_id == org.id,
            Introduction.status.in_(OPEN_STATUSES),
        )
    )
    if duplicate is not None:
        raise Conflict(_l("Une demande de mise en relation avec cette organisation est déjà en cours."))
    intro = Introduction(requester_id=requester.id, organisation=org, need_id=need.id if need else None, message=text)
    session.add(intro)
    session.flush()
    _step(session, intro, requester, IntroductionStatus.REQUESTED.value)
    notify_staff(session, "introduction", f"Demande de mise en relation : {org.name}",
                 f"{requester.email} demande une mise en relation avec {org.name}.\n\n{text}")
    session.commit()
    return intro


def staff_review(session: Session, staff: User, intro: Introduction, *, approve: bool, note: str = "") -> None:
    """Forward a request to the organisation, or refuse it with a reason."""
    if intro.status != IntroductionStatus.REQUESTED:
        raise Conflict(_l("Cette demande a déjà été examinée."))
    org = intro.organisation
    if approve:
        _step(session, intro, staff, IntroductionStatus.STAFF_APPROVED.value, note)
        for member in members(session, org):
            notify_user(session, member, "introduction", "Une demande de mise en relation vous attend",
                        f"Une organisation souhaite entrer en contact avec {org.name}. Acceptez ou déclinez "
                        "depuis votre espace : vos coordonnées ne sont transmises qu'après votre accord.")
        notify_user(session, intro.requester, "introduction", f"Demande transmise à {org.name}",
                    "L'équipe a transmis votre demande ; les coordonnées seront visibles si l'organisation accepte.")
    else:
        if not note.strip():
            raise InvalidQuery(_l("Indiquez la raison du refus."), field="note")
        _step(session, intro, staff, IntroductionStatus.REJECTED.value, note)
        intro.staff_note = note.strip()[:2000]
        notify_user(session, intro.requester, "introduction", f"Demande non transmise : {org.name}",
                    f"Motif : {intro.staff_note}")
    session.commit()


def edit_message(session: Session, staff: User, intro: Introduction, message: str) -> None:
    """Let staff reword a request before forwarding it."""
    text = message.strip()
    if not 10 <= len(text) <= 2000:
        raise InvalidQuery(_l("Le message doit faire entre 10 et 2000 caractères."), field="message")
    if intro.status != IntroductionStatus.REQUESTED:
        raise Conflict(_l("Cette demande a déjà été examinée."))
    intro.message = text
    audit.record(session, staff, "introduction.edit", "introduction", intro.public_id)
    session.commit()


def can_respond(session: Session, user: User, intro: Introduction) -> bool:
    """Return True when the user may accept or decline for the organisation (members, or staff on its behalf)."""
    if intro.status != IntroductionStatus.STAFF_APPROVED:
        return False
    return user.organisation_id == intro.organisation_id or user.is_staff


def respond(session: Session, actor: User, intro: Introduction, *, accept: bool, note: str = "") -> None:
    """Record the organisation's answer; acceptance reveals both contacts to both sides."""
    if not can_respond(session, actor, intro):
        raise Forbidden(_l("Seule l'organisation sollicitée peut répondre, une fois la demande transmise."))
    on_behalf = actor.organisation_id != intro.organisation_id
    status = IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED
    _step(session, intro, actor, status.value, note, on_behalf=on_behalf)
    org = intro.organisation
    if accept:
        intro.accepted_at = utcnow()
        notify_user(session, intro.requester, "introduction", f"{org.name} accepte la mise en relation",
                    "Les coordonnées sont désormais visibles dans votre espace « Mises en relation ».")
    else:
        notify_user(session, intro.requester, "introduction", f"{org.name} décline la mise en relation",
                    note.strip()[:2000] or "L'organisation n'a pas donné de suite.")
    notify_staff(session, "introduction", f"Mise en relation {status.value} : {org.name}",
                 f"Demande de {intro.requester.email} : {status.value}.")
    session.commit()


def get_introduction(session: Session, user: User, public_id: str) -> Introduction:
    """Return an introduction the user takes part in (or any, for staff); NotFound otherwise."""
    intro = session.scalar(select(Introduction).where(Introduction.public_id == public_id))
    if intro is None:
        raise NotFound(_l("Cette mise en relation n'existe pas."))
    addressed = user.organisation_id == intro.organisation_id and intro.status not in (
        IntroductionStatus.REQUESTED, IntroductionStatus.REJECTED)
    if not (user.is_staff or intro.requester_id == user.id or addressed):
        raise NotFound(_l("Cette mise en relation n'existe pas."))
    return intro


def list_for_user(session: Session, user: User) -> IntroductionLists:
    """Return the user's requests and those their organisation received (once staff forwarded them)."""
    lists = IntroductionLists(
        outgoing=list(session.scalars(
            select(Introduction).where(Introduction.requester_id == user.id).order_by(Introduction.id.desc())
        ))
    )
    if user.organisation_id is not None:
        lists.incoming = list(session.scalars(
            select(Introduction)
            .where(Introduction.organisation_id == user.organisation_id,
                   Introduction.status.notin_([IntroductionStatus.REQUESTED.value, IntroductionStatus.REJECTED.value]))
            .order_by(Introduction.id.desc())
        ))
    return lists


def contact_for(session: Session, viewer: User, intro: Introduction) -> Contact | None:
    """Return the contacts once the organisation accepted, to the two sides and staff; None before."""
    if intro.status != IntroductionStatus.ACCEPTED:
        return None
    if not (viewer.is_staff or viewer.id == intro.requester_id or viewer.organisation_id == intro.organisation_id):
        return None
    org = intro.organisation
    return Contact(
        organisation_email=org.contact_email, website=org.website,
        people=tuple((m.name or m.email, m.email) for m in members(session, org)),
        requester=(intro.requester.name or intro.requester.email, intro.requester.email),
    )


def open_requests(session: Session, *, offset: int = 0, limit: int = 20) -> tuple[list[Introduction], int]:
    """Return one page of introductions still open (to review, or awaiting the organisation) and the total."""
    query = select(Introduction).where(Introduction.status.in_(OPEN_STATUSES))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(session.scalars(query.order_by(Introduction.id).offset(offset).limit(limit))), total
