"""Translated labels of workflow states and reasons, shared by templates and views."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

NEED_STATUS_LABELS = {
    "draft": _l("Brouillon"),
    "submitted": _l("En attente de validation"),
    "validated": _l("Validé"),
    "rejected": _l("À compléter"),
    "closed": _l("Clos"),
}
NEED_STATUS_VARIANTS = {
    "draft": "neutral", "submitted": "info", "validated": "success", "rejected": "warning", "closed": "neutral",
}
CONFIDENTIALITY_LABELS = {
    "public": _l("Public : visible par l'équipe et proposable aux organisations"),
    "staff_only": _l("Confidentiel : visible par l'équipe seulement"),
}
SOUGHT_KIND_LABELS = {
    "subcontractor": _l("Un sous-traitant"),
    "service_provider": _l("Un prestataire de services"),
    "lab": _l("L'expertise d'un laboratoire"),
    "platform": _l("Une plateforme technologique"),
}
QUALITY_MESSAGES = {
    "too_short": _l("Le texte est court ou vague : quelques phrases de plus aident à trouver les bons interlocuteurs."),
    "missing_what": _l("Précisez ce que vous cherchez (type d'organisation, compétence, équipement, prestation)."),
    "missing_purpose": _l("Précisez à quoi cela doit servir (produit, application, étape du projet)."),
    "missing_constraints": _l("Indiquez vos contraintes : certification, région, délai, volume ou budget."),
}
SUGGESTION_STATUS_LABELS = {
    "proposed": _l("À examiner"),
    "accepted": _l("Retenue"),
    "rejected": _l("Écartée"),
}
SUGGESTION_STATUS_VARIANTS = {"proposed": "info", "accepted": "success", "rejected": "error"}
REJECTION_REASON_LABELS = {
    "off_topic": _l("Hors sujet"),
    "no_capacity": _l("Pas de capacité"),
    "not_certified": _l("Non certifié"),
    "too_early": _l("Trop tôt"),
    "other": _l("Autre"),
}
INTRODUCTION_STATUS_LABELS = {
    "requested": _l("Demandée, en revue par l'équipe"),
    "staff_approved": _l("Transmise à l'organisation"),
    "accepted": _l("Acceptée"),
    "declined": _l("Déclinée"),
    "rejected": _l("Non transmise par l'équipe"),
}
INTRODUCTION_STATUS_VARIANTS = {
    "requested": "info", "staff_approved": "new", "accepted": "success", "declined": "warning", "rejected": "error",
}
CLAIM_STATUS_LABELS = {
    "pending": _l("En attente de validation"),
    "approved": _l("Validée"),
    "rejected": _l("Refusée"),
}
CLAIM_STATUS_VARIANTS = {"pending": "info", "approved": "success", "rejected": "error"}

TEMPLATE_LABELS = {
    "NEED_STATUS_LABELS": NEED_STATUS_LABELS,
    "NEED_STATUS_VARIANTS": NEED_STATUS_VARIANTS,
    "CONFIDENTIALITY_LABELS": CONFIDENTIALITY_LABELS,
    "SOUGHT_KIND_LABELS": SOUGHT_KIND_LABELS,
    "QUALITY_MESSAGES": QUALITY_MESSAGES,
    "SUGGESTION_STATUS_LABELS": SUGGESTION_STATUS_LABELS,
    "SUGGESTION_STATUS_VARIANTS": SUGGESTION_STATUS_VARIANTS,
    "REJECTION_REASON_LABELS": REJECTION_REASON_LABELS,
    "INTRODUCTION_STATUS_LABELS": INTRODUCTION_STATUS_LABELS,
    "INTRODUCTION_STATUS_VARIANTS": INTRODUCTION_STATUS_VARIANTS,
    "CLAIM_STATUS_LABELS": CLAIM_STATUS_LABELS,
    "CLAIM_STATUS_VARIANTS": CLAIM_STATUS_VARIANTS,
}


def install(bp: Blueprint) -> None:
    """Expose the workflow labels to every template once the blueprint is registered."""
    for name, labels in TEMPLATE_LABELS.items():
        bp.add_app_template_global(labels, name)
