"""The domain vocabulary: one source for kinds, evidence kinds and certifications."""

from __future__ import annotations

import gzip
import json

from matchmaker.config import PROJECT_ROOT
from matchmaker.ranking.profile import DIRECTORY_KIND
from matchmaker.ranking.settings import GROUP_OF_KIND
from matchmaker.vocabulary import (
    CERTIFICATIONS,
    ORGANISATION_KINDS,
    PROFILE_KINDS,
    SOUGHT_KINDS,
    EvidenceKind,
    OrganisationKind,
    normalise_certification,
)


def test_kinds_compare_hash_and_serialise_as_their_values():
    assert OrganisationKind.LAB == "lab" and "lab" in {OrganisationKind.LAB}
    assert {"lab": 1}[OrganisationKind.LAB] == 1
    assert json.dumps([OrganisationKind.SERVICE_PROVIDER]) == '["service_provider"]'
    assert f"{EvidenceKind.CONTRACT_WON}" == "contract_won"


def test_kind_subsets_exclude_what_they_should():
    assert OrganisationKind.BUYER in ORGANISATION_KINDS and OrganisationKind.BUYER not in PROFILE_KINDS
    assert set(SOUGHT_KINDS) <= set(PROFILE_KINDS)
    assert OrganisationKind.STARTUP not in SOUGHT_KINDS


def test_certifications_are_recognised_whatever_the_spelling():
    assert normalise_certification("iso 13485:2016") == "ISO 13485"
    assert normalise_certification("Hébergeur de données de santé") == "HDS"
    assert normalise_certification("MDR classe IIb") == "MDR classe IIb"
    assert normalise_certification("bonnes pratiques de fabrication") is None
    assert len(CERTIFICATIONS) == len(set(CERTIFICATIONS))


def test_the_ranking_core_knows_evidence_kinds_of_the_vocabulary():
    # the core is a framework-free library with its own strings: they must stay vocabulary words
    assert DIRECTORY_KIND in set(EvidenceKind)
    assert set(GROUP_OF_KIND) <= set(EvidenceKind)


def test_the_bundled_directory_speaks_the_vocabulary():
    kinds, evidence_kinds, certifications = set(), set(), set()
    with gzip.open(PROJECT_ROOT / "data" / "competences" / "organisations.jsonl.gz", "rt") as handle:
        for line in handle:
            record = json.loads(line)
            kinds.add(record["kind"])
            certifications.update(record["certifications"])
            evidence_kinds.update(item["kind"] for item in record["evidence"])
    assert kinds <= set(OrganisationKind)
    assert evidence_kinds <= set(EvidenceKind)
    assert certifications <= set(CERTIFICATIONS)
