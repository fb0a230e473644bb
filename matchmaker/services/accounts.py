"""Account use cases: create users and check credentials."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.errors import InvalidQuery
from matchmaker.models import Role, User

MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    """Return the canonical (trimmed, lower-case) form of an e-mail address."""
    return email.strip().lower()


def create_user(session: Session, *, email: str, password: str, role: str = "buyer", name: str = "") -> User:
    """Create and store a user, or raise InvalidQuery with the reason."""
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidQuery("Adresse e-mail invalide.", field="email")
    if role not in {r.value for r in Role}:
        raise InvalidQuery(f"Rôle inconnu : {role}.", field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidQuery(f"Le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères.", field="password")
    if find_user(session, email) is not None:
        raise InvalidQuery("Un compte existe déjà avec cette adresse.", field="email")
    user = User(email=email, role=role, name=name.strip()[:200])
    user.set_password(password)
    session.add(user)
    session.commit()
    return user


def find_user(session: Session, email: str) -> User | None:
    """Return the user with this e-mail address, if any."""
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user matching these credentials, or None."""
    user = find_user(session, email)
    if user is None or not user.is_active_account or not user.check_password(password):
        return None
    return user
