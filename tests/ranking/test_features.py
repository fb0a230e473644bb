"""Per-query features of the candidate organisations: what the fusion and the thin-profile rule read."""



import numpy as np
import pytest

from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.features import FEATURE_NAMES, compute_features


def test_sufficient_is_false_for_directory_only_profiles(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder, min_profile_tokens=3).fit(docs)
    by_org = {m.org_id: m for m in matcher.search("laboratoire recherche unité", k=10)}
    assert by_org["lab:a"].sufficient
    matches = matcher.search("microbiologie Marseille", k=10, exclude_source_refs={"ilab-2"})
    assert not {m.org_id: m for m in matches}["lab:c"].sufficient


def test_features_are_standardised_over_the_candidates_and_name_the_fusion_inputs(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    features = compute_features(matcher, "immunothérapie du cancer", None, ())
    n_orgs = matcher.table_.n_orgs
    assert set(FEATURE_NAMES) <= set(features.org)
    assert all(values.shape == (n_orgs,) for values in features.org.values())
    lexical = features.org["lexical"][features.candidates]
    assert lexical.mean() == pytest.approx(0.0, abs=1e-5)
    best = matcher.table_.org_ids[int(np.argmax(features.raw["lexical"]))]
    assert best == "lab:d"
    assert features.term_weights and all(weight > 0 for weight in features.term_weights.values())


def test_left_out_evidence_and_filtered_organisations_are_not_candidates(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    table = matcher.table_
    features = compute_features(matcher, "diagnostic microfluidique", ["lab:c", "startup:s2"], {"ilab-2"})
    left_out = [table.ids.index("lab:c/ilab-2"), table.ids.index("startup:s2/project")]
    assert not features.valid_docs[left_out].any()
    assert not features.candidates[table.org_index["startup:s2"]]  # its only evidence is left out
    assert not features.candidates[table.org_index["lab:a"]]  # not among the candidate organisations
