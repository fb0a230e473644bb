"""Staff verification of a livret's certifications, and what happens when a certificate expires.

"Vérifiée" means staff saw the certificate and know its expiry date: verifying needs that date (read on
the document, or the one the livret declares) and it becomes the livret's. An expired certification stops
counting: ``expire_certifications`` (run daily by ``flask --app matchmaker livret-expiries``) takes it out
of the declared certifications, the filters and the evidence, tells the organisation's members once and
writes the audit log. Renewing it is a livret edit with the new date, reviewed like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.errors import InvalidQuery
from matchmaker.models import Livret, LivretCertification, Organisation, Role, User, utcnow
from matchmaker.services import audit, certifications
from matchmaker.services.alerts import notify_user
from matchmaker.services.livret.publication import (
    declared_certifications,
    evidence_texts,
    live_livret,
    write_evidence,
)
from matchmaker.services.profiles import refresh_index
from matchmaker.services.search.engine import SearchEngine


def _declared(org: Organisation, label: str) -> LivretCertification | None:
    return next((c for c in (org.livret.certifications if org.livret else ()) if c.label == label), None)


def verify_certification(engine: SearchEngine, session: Session, staff: User, org: Organisation, label: str, *,
                         note: str = "", expires_on: date | None = None, today: date | None = None) -> None:
    """Mark a declared certification verified: document seen, expiry date known (and kept in the livret)."""
    day = today or date.today()
    declared = _declared(org, label)
    expires_on = expires_on or (declared.expires_on if declared else None)
    if expires_on is None:
        raise InvalidQuery(_l("Indiquez la date d'expiration lue sur le certificat."), field="expires_on")
    if expires_on < day:
        raise InvalidQuery(_l("Ce certificat a expiré le %(date)s : il ne peut pas être vérifié.",
                              date=expires_on.isoformat()), field="expires_on")
    certifications.verify(session, staff, org, label, note=note, expires_on=expires_on)
    if declared is not None and declared.expires_on != expires_on:
        declared.expires_on, declared.expiry_notified_on = expires_on, None
        write_evidence(org, evidence_texts(live_livret(org), day))
        org.updated_at = utcnow()
        audit.record(session, staff, "livret.expiry_corrected", "organisation", org.key, label=label,
                     expires_on=expires_on.isoformat())
        session.commit()
        refresh_index(engine, session)


@dataclass
class ExpiryReport:
    """What a run of the expiry check did."""

    expired: list[tuple[str, str]] = field(default_factory=list)  # (organisation key, certification)
    notified: int = 0


def _members(session: Session, org: Organisation) -> list[User]:
    return list(session.scalars(select(User).where(User.organisation_id == org.id, User.role == Role.MEMBER.value,
                                                   User.is_active_account.is_(True))))


def expire_certifications(engine: SearchEngine, session: Session, *, today: date | None = None) -> ExpiryReport:
    """Take expired livret certifications out of what counts, tell the members once, log it; refresh the index."""
    day = today or date.today()
    due = session.scalars(
        select(LivretCertification)
        .where(LivretCertification.expires_on < day, LivretCertification.expiry_notified_on.is_(None))
        .options(selectinload(LivretCertification.livret).selectinload(Livret.organisation))
    ).all()
    report = ExpiryReport()
    for org in {c.livret.organisation.id: c.livret.organisation for c in due}.values():
        labels = [c.label for c in due if c.livret.organisation_id == org.id]
        data = live_livret(org)
        org.certifications = declared_certifications(data, day)
        certifications.forget_undeclared(org)
        write_evidence(org, evidence_texts(data, day))
        org.updated_at = utcnow()
        for certification in (c for c in due if c.livret.organisation_id == org.id):
            certification.expiry_notified_on = day
            audit.record(session, None, "certification.expired", "organisation", org.key,
                         label=certification.label, expired_on=certification.expires_on.isoformat())
            report.expired.append((org.key, certification.label))
        for member in _members(session, org):
            notify_user(session, member, "profile", f"Certification expirée : {', '.join(labels)}",
                        f"La date d'expiration déclarée dans le livret de {org.name} est passée pour "
                        f"{', '.join(labels)} : la certification ne compte plus dans les recherches ni dans les "
                        "filtres. Renouvelez-la en mettant à jour votre livret (nouvelle date et numéro) ; "
                        "l'équipe la vérifiera de nouveau.")
            report.notified += 1
    session.commit()
    if report.expired:
        refresh_index(engine, session)
    return report
