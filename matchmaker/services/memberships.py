"""Who speaks for an organisation: one owner and any number of colleagues, all with the member role.

A person becomes a member through a claim staff validate (``services.profiles``: the first claimant of a
profile becomes its owner, a later one joins as a colleague), through an invitation from the owner, or
through a cluster's bulk import (staff vouch for the list). The owner invites and removes colleagues and
can hand the ownership over. Every step goes to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.models import Organisation, OrganisationRole, Role, User
from matchmaker.services import audit
from matchmaker.services.accounts import find_user, normalise_email
from matchmaker.services.alerts import notify_staff, notify_user
from matchmaker.services.users import INVITATION_DAYS, password_token

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PasswordLink = Callable[[str], str]
"""Turn a password token into the absolute link mailed to the invited person."""


def team(session: Session, org: Organisation) -> list[User]:
    """Return the organisation's members, owner first, then by arrival."""
    owner_first = case((User.organisation_role == OrganisationRole.OWNER.value, 0), else_=1)
    return list(session.scalars(select(User).where(User.organisation_id == org.id, User.role == Role.MEMBER.value)
                                .order_by(owner_first, User.id)))


def owner_of(session: Session, org: Organisation) -> User | None:
    """Return the organisation's owner, if it has one."""
    return session.scalar(select(User).where(User.organisation_id == org.id,
                                             User.organisation_role == OrganisationRole.OWNER.value))


def is_owner(user: User, org: Organisation) -> bool:
    """Return True when the user owns the organisation's account."""
    return user.organisation_id == org.id and user.organisation_role == OrganisationRole.OWNER


def join(session: Session, user: User, org: Organisation) -> OrganisationRole:
    """Link a member to an organisation: owner when it has none yet, else colleague (the caller commits)."""
    role = OrganisationRole.COLLEAGUE if owner_of(session, org) is not None else OrganisationRole.OWNER
    user.organisation_id, user.organisation_role = org.id, role.value
    org.claimed = True
    return role


def _check_owner(owner: User, org: Organisation) -> None:
    if not is_owner(owner, org):
        raise Forbidden(_l("Seul le responsable du compte de l'organisation peut gérer son équipe."))


@dataclass(frozen=True)
class Invitation:
    """What an invitation did: the account it opened, or why it opened none."""

    email: str
    user: User | None = None
    skipped: str = ""


def _open_account(session: Session, org: Organisation, email: str, name: str, link: PasswordLink, secret: str,
                  inviter: str) -> User:
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidQuery(_l("Adresse e-mail invalide."), field="email")
    user = User(email=email, role=Role.MEMBER.value, name=name)
    user.clear_password()  # no password until its owner chooses one (and no argon2 hash to spend per invitation)
    session.add(user)
    join(session, user, org)
    session.flush()
    url = link(password_token(user, secret, "invite"))
    notify_user(session, user, "account", f"Votre accès à matchmaker pour {org.name}",
                f"{inviter} vous invite à compléter le livret de compétences de {org.name} sur matchmaker.\n\n"
                f"Choisissez votre mot de passe (lien valable {INVITATION_DAYS} jours) : {url}\n")
    return user


def invite_colleague(session: Session, owner: User, org: Organisation, *, email: str, name: str,
                     link: PasswordLink, secret: str) -> User:
    """Open a member account for a colleague of the owner's organisation and mail them a password link."""
    _check_owner(owner, org)
    if find_user(session, email) is not None:
        raise InvalidQuery(_l("Un compte existe déjà avec cette adresse : cette personne peut demander à rejoindre "
                              "votre organisation depuis son espace."), field="email")
    user = _open_account(session, org, email.strip().lower(), name.strip()[:200], link, secret,
                         owner.name or owner.email)
    audit.record(session, owner, "member.invite", "organisation", org.key, user=user.public_id)
    notify_staff(session, "profile", f"Nouveau membre : {org.name}",
                 f"{owner.email} a invité {user.email} à rejoindre {org.name}.")
    session.commit()
    return user


def invite_from_import(session: Session, staff: User, org: Organisation, *, email: str, name: str,
                       link: PasswordLink, secret: str) -> Invitation:
    """Invite the person a cluster's file names for an organisation (staff vouch for the list; caller commits)."""
    existing = find_user(session, email)
    if existing is not None:
        reason = ("déjà membre de cette organisation" if existing.organisation_id == org.id
                  else "un compte existe déjà avec cette adresse")
        return Invitation(email=email, skipped=reason)
    user = _open_account(session, org, email, name, link, secret, staff.name or "L'équipe du réseau")
    audit.record(session, staff, "member.invite_import", "organisation", org.key, user=user.public_id)
    return Invitation(email=email, user=user)


def _colleague(session: Session, org: Organisation, public_id: str) -> User:
    user = session.scalar(select(User).where(User.public_id == public_id, User.organisation_id == org.id))
    if user is None:
        raise NotFound(_l("Cette personne ne fait pas partie de votre organisation."))
    return user


def remove_colleague(session: Session, owner: User, org: Organisation, public_id: str) -> None:
    """Take a colleague off the organisation (their account stays, without an organisation)."""
    _check_owner(owner, org)
    user = _colleague(session, org, public_id)
    if user.id == owner.id:
        raise Conflict(_l("Confiez d'abord la responsabilité du compte à un collègue."))
    user.organisation_id, user.organisation_role = None, None
    audit.record(session, owner, "member.remove", "organisation", org.key, user=user.public_id)
    notify_user(session, user, "account", f"Vous ne faites plus partie de {org.name}",
                f"{owner.email} vous a retiré de l'équipe de {org.name} sur matchmaker.")
    session.commit()


def transfer_ownership(session: Session, owner: User, org: Organisation, public_id: str) -> None:
    """Hand the ownership of the organisation's account to a colleague."""
    _check_owner(owner, org)
    user = _colleague(session, org, public_id)
    if user.id == owner.id:
        raise Conflict(_l("Vous êtes déjà responsable du compte."))
    owner.organisation_role, user.organisation_role = OrganisationRole.COLLEAGUE.value, OrganisationRole.OWNER.value
    audit.record(session, owner, "member.transfer", "organisation", org.key, user=user.public_id)
    notify_user(session, user, "account", f"Vous êtes responsable du compte de {org.name}",
                f"{owner.email} vous a confié la responsabilité du compte de {org.name} sur matchmaker.")
    session.commit()
