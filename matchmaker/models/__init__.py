"""Database models, one module per concern; import them from here."""

from matchmaker.models.accounts import Role, User, load_user
from matchmaker.models.base import utcnow
from matchmaker.models.catalogue import (
    ORGANISATION_KINDS,
    Evidence,
    ImportRun,
    Organisation,
    OrganisationLink,
)

__all__ = [
    "ORGANISATION_KINDS",
    "Evidence",
    "ImportRun",
    "Organisation",
    "OrganisationLink",
    "Role",
    "User",
    "load_user",
    "utcnow",
]
