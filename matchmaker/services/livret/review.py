"""The member's side of the livret: a draft saved as often as needed, then submitted to staff review.

The draft and the submitted version are one ``ProfileRevision`` of scope ``livret`` per organisation,
the same queue, review page and approval as every profile edit (``services.revisions``): status ``draft``
while the member works on it, ``pending`` once submitted. Saving a submitted livret as a draft again takes
it back from the queue. The live livret and the index change only when staff approve it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.catalogue.livret import LivretInput, clean_livret, livret_from_json, livret_to_json
from matchmaker.errors import Forbidden, InvalidQuery
from matchmaker.models import Organisation, ProfileRevision, RevisionScope, RevisionStatus, User, utcnow
from matchmaker.services import audit
from matchmaker.services.alerts import notify_staff
from matchmaker.services.livret.publication import live_livret, starting_livret
from matchmaker.services.profiles import is_member

OPEN_STATUSES = (RevisionStatus.DRAFT.value, RevisionStatus.PENDING.value)


def working_revision(session: Session, org: Organisation) -> ProfileRevision | None:
    """Return the organisation's livret draft or submitted livret, if any."""
    return session.scalar(select(ProfileRevision).where(
        ProfileRevision.organisation_id == org.id, ProfileRevision.scope == RevisionScope.LIVRET.value,
        ProfileRevision.status.in_(OPEN_STATUSES)).order_by(ProfileRevision.id.desc()).limit(1))


def last_decision(session: Session, org: Organisation) -> ProfileRevision | None:
    """Return the organisation's latest livret revision staff decided on (to show a refusal's reason)."""
    return session.scalar(select(ProfileRevision).where(
        ProfileRevision.organisation_id == org.id, ProfileRevision.scope == RevisionScope.LIVRET.value,
        ProfileRevision.status.notin_(OPEN_STATUSES)).order_by(ProfileRevision.id.desc()).limit(1))


def editable_livret(session: Session, org: Organisation) -> LivretInput:
    """Return what the member's form shows: the working draft, else the live livret (or its starting point)."""
    revision = working_revision(session, org)
    return livret_from_json(revision.proposed) if revision is not None else starting_livret(org)


def save_livret(session: Session, member: User, org: Organisation, data: LivretInput, *, submit: bool,
                message: str = "") -> ProfileRevision:
    """Save the member's livret as a draft, or submit it to staff; the live livret does not change."""
    if not is_member(member, org):
        raise Forbidden(_l("Vous ne pouvez modifier que le livret de votre organisation."))
    clean = clean_livret(data)
    proposed, live = livret_to_json(clean), livret_to_json(live_livret(org))
    if submit and clean.empty:
        raise InvalidQuery(_l("Le livret est vide : remplissez au moins une rubrique avant de l'envoyer."))
    if submit and proposed == live:
        raise InvalidQuery(_l("Aucune modification par rapport au livret en ligne."))
    revision = working_revision(session, org)
    was_pending = revision is not None and revision.status == RevisionStatus.PENDING
    if revision is None:
        revision = ProfileRevision(organisation_id=org.id, scope=RevisionScope.LIVRET.value)
        session.add(revision)
    revision.author_id, revision.proposed, revision.previous = member.id, proposed, live
    revision.status = RevisionStatus.PENDING.value if submit else RevisionStatus.DRAFT.value
    revision.message, revision.updated_at = message.strip()[:2000], utcnow()
    session.flush()
    changed = sorted(name for name, value in proposed.items() if live.get(name) != value)
    action = "livret.submit" if submit else ("livret.withdraw" if was_pending else "livret.draft")
    audit.record(session, member, action, "organisation", org.key, revision=revision.public_id, fields=changed)
    if submit:
        notify_staff(session, "profile", f"Livret à valider : {org.name}",
                     f"{member.email} envoie le livret de compétences de {org.name} ({', '.join(changed)}).")
    session.commit()
    return revision
