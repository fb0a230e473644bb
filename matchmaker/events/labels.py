"""Translated labels of the events area, exposed to its templates."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

REGISTRATION_STATUS_LABELS = {
    "pending": _l("En attente de validation"),
    "validated": _l("Inscription validée"),
    "rejected": _l("Inscription refusée"),
}
REGISTRATION_STATUS_VARIANTS = {"pending": "info", "validated": "success", "rejected": "error"}
REQUEST_STATUS_LABELS = {
    "requested": _l("En attente de réponse"),
    "accepted": _l("Acceptée"),
    "declined": _l("Déclinée"),
    "cancelled": _l("Annulée"),
}
REQUEST_STATUS_VARIANTS = {"requested": "info", "accepted": "success", "declined": "warning", "cancelled": "neutral"}
FEEDBACK_LABELS = {
    "useful": _l("Utile"),
    "not_useful": _l("Pas utile"),
    "follow_up": _l("Suite prévue"),
}
SUGGESTION_PART_LABELS = {
    "they_offer": _l("Ce qu'il propose répond à ce que vous cherchez"),
    "you_offer": _l("Ce que vous proposez répond à ce qu'il cherche"),
    "evidence": _l("Son profil (preuves publiques) correspond à ce que vous cherchez"),
}
UNPLACED_REASON_LABELS = {
    "unavailable": _l("un participant est indisponible sur tous les créneaux"),
    "no_common_slot": _l("aucun créneau où les deux participants sont disponibles"),
    "fully_booked": _l("agenda complet : un des participants est pris sur tous les créneaux communs"),
    "no_table": _l("plus de table libre sur les créneaux communs"),
    "conflicts": _l("chaque créneau commun est pris par un autre rendez-vous ou n'a plus de table"),
}
SCHEDULE_STATUS_LABELS = {
    "optimal": _l("optimal (prouvé)"),
    "feasible": _l("réalisable (limite de temps atteinte)"),
    "greedy": _l("glouton"),
}

TEMPLATE_LABELS = {
    "REGISTRATION_STATUS_LABELS": REGISTRATION_STATUS_LABELS,
    "REGISTRATION_STATUS_VARIANTS": REGISTRATION_STATUS_VARIANTS,
    "REQUEST_STATUS_LABELS": REQUEST_STATUS_LABELS,
    "REQUEST_STATUS_VARIANTS": REQUEST_STATUS_VARIANTS,
    "FEEDBACK_LABELS": FEEDBACK_LABELS,
    "SUGGESTION_PART_LABELS": SUGGESTION_PART_LABELS,
    "UNPLACED_REASON_LABELS": UNPLACED_REASON_LABELS,
    "SCHEDULE_STATUS_LABELS": SCHEDULE_STATUS_LABELS,
}


def install(bp: Blueprint) -> None:
    """Expose the labels to every template once the blueprint is registered."""
    for name, labels in TEMPLATE_LABELS.items():
        bp.add_app_template_global(labels, name)
