"""Profile freshness: organisations whose profile is old or was never claimed, and reminders to them.

A profile is *stale* when it was not updated for ``STALE_DAYS`` days and *unclaimed* when nobody speaks
for the organisation yet. Buyers are left out: their profile is not what the matching searches. A
reminder goes to the organisation's contact address and to its members' accounts, through the outbox,
at most once per ``REMINDER_COOLDOWN_DAYS`` days, and is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, InvalidQuery
from matchmaker.models import AuditEvent, Organisation, OutboxMessage, User
from matchmaker.services import audit
from matchmaker.services.alerts import notify_user, queue_message
from matchmaker.services.pages import Page

STALE_DAYS = 365
REMINDER_COOLDOWN_DAYS = 30
REMINDER_ACTION = "organisation.reminder"
STALE, UNCLAIMED = "stale", "unclaimed"
REASONS = (STALE, UNCLAIMED)


@dataclass(frozen=True)
class StaleProfile:
    """An organisation whose profile needs attention, and whether it can be reminded."""

    key: str
    name: str
    kind: str
    region: str | None
    updated_at: datetime
    claimed: bool
    reasons: tuple[str, ...]
    contactable: bool
    reminded_at: datetime | None


@dataclass(kw_only=True)
class FreshnessReport(Page[StaleProfile]):
    """How many profiles are stale or unclaimed, and one page of the flagged ones, least recently updated first."""

    stale: int
    unclaimed: int
    cutoff: datetime

    @property
    def flagged(self) -> int:
        """Return how many profiles are stale or unclaimed (under the chosen filters)."""
        return self.total

    @property
    def profiles(self) -> Sequence[StaleProfile]:
        """Return the flagged profiles of this page."""
        return self.items


def _flag_condition(cutoff: datetime, reason: str | None) -> ColumnElement[bool]:
    stale = Organisation.updated_at < cutoff
    unclaimed = Organisation.claimed.is_(False)
    wanted = {STALE: stale, UNCLAIMED: unclaimed}.get(reason or "", or_(stale, unclaimed))
    return and_(Organisation.kind != "buyer", wanted)


def _members(session: Session, org: Organisation) -> list[User]:
    return list(session.scalars(
        select(User).where(User.organisation_id == org.id, User.is_active_account).order_by(User.id)
    ))


def last_reminders(session: Session, keys: list[str]) -> dict[str, datetime]:
    """Return when each of these organisations was last reminded."""
    if not keys:
        return {}
    rows = session.execute(
        select(AuditEvent.object_id, func.max(AuditEvent.created_at))
        .where(AuditEvent.action == REMINDER_ACTION, AuditEvent.object_type == "organisation",
               AuditEvent.object_id.in_(keys))
        .group_by(AuditEvent.object_id)
    )
    return {key: moment for key, moment in rows}


def freshness_report(
    session: Session,
    *,
    now: datetime,
    reason: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> FreshnessReport:
    """Count stale and unclaimed profiles and return one page of the flagged ones (optionally filtered)."""
    if reason and reason not in REASONS:
        raise InvalidQuery(_l("Motif inconnu."), field="reason")
    cutoff = now - timedelta(days=STALE_DAYS)
    scope = [Organisation.kind != "buyer"]
    if kind:
        scope.append(Organisation.kind == kind)
    if region:
        scope.append(Organisation.region == region)

    def count(condition: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count(Organisation.id)).where(*scope, condition)) or 0

    flagged_condition = _flag_condition(cutoff, reason)
    orgs = list(session.scalars(
        select(Organisation).where(*scope, flagged_condition)
        .order_by(Organisation.updated_at, Organisation.id).offset(max(offset, 0)).limit(max(limit, 0))
    ))
    member_orgs = set(session.scalars(
        select(User.organisation_id).where(User.organisation_id.in_([o.id for o in orgs]), User.is_active_account)
    ))
    reminded = last_reminders(session, [o.key for o in orgs])
    profiles = tuple(
        StaleProfile(
            key=org.key, name=org.name, kind=org.kind, region=org.region, updated_at=org.updated_at,
            claimed=org.claimed,
            reasons=tuple(r for r, hit in ((STALE, org.updated_at < cutoff), (UNCLAIMED, not org.claimed)) if hit),
            contactable=bool(org.contact_email) or org.id in member_orgs, reminded_at=reminded.get(org.key),
        )
        for org in orgs
    )
    return FreshnessReport(
        stale=count(Organisation.updated_at < cutoff), unclaimed=count(Organisation.claimed.is_(False)),
        total=count(flagged_condition), cutoff=cutoff, items=profiles, offset=offset, limit=limit,
    )


def send_reminder(
    session: Session, staff: User, org: Organisation, *, profile_url: str, now: datetime
) -> list[OutboxMessage]:
    """Queue a message asking the organisation to review (or claim) its profile; audited, rate-limited."""
    last = last_reminders(session, [org.key]).get(org.key)
    if last is not None and now - last < timedelta(days=REMINDER_COOLDOWN_DAYS):
        raise Conflict(_l("Une relance a déjà été envoyée le %(date)s : attendez %(days)d jours entre deux relances.",
                          date=f"{last:%d/%m/%Y}", days=REMINDER_COOLDOWN_DAYS))
    subject = f"Votre fiche « {org.name} » est-elle à jour ?"
    action = ("mettre à jour" if org.claimed else "revendiquer puis mettre à jour")
    body = (
        f"Bonjour,\n\nLa fiche de {org.name} sur matchmaker (réseau santé) aide acheteurs et start-up à "
        f"trouver les bonnes compétences. Elle a été mise à jour pour la dernière fois le "
        f"{org.updated_at:%d/%m/%Y}.\nPensez à la {action} : {profile_url}\n\nL'équipe du pôle"
    )
    members = _members(session, org)
    messages = [notify_user(session, member, "reminder", subject, body) for member in members]
    member_emails = {member.email.lower() for member in members}
    if org.contact_email and org.contact_email.lower() not in member_emails:
        messages.append(queue_message(session, recipient=org.contact_email, subject=subject, body=body,
                                      kind="reminder"))
    if not messages:
        raise Conflict(_l("Cette organisation n'a ni adresse de contact ni compte membre : relance impossible."))
    audit.record(session, staff, REMINDER_ACTION, "organisation", org.key, recipients=len(messages),
                 claimed=org.claimed)
    session.commit()
    return messages
