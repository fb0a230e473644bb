"""The real bundled encoders: load from the installed packages (no network) and match across languages."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.ranking import EvidenceDoc, HybridMatcher, load_encoder

pytestmark = pytest.mark.slow

LABS = [
    EvidenceDoc(
        "lab:a/record",
        "lab:a",
        "Laboratoire de microfluidique et de diagnostic in vitro sur puce, "
        "miniaturisation des réactions biochimiques en gouttes.",
    ),
    EvidenceDoc(
        "lab:b/record", "lab:b", "Équipe d'épidémiologie des maladies cardiovasculaires et cohortes de patients."
    ),
    EvidenceDoc("lab:c/record", "lab:c", "Synthèse organique et chimie des matériaux polymères pour l'emballage."),
    EvidenceDoc(
        "lab:d/record", "lab:d", "Machine learning for medical image segmentation, deep learning in radiology."
    ),
]


@pytest.mark.parametrize("name", ["e5", "minilm"])
def test_real_encoder_loads_offline_and_embeds(name):
    encoder = load_encoder(name)
    vectors = encoder.encode_passages(["Anticorps monoclonaux contre le cancer", "Usinage de pièces en titane"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    query = encoder.encode_queries(["monoclonal antibodies for oncology"])[0]
    assert vectors[0] @ query > vectors[1] @ query


def test_multilingual_encoder_finds_french_lab_for_english_need_and_back():
    matcher = HybridMatcher(encoder=load_encoder("e5")).fit(LABS)
    english = matcher.search("droplet microfluidics for in vitro diagnostics on a chip", k=2)
    assert english[0].org_id == "lab:a"
    french = matcher.search("segmentation d'images médicales par apprentissage profond", k=2)
    assert french[0].org_id == "lab:d"
