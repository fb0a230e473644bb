"""Account use cases: create users and check credentials."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.errors import InvalidQuery
from matchmaker.models import Role, User

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # the login form accepts no more: a longer password could never be typed in
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    """Return the canonical (trimmed, lower-case) form of an e-mail address."""
    return email.strip().lower()


def create_user(session: Session, *, email: str, password: str, role: str = "buyer", name: str = "") -> User:
    """Create and store a user, or raise InvalidQuery with the reason."""
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidQuery(_l("Adresse e-mail invalide."), field="email")
    if role not in {r.value for r in Role}:
        raise InvalidQuery(_l("Rôle inconnu : %(role)s.", role=role), field="role")
    check_password_policy(password, email)
    if find_user(session, email) is not None:
        raise InvalidQuery(_l("Un compte existe déjà avec cette adresse."), field="email")
    user = User(email=email, role=role, name=name.strip()[:200])
    user.set_password(password)
    session.add(user)
    session.commit()
    return user


def check_password_policy(password: str, email: str = "") -> None:
    """Raise InvalidQuery unless the password is 10 to 200 characters, not blank and not the e-mail address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidQuery(
            _l("Le mot de passe doit faire au moins %(n)d caractères.", n=MIN_PASSWORD_LENGTH), field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidQuery(
            _l("Le mot de passe doit faire au plus %(n)d caractères.", n=MAX_PASSWORD_LENGTH), field="password"
        )
    if not password.strip() or len(set(password)) < 4:
        raise InvalidQuery(_l("Ce mot de passe est trop simple : variez les caractères."), field="password")
    local_part = normalise_email(email).partition("@")[0]
    if normalise_email(password) in {normalise_email(email), local_part}:
        raise InvalidQuery(_l("Le mot de passe ne doit pas reprendre l'adresse e-mail."), field="password")


def find_user(session: Session, email: str) -> User | None:
    """Return the user with this e-mail address, if any."""
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


@cache
def _dummy_hash() -> str:
    """Return a hash to verify when the address is unknown, so that it costs the same argon2 time."""
    return PasswordHasher().hash("matchmaker-timing-equaliser")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user matching these credentials, or None."""
    user = find_user(session, email)
    if user is None:
        try:  # spend the same time as for a known address: response times must not reveal accounts
            PasswordHasher().verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return None
    if not user.check_password(password) or not user.is_active_account:
        return None
    return user
