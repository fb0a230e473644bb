"""Fixtures for the ranking unit tests: a deterministic fake encoder and a tiny evidence corpus."""

from __future__ import annotations

import pytest

from matchmaker.ranking import EvidenceDoc, FakeEncoder


class CountingEncoder(FakeEncoder):
    """FakeEncoder that counts the passages it encodes (to test the embedding cache)."""

    def __init__(self) -> None:
        super().__init__(name="counting")
        self.encoded = 0

    def encode_passages(self, texts):  # noqa: D102
        self.encoded += len(texts)
        return super().encode_passages(texts)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def counting_encoder() -> CountingEncoder:
    return CountingEncoder()


@pytest.fixture
def docs() -> list[EvidenceDoc]:
    return [
        EvidenceDoc("lab:a/record", "lab:a", "Laboratoire d'imagerie médicale (LIM). Paris", "directory_record"),
        EvidenceDoc(
            "lab:a/erc",
            "lab:a",
            "Medical imaging. Magnetic resonance imaging of the brain. Image analysis.",
            "research_fields",
        ),
        EvidenceDoc(
            "lab:a/ilab-1",
            "lab:a",
            "Start-up d'IRM portable. Nous développons une IRM bas champ pour les urgences.",
            "ilab_project",
            "ilab-1",
        ),
        EvidenceDoc("lab:b/record", "lab:b", "Institut de chimie organique. Lyon", "directory_record"),
        EvidenceDoc(
            "lab:b/anr",
            "lab:b",
            "Comités ANR : Chimie moléculaire; Catalyse. Thèmes : synthesis catalyst polymer",
            "funded_projects",
        ),
        EvidenceDoc("lab:c/record", "lab:c", "Unité de microbiologie. Marseille", "directory_record"),
        EvidenceDoc(
            "lab:c/ilab-2",
            "lab:c",
            "Diagnostic rapide des infections bactériennes par microfluidique et séquençage.",
            "ilab_project",
            "ilab-2",
        ),
        EvidenceDoc(
            "startup:s2/project",
            "startup:s2",
            "Diagnostic rapide des infections bactériennes par microfluidique et séquençage.",
            "ilab_project",
            "ilab-2",
        ),
        EvidenceDoc(
            "lab:d/record",
            "lab:d",
            "Centre de recherche en cancérologie. Oncologie, immunothérapie des tumeurs. Toulouse",
            "directory_record",
        ),
        EvidenceDoc(
            "lab:d/erc",
            "lab:d",
            "Cancer immunology. Tumour microenvironment. Immunotherapy and antibodies against cancer cells.",
            "research_fields",
        ),
    ]
