"""Database models: accounts, organisations and the evidence their profiles are built from."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db, login_manager

_hasher = PasswordHasher()


def utcnow() -> datetime:
    """Return the current time in UTC (naive, as stored by SQLite)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    """What a user may do on the platform."""

    BUYER = "buyer"
    STARTUP = "startup"
    STAFF = "staff"
    ADMIN = "admin"


ORGANISATION_KINDS = (
    "startup",
    "subcontractor",
    "service_provider",
    "manufacturer",
    "lab",
    "platform",
    "buyer",
)


class User(UserMixin, db.Model):
    """A person with an account; passwords are stored as argon2id hashes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.BUYER.value)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])

    def set_password(self, password: str) -> None:
        """Hash and store a new password."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """Return True when the password matches the stored hash."""
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def get_id(self) -> str:
        """Return the session identifier; bumping session_version logs out every session."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_active_account

    @property
    def is_staff(self) -> bool:
        """Return True for pole staff and administrators."""
        return self.role in (Role.STAFF.value, Role.ADMIN.value)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the user of a session cookie, or None when the session was invalidated."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version:
        return None
    return user


class Organisation(db.Model):
    """A lab, platform, start-up or company, described by its evidence documents."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(60), nullable=True)
    description_fr: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    city: Mapped[str | None] = mapped_column(String(120), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    region: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    siren: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)
    rnsr_id: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    website: Mapped[str | None] = mapped_column(String(500), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    source: Mapped[str] = mapped_column(String(40), default="import")
    source_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Evidence.id"
    )
    links: Mapped[list[OrganisationLink]] = relationship(
        foreign_keys="OrganisationLink.from_id", cascade="all, delete-orphan"
    )


class Evidence(db.Model):
    """One text that documents what an organisation knows or does."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(5), nullable=True)
    source: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_ref: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="evidence")

    __table_args__ = (Index("ix_evidence_organisation", "organisation_id"),)


class OrganisationLink(db.Model):
    """A directed relation between two organisations (start-up → its lab, team → parent lab)."""

    __tablename__ = "organisation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    to_key: Mapped[str] = mapped_column(String(120), index=True)
    relation: Mapped[str] = mapped_column(String(30), default="related")

    __table_args__ = (UniqueConstraint("from_id", "to_key", "relation"),)


class ImportRun(db.Model):
    """A record of one import: which file, how many rows were stored or rejected."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
