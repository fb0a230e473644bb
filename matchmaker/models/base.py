"""Helpers shared by every model module."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time in UTC (naive, as stored by SQLite)."""
    return datetime.now(UTC).replace(tzinfo=None)
