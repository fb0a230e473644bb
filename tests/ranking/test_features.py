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
    features = matcher.features("immunothérapie du cancer")
    assert set(FEATURE_NAMES) <= set(features.org)
    assert all(values.shape == features.orgs.shape for values in features.org.values())
    lexical = features.org["lexical"][features.candidates]
    assert lexical.mean() == pytest.approx(0.0, abs=1e-5)
    best = matcher.index.org_key(int(features.orgs[int(np.argmax(features.raw["lexical"]))]))
    assert best == "lab:d"
    assert features.term_weights and all(weight > 0 for weight in features.term_weights.values())


def test_left_out_evidence_and_filtered_organisations_are_not_candidates(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    index = matcher.index
    features = compute_features(index, matcher.settings_, "diagnostic microfluidique",
                                matcher.query_vector("diagnostic microfluidique"), ["lab:c", "startup:s2"], {"ilab-2"})
    left_out = index.rows_of_ids(["lab:c/ilab-2", "startup:s2/project"])
    assert not np.isin(features.rows, left_out).any()  # left-out evidence is never read
    candidates = {index.org_key(int(o)) for o in features.orgs[features.candidates]}
    assert "startup:s2" not in candidates  # its only evidence is left out
    assert "lab:a" not in candidates  # not among the candidate organisations


def test_the_searchers_region_is_a_raw_prior_on_the_evaluated_organisations(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    near = matcher.features("imagerie du cerveau", near=["lab:a"])
    keys = [matcher.index.org_key(int(o)) for o in near.orgs]
    assert near.raw["same_region"].tolist() == [float(k == "lab:a") for k in keys]
    mask = matcher.index.org_mask(["lab:a"])
    by_mask = matcher.features("imagerie du cerveau", near=mask)
    assert by_mask.raw["same_region"].tolist() == near.raw["same_region"].tolist()
    assert "same_region" not in matcher.features("imagerie du cerveau").raw
