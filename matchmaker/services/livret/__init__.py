"""The livret de compétences: the structured, bilingual self-description of an organisation.

Sections (every one optional): activities and processes and materials (codes of
``matchmaker.livret_vocabulary``), certifications with number, body and expiry date, equipment, capacity
(batch sizes, lead time), references (sectors, client types) and free descriptions in French and English.

- ``matchmaker.catalogue.livret`` (re-exported here): the record type, its validation and its JSON form;
- ``publication``: ``apply_livret``, the one path that writes the live livret, called when staff publish a
  member's revision or import a cluster's file; it rewrites the livret's evidence documents (kinds
  ``EvidenceKind.LIVRET_*``) and the declared certifications that the search filters and quotes read.
"""

from matchmaker.catalogue.livret import (
    SECTIONS,
    CertificationEntry,
    LivretInput,
    clean_livret,
    livret_from_json,
    livret_to_json,
)
from matchmaker.services.livret.publication import (
    LIVRET_SOURCE,
    EvidenceText,
    apply_livret,
    declared_certifications,
    evidence_texts,
    live_livret,
    starting_livret,
    sync_declared_certifications,
)

__all__ = [
    "LIVRET_SOURCE",
    "SECTIONS",
    "CertificationEntry",
    "EvidenceText",
    "LivretInput",
    "apply_livret",
    "clean_livret",
    "declared_certifications",
    "evidence_texts",
    "live_livret",
    "livret_from_json",
    "livret_to_json",
    "starting_livret",
    "sync_declared_certifications",
]
