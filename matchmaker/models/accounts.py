"""Accounts: users, roles and password hashing."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db, login_manager
from matchmaker.models.base import utcnow
from matchmaker.models.workflow import new_public_id

if TYPE_CHECKING:
    from matchmaker.models.catalogue import Organisation

_hasher = PasswordHasher()


class Role(enum.StrEnum):
    """What a user may do on the platform.

    A member speaks for an organisation of any kind that answers needs (start-up, subcontractor,
    manufacturer, service provider, lab, platform): it claims and completes that organisation's profile and
    livret. Accounts made before the member role existed had the role "startup" (migration 0006).
    """

    BUYER = "buyer"
    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


class OrganisationRole(enum.StrEnum):
    """What a member is to its organisation: one owner, any number of colleagues."""

    OWNER = "owner"
    COLLEAGUE = "colleague"


class User(UserMixin, db.Model):
    """A person with an account; passwords are stored as argon2id hashes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.BUYER.value)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    organisation_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
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

    def clear_password(self) -> None:
        """Make the password unusable (an invitation or a forced reset): only a password link sets a new one."""
        self.password_hash = "!unset:" + new_public_id()

    @property
    def has_password(self) -> bool:
        """Return False while the account waits for its owner to choose a password."""
        return not self.password_hash.startswith("!")

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
