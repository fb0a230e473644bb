"""Technology domains: the labels of the open datasets folded into a few families the dashboard counts by.

An organisation gets one domain, the first that applies of:

1. its keywords, in the order the importer stored them: RNSR research domains of labs and platforms
   ("Biologie, médecine et santé"...), i-Lab technology domains of start-ups ("Pharmacie & biotechnologies"...),
   EUDAMED product families of manufacturers ("Dispositifs médicaux"; upper-case EMDN device terms count
   as medical devices);
2. the ``technology_domain`` attribute of i-Lab start-ups (same vocabulary as their keywords);
3. the ERC panels of labs (``LS*`` life sciences, ``SH*`` social sciences, ``PE*`` split by panel);
4. its kind: EUDAMED manufacturers make medical devices; public-procurement suppliers (sub-contractors,
   service providers) are "industry and services";
5. otherwise ``unclassified``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.models import Organisation
from matchmaker.ranking.text import fold

HEALTH_BIOTECH = "health_biotech"
MEDICAL_DEVICES = "medical_devices"
DIGITAL = "digital"
ELECTRONICS = "electronics"
ENGINEERING = "engineering"
CHEMISTRY_ENVIRONMENT = "chemistry_environment"
HUMANITIES = "humanities"
INDUSTRY_SERVICES = "industry_services"
UNCLASSIFIED = "unclassified"
UNKNOWN_REGION = "unknown"

DOMAINS: tuple[str, ...] = (
    HEALTH_BIOTECH,
    MEDICAL_DEVICES,
    DIGITAL,
    ELECTRONICS,
    ENGINEERING,
    CHEMISTRY_ENVIRONMENT,
    HUMANITIES,
    INDUSTRY_SERVICES,
    UNCLASSIFIED,
)

_KEYWORDS: dict[str, tuple[str, ...]] = {
    HEALTH_BIOTECH: (
        "Biologie, médecine et santé",
        "Biotechnologies et pharmacie",
        "Pharmacie, Sciences du vivant & Biotechnologies",
        "Pharmacie & biotechnologies",
    ),
    MEDICAL_DEVICES: (
        "Dispositifs médicaux",
        "Dispositifs médicaux de diagnostic in vitro",
        "Technologies médicales",
    ),
    DIGITAL: (
        "Services informatiques et autres",
        "Sciences et technologies de l'information et de la communication",
        "Informatique, logiciel & TIC",
        "Numérique, technologies logicielles & communication",
        "Mathématiques et leurs interactions",
    ),
    ELECTRONICS: (
        "Électronique, Signal & Télécommunications",
        "Électronique, traitement du signal & instrumentation",
        "Physique",
    ),
    ENGINEERING: (
        "Sciences pour l'ingénieur",
        "Génie des procédés",
        "Mécanique & Travail des métaux",
        "Matériaux, mécanique & procédés industriels",
        "Chimie et matériaux",
        "Chimie & Sciences des matériaux",
    ),
    CHEMISTRY_ENVIRONMENT: (
        "Chimie",
        "Chimie & environnement",
        "Sciences agronomiques et écologiques",
        "Sciences de la terre et de l'univers, espace",
    ),
    HUMANITIES: ("Sciences humaines et humanités", "Sciences de la société"),
}
KEYWORD_DOMAINS: dict[str, str] = {fold(label): domain for domain, labels in _KEYWORDS.items() for label in labels}
"""Accent- and case-folded keyword label -> domain."""

ERC_DOMAINS: dict[str, str] = {
    "LS": HEALTH_BIOTECH,
    "SH": HUMANITIES,
    "PE1": DIGITAL,
    "PE6": DIGITAL,
    "PE2": ELECTRONICS,
    "PE3": ELECTRONICS,
    "PE7": ELECTRONICS,
    "PE8": ENGINEERING,
    "PE11": ENGINEERING,
    "PE4": CHEMISTRY_ENVIRONMENT,
    "PE5": CHEMISTRY_ENVIRONMENT,
    "PE9": CHEMISTRY_ENVIRONMENT,
    "PE10": CHEMISTRY_ENVIRONMENT,
}
"""ERC panel (or panel family prefix) -> domain."""

KIND_DOMAINS: dict[str, str] = {
    "manufacturer": MEDICAL_DEVICES,
    "subcontractor": INDUSTRY_SERVICES,
    "service_provider": INDUSTRY_SERVICES,
}


def keyword_domain(label: str) -> str | None:
    """Return the domain of one keyword label, or None when it names no known domain."""
    domain = KEYWORD_DOMAINS.get(fold(label.strip()))
    if domain is None and label.isupper():
        return MEDICAL_DEVICES  # EMDN nomenclature terms are upper-case device families
    return domain


def erc_domain(panel: str) -> str | None:
    """Return the domain of an ERC panel code such as ``LS7`` or ``PE6``."""
    code = panel.strip().upper().split()[0] if panel.strip() else ""
    return ERC_DOMAINS.get(code) or ERC_DOMAINS.get(code[:2]) if code else None


def organisation_domain(kind: str, keywords: Iterable[str] | None, attributes: Mapping[str, Any] | None) -> str:
    """Return the one domain an organisation is counted in (see the module docstring for the order)."""
    attributes = attributes or {}
    candidates = list(keywords or ())
    technology = attributes.get("technology_domain")
    if isinstance(technology, str):
        candidates.append(technology)
    for label in candidates:
        if isinstance(label, str) and (domain := keyword_domain(label)):
            return domain
    for panel in attributes.get("erc_panels") or ():
        if isinstance(panel, str) and (domain := erc_domain(panel)):
            return domain
    return KIND_DOMAINS.get(kind, UNCLASSIFIED)


@dataclass(frozen=True)
class OrganisationCategories:
    """The categories the dashboard counts one organisation in."""

    id: int
    kind: str
    region: str  # UNKNOWN_REGION when the profile has none
    domain: str
    created_at: datetime

    def category(self, dimension: str) -> str:
        """Return the organisation's kind, region or domain."""
        return {"kind": self.kind, "region": self.region, "domain": self.domain}[dimension]


def organisation_categories(session: Session) -> list[OrganisationCategories]:
    """Return the kind, region and domain of every organisation (only the attributes a domain needs are read)."""
    rows = session.execute(
        select(Organisation.id, Organisation.kind, Organisation.region, Organisation.keywords,
               Organisation.attributes["technology_domain"], Organisation.attributes["erc_panels"],
               Organisation.created_at)
    )
    return [
        OrganisationCategories(
            org_id, kind, region or UNKNOWN_REGION,
            organisation_domain(kind, keywords, {"technology_domain": technology, "erc_panels": panels}), created_at,
        )
        for org_id, kind, region, keywords, technology, panels, created_at in rows
    ]

