"""The domain vocabulary: kinds of organisation, kinds of evidence and the certifications we recognise.

Every other module imports these from here (the importer, the models, the services, the forms and the
ranking core alike). The terms of the livret de compétences (activities and processes, materials, sectors,
client types) live beside it, in ``matchmaker.livret_vocabulary``. Plain Python: no Flask, no ORM. The
enumerations are ``StrEnum`` so that a member compares, hashes and serialises as its value
("lab" == OrganisationKind.LAB).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class OrganisationKind(StrEnum):
    """What an organisation of the catalogue is."""

    STARTUP = "startup"
    SUBCONTRACTOR = "subcontractor"
    SERVICE_PROVIDER = "service_provider"
    MANUFACTURER = "manufacturer"
    DISTRIBUTOR = "distributor"
    OUTSIDE_HEALTH = "outside_health"
    LAB = "lab"
    PLATFORM = "platform"
    BUYER = "buyer"


ORGANISATION_KINDS: tuple[OrganisationKind, ...] = tuple(OrganisationKind)
"""Every kind, in the order forms and filters list them."""

PROFILE_KINDS: tuple[OrganisationKind, ...] = tuple(k for k in OrganisationKind if k != OrganisationKind.BUYER)
"""Kinds that answer needs: a profile can be one of them and a search looks for them by default."""

SOUGHT_KINDS: tuple[OrganisationKind, ...] = (
    OrganisationKind.SUBCONTRACTOR,
    OrganisationKind.SERVICE_PROVIDER,
    OrganisationKind.LAB,
    OrganisationKind.PLATFORM,
)
"""What a need may look for: sub-contracting, services, lab expertise, a technology platform."""

PROJECT_MATCH_KINDS: tuple[OrganisationKind, ...] = (OrganisationKind.LAB, OrganisationKind.PLATFORM)
"""What a start-up's project is matched with."""

RESEARCH_KINDS: tuple[OrganisationKind, ...] = (OrganisationKind.LAB, OrganisationKind.PLATFORM)
"""Research structures (the RNSR side)."""

NOT_COMPANY_KINDS: frozenset[OrganisationKind] = frozenset(
    {OrganisationKind.LAB, OrganisationKind.PLATFORM, OrganisationKind.STARTUP, OrganisationKind.BUYER}
)
"""Every kind that is not a company: the company pool (evaluation, classification) is everything else."""

_K = OrganisationKind
KINDS_FOR_SOUGHT: dict[str, tuple[OrganisationKind, ...]] = {
    "expertise": RESEARCH_KINDS,
    "product": (_K.STARTUP, _K.MANUFACTURER, _K.DISTRIBUTOR, _K.SERVICE_PROVIDER, _K.SUBCONTRACTOR),
    "subcontracting": (_K.SUBCONTRACTOR, _K.MANUFACTURER),
    "service": (_K.SERVICE_PROVIDER, _K.SUBCONTRACTOR, _K.MANUFACTURER, _K.DISTRIBUTOR),
    "any": (_K.STARTUP, _K.SUBCONTRACTOR, _K.SERVICE_PROVIDER, _K.MANUFACTURER, _K.DISTRIBUTOR, _K.LAB, _K.PLATFORM),
}
"""Which kinds answer each kind of need (matchmaker.ranking.intent): lab expertise, a product or solution
(start-ups and companies that offer it), subcontracting (manufacturers subcontract too), a service, anything."""


class EvidenceKind(StrEnum):
    """Where a piece of evidence of an organisation's profile comes from."""

    DIRECTORY_RECORD = "directory_record"
    RESEARCH_FIELDS = "research_fields"
    FUNDED_PROJECTS = "funded_projects"
    ILAB_PROJECT = "ilab_project"
    CONTRACT_WON = "contract_won"
    PURCHASE = "purchase"
    DEVICES = "devices"
    MEDICINES = "medicines"
    FUNDED_TOPICS = "funded_topics"
    DESCRIPTION = "description"
    COMPETENCES = "competences"
    NEED = "need"
    NOTE = "note"
    # sections of a published livret de compétences, one evidence document each (services.livret)
    LIVRET_ACTIVITIES = "livret_activities"
    LIVRET_MATERIALS = "livret_materials"
    LIVRET_CERTIFICATIONS = "livret_certifications"
    LIVRET_EQUIPMENT = "livret_equipment"
    LIVRET_CAPACITY = "livret_capacity"
    LIVRET_REFERENCES = "livret_references"
    LIVRET_DESCRIPTION = "livret_description"


CERTIFICATION_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"13485", "ISO 13485"),
    (r"9001", "ISO 9001"),
    (r"17025", "ISO 17025"),
    (r"15189", "ISO 15189"),
    (r"14971", "ISO 14971"),
    (r"27001", "ISO 27001"),
    (r"\bhds\b|hebergeur de donnees de sante|hebergement de donnees de sante", "HDS"),
    (r"\b(gmp|bpf|cgmp)\b", "GMP/BPF"),
    (r"\b(glp|bpl)\b", "GLP/BPL"),
    (r"\bivdr\b", "IVDR"),
    (r"\bmdr\b.*\biii\b|classe? iii\b", "MDR classe III"),
    (r"\bmdr\b.*\biib\b|classe? iib\b", "MDR classe IIb"),
    (r"\bmdr\b.*\biia\b|classe? iia\b", "MDR classe IIa"),
    (r"\bmdr\b.*\bi\b|classe? i\b", "MDR classe I"),
    (r"\bmdr\b|marquage ce|ce mark", "MDR"),
)
"""(pattern over lower-cased, accent-free text, canonical label), most specific first."""

CERTIFICATIONS: tuple[str, ...] = tuple(dict.fromkeys(label for _, label in CERTIFICATION_PATTERNS))
"""The canonical certification labels, in the order of the patterns."""


def fold_accents(text: str) -> str:
    """Return ``text`` lower-cased without combining accents (the form the certification patterns read)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_certification(value: str) -> str | None:
    """Return the canonical label of a certification, or None when it is not recognised."""
    folded = fold_accents(value)
    for pattern, label in CERTIFICATION_PATTERNS:
        if re.search(pattern, folded):
            return label
    return None
