"""Messages and alerts: the outbox, saved searches and the check that finds new matches for them."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.errors import NotFound
from matchmaker.models import (
    Confidentiality,
    Need,
    NeedStatus,
    OutboxMessage,
    Role,
    SavedSearch,
    User,
    utcnow,
)
from matchmaker.ranking.text import analyse
from matchmaker.services import audit
from matchmaker.services.search import SearchRequest, parse_search_request, search_organisations
from matchmaker.services.search.engine import SearchEngine

logger = logging.getLogger("matchmaker.outbox")

ALERT_DEPTH = 10
"""A saved search alerts on organisations entering its first ALERT_DEPTH results."""


def queue_message(
    session: Session, *, recipient: str, subject: str, body: str, kind: str, user: User | None = None
) -> OutboxMessage:
    """Add a message to the outbox (in the caller's transaction) and write it to the log."""
    message = OutboxMessage(
        recipient=recipient, subject=subject[:300], body=body, kind=kind, user_id=user.id if user else None
    )
    session.add(message)
    logger.info("outbox %s to %s: %s", kind, recipient, subject[:300])
    return message


def notify_user(session: Session, user: User, kind: str, subject: str, body: str) -> OutboxMessage:
    """Queue a message for one user."""
    return queue_message(session, recipient=user.email, subject=subject, body=body, kind=kind, user=user)


def staff_members(session: Session) -> list[User]:
    """Return the active staff and administrators."""
    return list(
        session.scalars(
            select(User).where(User.role.in_([Role.STAFF.value, Role.ADMIN.value]), User.is_active_account)
        )
    )


def notify_staff(session: Session, kind: str, subject: str, body: str) -> list[OutboxMessage]:
    """Queue a copy of a message for every staff member."""
    return [notify_user(session, member, kind, subject, body) for member in staff_members(session)]


def deliver_outbox(session: Session, config: Mapping[str, object], *, limit: int = 500) -> tuple[int, int]:
    """Send pending messages by SMTP when MAIL_SERVER is set, else mark them logged; return (done, failed)."""
    pending = list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)
                        .limit(limit))
    )
    server = str(config.get("MAIL_SERVER") or "")
    done = failed = 0
    smtp: smtplib.SMTP | None = None
    try:
        for message in pending:
            if not server:
                message.status = "logged"
                message.sent_at = utcnow()
                done += 1
                continue
            try:
                if smtp is None:
                    smtp = _connect(config)
                smtp.send_message(_email(message, str(config.get("MAIL_DEFAULT_SENDER") or "")))
            except (OSError, smtplib.SMTPException) as exc:
                message.status = "failed"
                message.error = str(exc)[:1000]
                failed += 1
                logger.warning("outbox: could not send message %s: %s", message.id, exc)
            else:
                message.status = "sent"
                message.sent_at = utcnow()
                done += 1
    finally:
        if smtp is not None:
            smtp.quit()
        session.commit()
    return done, failed


def _connect(config: Mapping[str, object]) -> smtplib.SMTP:
    smtp = smtplib.SMTP(str(config["MAIL_SERVER"]), int(str(config.get("MAIL_PORT") or 25)), timeout=30)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
    return smtp


