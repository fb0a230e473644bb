"""Certification verification: staff mark a declared certification "vérifiée" (document seen) or take it back.

An organisation declares certifications on its profile (``Organisation.certifications``); each reads
*déclarée* until staff verify it here. The search filter can require verified ones
(``verified_organisation_keys``). Every decision goes to the audit log.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from matchmaker.errors import InvalidQuery
from matchmaker.models import CertificationVerification, Organisation, User, utcnow
from matchmaker.services import audit


def verify(session: Session, staff: User, org: Organisation, label: str, *, note: str = "",
           expires_on: date | None = None) -> CertificationVerification:
    """Record that staff saw the proof of a certification the organisation declares."""
    if label not in (org.certifications or ()):
        raise InvalidQuery(_l("Cette organisation ne déclare pas la certification %(label)s.", label=label[:60]),
                           field="label")
    check = next((v for v in org.verifications if v.label == label), None)
    if check is None:
        check = CertificationVerification(label=label)
        org.verifications.append(check)
    check.verified_by_id, check.verified_at = staff.id, utcnow()
    check.note, check.expires_on = note.strip()[:2000], expires_on
    audit.record(session, staff, "certification.verify", "organisation", org.key, label=label,
                 expires_on=expires_on.isoformat() if expires_on else None, note=check.note or None)
    session.commit()
    return check


def unverify(session: Session, staff: User, org: Organisation, label: str, *, note: str = "") -> None:
    """Take a verification back: the certification reads "déclarée" again."""
    for check in [v for v in org.verifications if v.label == label]:
        org.verifications.remove(check)
    audit.record(session, staff, "certification.unverify", "organisation", org.key, label=label,
                 note=note.strip()[:2000] or None)
    session.commit()


def forget_undeclared(org: Organisation) -> list[str]:
    """Drop the verifications of certifications the organisation no longer declares; return their labels."""
    declared = set(org.certifications or ())
    dropped = [v for v in org.verifications if v.label not in declared]
    for check in dropped:
        org.verifications.remove(check)
    return [check.label for check in dropped]


def verified_organisation_keys(session: Session, labels: Collection[str], today: date | None = None) -> set[str]:
    """Return the keys of the organisations whose every given certification is verified and unexpired."""
    wanted = set(labels)
    if not wanted:
        return set()
    day = today or date.today()
    rows = session.execute(
        select(Organisation.key, func.count(CertificationVerification.id))
        .join(CertificationVerification, CertificationVerification.organisation_id == Organisation.id)
        .where(CertificationVerification.label.in_(sorted(wanted)),
               or_(CertificationVerification.expires_on.is_(None), CertificationVerification.expires_on >= day))
        .group_by(Organisation.key)
    )
    return {key for key, count in rows if count == len(wanted)}
