"""User administration: list accounts, invite, deactivate, change a role, force a password reset, unlock.

Every action is recorded in the audit log (object type ``user``, the account's public id). An
administrator cannot deactivate or demote themselves, nor the last active administrator.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, InvalidQuery, NotFound
from matchmaker.models import Role, User
from matchmaker.services import audit
from matchmaker.services.accounts import check_password_policy, create_user, find_user, normalise_email
from matchmaker.services.alerts import notify_user
from matchmaker.services.pages import Page
from matchmaker.services.throttle import AccountState, LoginThrottle

INVITATION_DAYS = 7
RESET_DAYS = 2
STATUSES = ("active", "inactive", "invited")

PasswordLink = Callable[[str], str]
"""Turn a password token into the absolute link mailed to the user."""


def list_users(
    session: Session, throttle: LoginThrottle, *, query: str = "", role: str = "", status: str = "",
    offset: int = 0, limit: int = 50,
) -> Page[tuple[User, AccountState]]:
    """Return one page of accounts (newest first), filtered by text, role and status, with their login state."""
    statement = select(User)
    text = normalise_email(query)[:254]
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(func.lower(User.email).like(pattern), func.lower(User.name).like(pattern)))
    if role in {r.value for r in Role}:
        statement = statement.where(User.role == role)
    if status == "active":
        statement = statement.where(User.is_active_account.is_(True), ~User.password_hash.startswith("!"))
    elif status == "inactive":
        statement = statement.where(User.is_active_account.is_(False))
    elif status == "invited":
        statement = statement.where(User.password_hash.startswith("!"))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    users = session.scalars(statement.order_by(User.created_at.desc(), User.id.desc()).offset(offset).limit(limit))
    return Page(items=[(user, throttle.account_state(user.email)) for user in users], total=total, offset=offset,
                limit=limit)


def get_user(session: Session, public_id: str) -> User:
    """Return an account by public id, or NotFound."""
    user = session.scalar(select(User).where(User.public_id == public_id))
    if user is None:
        raise NotFound(_l("Ce compte n'existe pas."))
    return user


# -- password links ---------------------------------------------------------------------------------------------


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="password-link")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_token(user: User, secret: str, purpose: str) -> str:
    """Return a signed token that lets the user choose a password once (it dies when the password changes)."""
    return _serializer(secret).dumps({"u": user.public_id, "p": _fingerprint(user), "k": purpose})


def user_for_password_token(session: Session, token: str, secret: str) -> User:
    """Return the account a valid, unused, unexpired password token is for, or NotFound."""
    try:
        data, signed_at = _serializer(secret).loads(token, max_age=INVITATION_DAYS * 86400, return_timestamp=True)
    except BadSignature:
        data = signed_at = None
    if isinstance(data, dict) and signed_at is not None:
        user = session.scalar(select(User).where(User.public_id == str(data.get("u"))))
        days = INVITATION_DAYS if data.get("k") == "invite" else RESET_DAYS
        fresh = datetime.now(UTC) - signed_at <= timedelta(days=days)
        if user is not None and fresh and data.get("p") == _fingerprint(user) and user.is_active_account:
            return user
    raise NotFound(_l("Ce lien n'est plus valable : demandez-en un nouveau à l'équipe."))


def set_password_with_token(session: Session, token: str, secret: str, password: str) -> User:
    """Set the password of the account a token is for; the token and every session die with the old one."""
    user = user_for_password_token(session, token, secret)
    check_password_policy(password, user.email)
    user.set_password(password)
    user.session_version += 1
    audit.record(session, user, "account.set_password", "user", user.public_id)
    session.commit()
    return user


# -- administration ---------------------------------------------------------------------------------------------


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN.value,
                                                            User.is_active_account.is_(True))) or 0


def _check_not_last_admin(session: Session, admin: User, user: User) -> None:
    if user.id == admin.id:
        raise Conflict(_l("Vous ne pouvez pas retirer vos propres droits ni fermer votre propre compte."))
    if user.role == Role.ADMIN and user.is_active_account and _active_admins(session) <= 1:
        raise Conflict(_l("C'est le dernier administrateur actif : nommez-en un autre d'abord."))


def invite_user(session: Session, admin: User, *, email: str, name: str, role: str, link: PasswordLink,
                secret: str) -> User:
    """Create an account without a password and mail its owner a link to choose one."""
    if find_user(session, email) is not None:
        raise InvalidQuery(_l("Un compte existe déjà avec cette adresse."), field="email")
    placeholder = f"Invitation {hashlib.sha256(email.encode()).hexdigest()}"  # replaced at once: never usable
    user = create_user(session, email=email, password=placeholder, role=role, name=name)
    user.clear_password()
    url = link(password_token(user, secret, "invite"))
    notify_user(session, user, "account", "Votre accès à matchmaker",
                f"{admin.name or admin.email} vous a ouvert un compte sur matchmaker.\n\nChoisissez votre mot de passe "
                f"(lien valable {INVITATION_DAYS} jours) : {url}\n")
    audit.record(session, admin, "admin.invite", "user", user.public_id, email=user.email, role=user.role)
    session.commit()
    return user


def set_active(session: Session, admin: User, user: User, active: bool) -> None:
    """Close an account (its sessions end at once) or reopen it."""
    if not active:
        _check_not_last_admin(session, admin, user)
        user.session_version += 1
    user.is_active_account = active
    audit.record(session, admin, "admin.reactivate" if active else "admin.deactivate", "user", user.public_id,
                 email=user.email)
    session.commit()


def change_role(session: Session, admin: User, user: User, role: str) -> None:
    """Give an account another role; it applies on the user's next request."""
    if role not in {r.value for r in Role}:
        raise InvalidQuery(_l("Rôle inconnu : %(role)s.", role=role[:20]), field="role")
    if role == user.role:
        return
    if user.role == Role.ADMIN:
        _check_not_last_admin(session, admin, user)
    elif user.id == admin.id:
        raise Conflict(_l("Vous ne pouvez pas retirer vos propres droits ni fermer votre propre compte."))
    previous, user.role = user.role, role
    audit.record(session, admin, "admin.change_role", "user", user.public_id, email=user.email,
                 **{"from": previous, "to": role})
    session.commit()


def force_password_reset(session: Session, admin: User, user: User, *, link: PasswordLink, secret: str) -> None:
    """Make the password unusable, end every session and mail a link to choose a new one."""
    user.clear_password()
    user.session_version += 1
    url = link(password_token(user, secret, "reset"))
    notify_user(session, user, "account", "Choisissez un nouveau mot de passe",
                "Un administrateur a réinitialisé votre mot de passe matchmaker.\n\nChoisissez-en un nouveau "
                f"(lien valable {RESET_DAYS} jours) : {url}\n")
    audit.record(session, admin, "admin.reset_password", "user", user.public_id, email=user.email)
    session.commit()


def unlock(session: Session, admin: User, user: User, throttle: LoginThrottle) -> None:
    """Forget the login failures counted on an account."""
    state = throttle.account_state(user.email)
    throttle.unlock(user.email)
    audit.record(session, admin, "admin.unlock", "user", user.public_id, email=user.email, failures=state.failures)
    session.commit()