def _email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender or "matchmaker@localhost"
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def user_messages(session: Session, user: User, *, kind: str | None = None, limit: int = 50) -> list[OutboxMessage]:
    """Return the latest messages addressed to a user (their alerts and notifications)."""
    query = select(OutboxMessage).where(OutboxMessage.user_id == user.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def _request(saved: SavedSearch, *, max_chars: int, max_results: int) -> SearchRequest:
    return parse_search_request(
        saved.query, kinds=saved.kinds, regions=saved.regions, certifications=saved.certifications,
        limit=ALERT_DEPTH, max_chars=max_chars, max_results=max_results,
    )


def _top_organisations(engine: SearchEngine, session: Session, request: SearchRequest) -> list[tuple[str, str]]:
    results = search_organisations(engine, session, request)
    return [(hit.organisation.key, hit.organisation.name) for hit in results.items]


def matching_needs(session: Session, query: str) -> list[Need]:
    """Return validated public needs sharing at least half of the query's content words."""
    wanted = set(analyse(query))
    if not wanted:
        return []
    needed = max(1, (len(wanted) + 1) // 2)
    needs = session.scalars(
        select(Need).where(
            Need.status == NeedStatus.VALIDATED.value, Need.confidentiality == Confidentiality.PUBLIC.value
        )
    )
    return [need for need in needs if len(wanted & set(analyse(need.query_text))) >= needed]


def create_saved_search(
    engine: SearchEngine,
    session: Session,
    owner: User,
    *,
    name: str,
    query: str,
    kinds: Sequence[str] = (),
    regions: Sequence[str] = (),
    certifications: Sequence[str] = (),
    alerts_enabled: bool = True,
    max_chars: int,
    max_results: int,
) -> SavedSearch:
    """Validate and keep a search; what matches today is remembered so alerts only report what is new."""
    request = parse_search_request(
        query, kinds=kinds, regions=regions, certifications=certifications, limit=ALERT_DEPTH,
        max_chars=max_chars, max_results=max_results,
    )
    saved = SavedSearch(
        owner_id=owner.id, name=(" ".join(name.split()) or request.query)[:120], query=request.query,
        kinds=[k for k in kinds if k], regions=list(request.regions), certifications=list(request.certifications),
        alerts_enabled=alerts_enabled,
    )
    saved.known_organisations = [key for key, _ in _top_organisations(engine, session, request)]
    saved.known_needs = [need.public_id for need in matching_needs(session, request.query)]
    saved.last_checked_at = utcnow()
    session.add(saved)
    session.flush()
    audit.record(session, owner, "saved_search.create", "saved_search", saved.public_id)
    session.commit()
    return saved


def list_saved_searches(session: Session, owner: User) -> list[SavedSearch]:
    """Return a user's saved searches, newest first."""
    return list(
        session.scalars(select(SavedSearch).where(SavedSearch.owner_id == owner.id).order_by(SavedSearch.id.desc()))
    )


def get_saved_search(session: Session, owner: User, public_id: str) -> SavedSearch:
    """Return one of the user's saved searches, or NotFound."""
    saved = session.scalar(select(SavedSearch).where(SavedSearch.public_id == public_id))
    if saved is None or saved.owner_id != owner.id:
        raise NotFound(_l("Cette recherche enregistrée n'existe pas."))
    return saved


def delete_saved_search(session: Session, owner: User, saved: SavedSearch) -> None:
    """Forget a saved search."""
    audit.record(session, owner, "saved_search.delete", "saved_search", saved.public_id)
    session.delete(saved)
    session.commit()


def check_saved_searches(engine: SearchEngine, session: Session, *, max_chars: int, max_results: int) -> int:
    """Queue an alert for every saved search with new matching organisations or needs; return how many."""
    sent = 0
    for saved in session.scalars(select(SavedSearch).where(SavedSearch.alerts_enabled)):
        request = _request(saved, max_chars=max_chars, max_results=max_results)
        known_orgs = set(saved.known_organisations or ())
        known_needs = set(saved.known_needs or ())
        new_orgs = [(key, name) for key, name in _top_organisations(engine, session, request) if key not in known_orgs]
        new_needs = [need for need in matching_needs(session, saved.query) if need.public_id not in known_needs]
        saved.last_checked_at = utcnow()
        if not new_orgs and not new_needs:
            continue
        lines = [f"- {name}" for _, name in new_orgs] + [f"- Besoin : {need.title}" for need in new_needs]
        notify_user(session, saved.owner, "alert", f"Nouveaux résultats pour « {saved.name} »",
                    "De nouveaux profils ou besoins correspondent à votre recherche :\n" + "\n".join(lines))
        saved.known_organisations = sorted(known_orgs | {key for key, _ in new_orgs})
        saved.known_needs = sorted(known_needs | {need.public_id for need in new_needs})
        sent += 1
    session.commit()
    return sent
