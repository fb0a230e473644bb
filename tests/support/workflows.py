"""Constants and helpers shared by the workflow tests."""

from __future__ import annotations

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Need

PASSWORD = "correct horse battery"  # the same password as the root conftest's accounts
NEED_TEXT = (
    "Nous cherchons un laboratoire ou une plateforme capable de caractériser des biomatériaux et des "
    "dispositifs médicaux implantables, pour valider un nouveau procédé de fabrication de prothèses avant "
    "le marquage CE. Essais mécaniques et biocompatibilité, délai de six mois, budget de 50 k€."
)


def need_row(public_id: str) -> Need:
    """Return a need by public id (inside an app context)."""
    return db.session.scalar(select(Need).where(Need.public_id == public_id))
