"""Audit log use cases: record every workflow step and read the log back."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.models import AuditEvent, User
from matchmaker.services.pages import Page

logger = logging.getLogger("matchmaker.audit")


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: str | int,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the caller's transaction and mirror it in the application log."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details={k: v for k, v in details.items() if v is not None},
    )
    session.add(event)
    logger.info(
        "audit %s %s:%s by %s", action, object_type, object_id, actor.email if actor is not None else "system"
    )
    return event


def list_events(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[AuditEvent]:
    """Return one page of the log (newest first), optionally restricted to an object or an action prefix."""
    query = select(AuditEvent)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = list(
        session.scalars(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).offset(offset).limit(limit))
    )
    return Page(items=events, total=total, offset=offset, limit=limit)


def object_history(session: Session, object_type: str, object_id: str) -> list[AuditEvent]:
    """Return every event about one object, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id)
        )
    )
