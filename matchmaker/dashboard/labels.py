"""Translated labels of the dashboard's categories (domains, funnel stages, gap and freshness reasons)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from matchmaker.labels import REJECTION_REASON_LABELS
from matchmaker.main.presenters import KIND_LABELS
from matchmaker.services import coverage, domains, freshness

DOMAIN_LABELS = {
    domains.HEALTH_BIOTECH: _l("Santé, biologie et biotechnologies"),
    domains.MEDICAL_DEVICES: _l("Dispositifs et technologies médicales"),
    domains.DIGITAL: _l("Numérique, logiciel et mathématiques"),
    domains.ELECTRONICS: _l("Électronique, signal et physique"),
    domains.ENGINEERING: _l("Ingénierie, matériaux et procédés"),
    domains.CHEMISTRY_ENVIRONMENT: _l("Chimie, environnement et agronomie"),
    domains.HUMANITIES: _l("Sciences humaines et sociales"),
    domains.INDUSTRY_SERVICES: _l("Sous-traitance et services"),
    domains.UNCLASSIFIED: _l("Domaine non renseigné"),
}
DIMENSION_LABELS = {"kind": _l("Type"), "region": _l("Région"), "domain": _l("Domaine")}
FUNNEL_LABELS = {
    "posted": _l("Déposés"),
    "validated": _l("Validés"),
    "matched": _l("Avec suggestions"),
    "introduced": _l("Mis en relation"),
    "closed": _l("Clos"),
}
GAP_REASON_LABELS = {
    coverage.WEAK_MATCH: _l("Meilleure correspondance faible"),
    coverage.NO_SUGGESTION: _l("Aucune suggestion du moteur"),
    coverage.NO_ACCEPTED_MATCH: _l("Aucune suggestion retenue"),
}
FRESHNESS_REASON_LABELS = {
    freshness.STALE: _l("Non mise à jour depuis 12 mois"),
    freshness.UNCLAIMED: _l("Jamais revendiquée"),
}
CALIBRATION_LABELS = {
    "percentile": _l("25e centile des meilleurs scores des besoins validés"),
    "default": _l("valeur par défaut de l'échelle du score fusionné (moins de 20 besoins notés)"),
    "given": _l("seuil choisi"),
}
UNKNOWN_REGION_LABEL = _l("Région non renseignée")


def category_label(dimension: str, value: str) -> str:
    """Return the readable label of a kind, region, domain, stage or rejection reason."""
    if dimension == "kind":
        return str(KIND_LABELS.get(value, value))
    if dimension == "domain":
        return str(DOMAIN_LABELS.get(value, value))
    if dimension == "region":
        return str(UNKNOWN_REGION_LABEL) if value == domains.UNKNOWN_REGION else value
    if dimension == "stage":
        return str(FUNNEL_LABELS.get(value, value))
    if dimension == "reason":
        return str(REJECTION_REASON_LABELS.get(value, value))
    return value
