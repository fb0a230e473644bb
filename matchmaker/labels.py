"""Every translated label the interface shows, in one module, installed once on the app for the templates.

Kinds of organisation and evidence, workflow states and reasons, the events area and the dashboard's
categories. Views, forms and presenters import them from here; templates read them as globals.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from matchmaker.ranking.text import HIDDEN_KINDS
from matchmaker.services import coverage, domains, freshness
from matchmaker.vocabulary import EvidenceKind, OrganisationKind

KIND_LABELS = {
    OrganisationKind.LAB: _l("Laboratoire"),
    OrganisationKind.PLATFORM: _l("Plateforme technologique"),
    OrganisationKind.STARTUP: _l("Start-up"),
    OrganisationKind.SUBCONTRACTOR: _l("Sous-traitant"),
    OrganisationKind.SERVICE_PROVIDER: _l("Prestataire de services"),
    OrganisationKind.MANUFACTURER: _l("Fabricant"),
    OrganisationKind.DISTRIBUTOR: _l("Distributeur / fournisseur"),
    OrganisationKind.OUTSIDE_HEALTH: _l("Entreprise hors santé"),
    OrganisationKind.BUYER: _l("Donneur d'ordre"),
}
EVIDENCE_LABELS = {
    EvidenceKind.DIRECTORY_RECORD: _l("Fiche annuaire"),
    EvidenceKind.RESEARCH_FIELDS: _l("Domaines ERC"),
    EvidenceKind.FUNDED_PROJECTS: _l("Projets ANR"),
    EvidenceKind.ILAB_PROJECT: _l("Projet i-Lab"),
    EvidenceKind.CONTRACT_WON: _l("Marché public remporté"),
    EvidenceKind.PURCHASE: _l("Achat public"),
    EvidenceKind.DEVICES: _l("Dispositifs médicaux"),
    EvidenceKind.MEDICINES: _l("Médicaments autorisés (BDPM)"),
    EvidenceKind.DESCRIPTION: _l("Description"),
    EvidenceKind.COMPETENCES: _l("Compétences"),
    EvidenceKind.NEED: _l("Besoin validé"),
    EvidenceKind.NOTE: _l("Note de l'équipe"),
    EvidenceKind.LIVRET_ACTIVITIES: _l("Livret · procédés"),
    EvidenceKind.LIVRET_MATERIALS: _l("Livret · matériaux"),
    EvidenceKind.LIVRET_CERTIFICATIONS: _l("Livret · certifications"),
    EvidenceKind.LIVRET_EQUIPMENT: _l("Livret · équipements"),
    EvidenceKind.LIVRET_CAPACITY: _l("Livret · capacité"),
    EvidenceKind.LIVRET_REFERENCES: _l("Livret · références"),
    EvidenceKind.LIVRET_DESCRIPTION: _l("Livret · présentation"),
}

# ------------------------------------------------------------------ workflows

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
# What a search understood the need to look for (matchmaker.ranking.intent), as the page says it.
SOUGHT_LABELS = {
    "expertise": _l("des laboratoires et plateformes (expertise, recherche)"),
    "product": _l("des entreprises et start-up qui proposent la solution"),
    "subcontracting": _l("des sous-traitants et fabricants"),
    "service": _l("des prestataires de services"),
    "any": _l("tous les types d'organisations"),
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
PROFILE_FIELD_LABELS = {
    "name": _l("Nom"),
    "kind": _l("Type d'organisation"),
    "description": _l("Description"),
    "competences": _l("Compétences"),
    "certifications": _l("Certifications"),
    "region": _l("Région"),
    "city": _l("Ville"),
    "website": _l("Site web"),
    "contact_email": _l("E-mail de contact"),
}
REVISION_STATUS_LABELS = {
    "draft": _l("Brouillon"),
    "pending": _l("En attente de validation"),
    "approved": _l("Publiée"),
    "rejected": _l("Refusée"),
}
LIVRET_SECTION_LABELS = {
    "activities": _l("Activités et procédés"),
    "activities_note": _l("Précisions sur les procédés"),
    "materials": _l("Matériaux"),
    "materials_note": _l("Précisions sur les matériaux"),
    "certifications": _l("Certifications"),
    "equipment": _l("Équipements"),
    "capacity": _l("Capacité"),
    "batch_min": _l("Série minimale"),
    "batch_max": _l("Série maximale"),
    "lead_time_weeks": _l("Délai (semaines)"),
    "capacity_note": _l("Précisions sur la capacité"),
    "references": _l("Références"),
    "sectors": _l("Secteurs servis"),
    "client_types": _l("Types de clients"),
    "references_note": _l("Précisions sur les références"),
    "description": _l("Présentation"),
    "description_fr": _l("Présentation en français"),
    "description_en": _l("Présentation en anglais"),
}
LIVRET_STEP_MESSAGES = {  # (with the number of citations in recent needs, without)
    "activities": (_l("Ajoutez vos procédés : les besoins de vos clients les citent %(n)d fois ce mois-ci."),
                   _l("Ajoutez vos procédés : c'est la rubrique que les donneurs d'ordre cherchent en premier.")),
    "materials": (_l("Ajoutez vos matériaux : les besoins de vos clients les citent %(n)d fois ce mois-ci."),
                  _l("Ajoutez les matériaux que vous travaillez.")),
    "certifications": (_l("Déclarez vos certifications avec leur numéro et leur date d'expiration : les besoins de "
                          "vos clients en exigent %(n)d ce mois-ci."),
                       _l("Déclarez vos certifications avec leur numéro et leur date d'expiration.")),
    "equipment": (_l("Décrivez vos équipements : %(n)d besoins de vos clients portent sur des essais ou des "
                     "équipements ce mois-ci."),
                  _l("Décrivez vos équipements.")),
    "capacity": (_l("Indiquez vos tailles de série et vos délais : %(n)d besoins de vos clients en parlent "
                    "ce mois-ci."),
                 _l("Indiquez vos tailles de série et vos délais.")),
    "references": (_l("Citez les secteurs et les types de clients que vous servez : les besoins de vos clients citent "
                      "des secteurs %(n)d fois ce mois-ci."),
                   _l("Citez les secteurs et les types de clients que vous servez.")),
    "description": (_l("Ajoutez une présentation en anglais : %(n)d besoins de vos clients ont été rédigés en anglais "
                       "ce mois-ci."),
                    _l("Présentez votre organisation en quelques phrases, en français et en anglais.")),
}
CERTIFICATION_STATE_LABELS = {
    "declared": _l("déclarée"),
    "verified": _l("vérifiée"),
    "expired": _l("expirée"),
}
CERTIFICATION_STATE_VARIANTS = {"declared": "neutral", "verified": "success", "expired": "error"}
CLAIM_KIND_LABELS = {
    "claim": _l("revendication"),
    "join": _l("demande à rejoindre l'équipe"),
    "create": _l("nouveau profil"),
}
CLAIM_STATUS_LABELS = {
    "pending": _l("En attente de validation"),
    "approved": _l("Validée"),
    "rejected": _l("Refusée"),
}
CLAIM_STATUS_VARIANTS = {"pending": "info", "approved": "success", "rejected": "error"}

# ---------------------------------------------------------------- B2B meeting days

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
    "optimal": _l("Solution optimale (prouvée)"),
    "feasible": _l("Solution réalisable (limite de temps atteinte)"),
    "greedy": _l("Solution gloutonne (sans solveur)"),
}

# ------------------------------------------------------------------- dashboard

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


TEMPLATE_LABELS = {
    "KIND_LABELS": KIND_LABELS,
    "EVIDENCE_LABELS": EVIDENCE_LABELS,
    "SOUGHT_LABELS": SOUGHT_LABELS,
    "SOUGHT_CHOICES": tuple(SOUGHT_LABELS),
    "HIDDEN_EVIDENCE_KINDS": tuple(HIDDEN_KINDS),
    "PROFILE_FIELD_LABELS": PROFILE_FIELD_LABELS,
    "REVISION_STATUS_LABELS": REVISION_STATUS_LABELS,
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
    "CLAIM_KIND_LABELS": CLAIM_KIND_LABELS,
    "LIVRET_SECTION_LABELS": LIVRET_SECTION_LABELS,
    "LIVRET_STEP_MESSAGES": LIVRET_STEP_MESSAGES,
    "CERTIFICATION_STATE_LABELS": CERTIFICATION_STATE_LABELS,
    "CERTIFICATION_STATE_VARIANTS": CERTIFICATION_STATE_VARIANTS,
    "CLAIM_STATUS_VARIANTS": CLAIM_STATUS_VARIANTS,
    "REGISTRATION_STATUS_LABELS": REGISTRATION_STATUS_LABELS,
    "REGISTRATION_STATUS_VARIANTS": REGISTRATION_STATUS_VARIANTS,
    "REQUEST_STATUS_LABELS": REQUEST_STATUS_LABELS,
    "REQUEST_STATUS_VARIANTS": REQUEST_STATUS_VARIANTS,
    "FEEDBACK_LABELS": FEEDBACK_LABELS,
    "SUGGESTION_PART_LABELS": SUGGESTION_PART_LABELS,
    "UNPLACED_REASON_LABELS": UNPLACED_REASON_LABELS,
    "SCHEDULE_STATUS_LABELS": SCHEDULE_STATUS_LABELS,
    "DOMAIN_LABELS": DOMAIN_LABELS,
    "DIMENSION_LABELS": DIMENSION_LABELS,
    "GAP_REASON_LABELS": GAP_REASON_LABELS,
    "FRESHNESS_REASON_LABELS": FRESHNESS_REASON_LABELS,
    "CALIBRATION_LABELS": CALIBRATION_LABELS,
}


def install(app: Flask) -> None:
    """Expose every label table, and ``category_label``, to the templates."""
    for name, table in TEMPLATE_LABELS.items():
        app.add_template_global(table, name)
    app.add_template_global(category_label, "category_label")
