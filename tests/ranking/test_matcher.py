import json

import numpy as np
import pytest

from matchmaker.ranking import (
    EvidenceDoc,
    HybridMatcher,
    IndexMissingError,
    IndexStaleError,
    Match,
    NotFittedError,
    data_hash,
)


def test_search_ranks_the_lab_whose_evidence_matches(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    matches = matcher.search("imagerie IRM du cerveau", k=3)
    assert matches[0].org_id == "lab:a"
    assert all(isinstance(m, Match) for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert set(matches[0].parts) >= {"lexical", "lexical_org", "dense", "prior_projects"}


def test_lexical_only_matcher_works_without_encoder(docs):
    matcher = HybridMatcher().fit(docs)
    assert matcher.search("cancer immunotherapy", k=1)[0].org_id == "lab:d"
    assert "dense" not in matcher.search("cancer", k=1)[0].parts


def test_candidate_orgs_restrict_the_pool(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    matches = matcher.search("diagnostic microfluidique", k=10, candidate_orgs={"lab:a", "lab:b", "nope"})
    assert {m.org_id for m in matches} <= {"lab:a", "lab:b"}


def test_excluded_source_refs_are_ignored_everywhere(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    query = "diagnostic rapide des infections bactériennes par microfluidique"
    assert matcher.search(query, k=1)[0].org_id in {"lab:c", "startup:s2"}
    left_out = matcher.search(query, k=10, exclude_source_refs={"ilab-2"})
    assert "startup:s2" not in {m.org_id for m in left_out}  # its only evidence is left out
    for match in left_out:
        assert not any(e.endswith("ilab-2") or e.startswith("startup:s2") for e in match.evidence_ids)


def test_leave_one_out_equals_an_index_without_the_evidence(docs):
    query = "diagnostic des infections par microfluidique et séquençage, laboratoire"
    with_loo = HybridMatcher().fit(docs).features(query, exclude_source_refs={"ilab-2"})
    kept = [d for d in docs if d.source_ref != "ilab-2"]
    without = HybridMatcher().fit(kept).features(query)
    fitted = HybridMatcher().fit(docs)
    for org in ("lab:a", "lab:b", "lab:d"):
        i, j = fitted.table_.org_index[org], HybridMatcher().fit(kept).table_.org_index[org]
        assert with_loo.org["lexical_org"][i] == pytest.approx(without.org["lexical_org"][j], abs=1e-5)


def test_passages_highlight_query_terms(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    match = matcher.search("immunothérapie du cancer", k=1)[0]
    assert match.org_id == "lab:d"
    assert 1 <= len(match.passages) <= 3
    passage = match.passages[0]
    assert passage.evidence_id in match.evidence_ids
    words = {passage.text[a:b].lower() for a, b in passage.highlights}
    assert words & {"cancer", "immunotherapy", "immunothérapie"}


def test_sufficient_is_false_for_directory_only_profiles(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder, min_profile_tokens=3).fit(docs)
    by_org = {m.org_id: m for m in matcher.search("laboratoire recherche unité", k=10)}
    assert by_org["lab:a"].sufficient
    matches = matcher.search("microbiologie Marseille", k=10, exclude_source_refs={"ilab-2"})
    assert not {m.org_id: m for m in matches}["lab:c"].sufficient


def test_search_before_fit_raises():
    with pytest.raises(NotFittedError):
        HybridMatcher().search("x")


def test_duplicate_evidence_ids_are_rejected(docs):
    with pytest.raises(ValueError, match="unique"):
        HybridMatcher().fit([*docs, docs[0]])


def test_save_load_round_trip(tmp_path, docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder, damping=0.2).fit(docs)
    matcher.save(tmp_path / "index")
    loaded = HybridMatcher.load(tmp_path / "index", encoder=fake_encoder)
    assert loaded.manifest == matcher.manifest
    assert loaded.manifest["encoder"] == "fake" and loaded.manifest["settings"]["damping"] == 0.2
    assert loaded.data_hash_ == data_hash(docs)
    query = "imagerie médicale du cerveau"
    assert loaded.search(query, k=5) == matcher.search(query, k=5)
    for name in ("embeddings", "counts_data"):
        np.load(tmp_path / "index" / f"{name}.npy", allow_pickle=False)


def test_load_missing_index_raises(tmp_path, fake_encoder):
    with pytest.raises(IndexMissingError):
        HybridMatcher.load(tmp_path / "nothing", encoder=fake_encoder)


def test_load_with_another_encoder_raises(tmp_path, docs, fake_encoder, counting_encoder):
    HybridMatcher(encoder=fake_encoder).fit(docs).save(tmp_path)
    with pytest.raises(IndexStaleError, match="fake"):
        HybridMatcher.load(tmp_path, encoder=counting_encoder)


def test_load_corrupt_index_raises(tmp_path, docs, fake_encoder):
    HybridMatcher(encoder=fake_encoder).fit(docs).save(tmp_path)
    (tmp_path / "owner.npy").write_bytes(b"garbage")
    with pytest.raises(IndexMissingError):
        HybridMatcher.load(tmp_path, encoder=fake_encoder)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format_version": -1}))
    with pytest.raises(IndexStaleError):
        HybridMatcher.load(tmp_path, encoder=fake_encoder)


def test_embedding_cache_encodes_only_new_texts(tmp_path, docs, counting_encoder):
    HybridMatcher(encoder=counting_encoder).fit(docs, cache_dir=tmp_path)
    first = counting_encoder.encoded
    assert first == len({d.text for d in docs})
    extra = EvidenceDoc("lab:e/record", "lab:e", "Nouvelle unité de robotique chirurgicale", "directory_record")
    matcher = HybridMatcher(encoder=counting_encoder).fit([*docs, extra], cache_dir=tmp_path)
    assert counting_encoder.encoded == first + 1
    assert matcher.data_hash_ != data_hash(docs)
    assert (tmp_path / "counting.npy").exists()


def test_prime_queries_caches_query_vectors_on_disk(tmp_path, docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs, cache_dir=tmp_path)
    matcher.prime_queries(["imagerie", "cancer"], cache_dir=tmp_path)
    assert (tmp_path / "fake.queries.npy").exists()
    expected = fake_encoder.encode_queries(["cancer"])[0]
    assert np.allclose(matcher.query_vector("cancer"), expected)


def test_region_prior_is_soft_explained_and_off_without_context(docs, fake_encoder):
    from matchmaker.ranking.features import CONTEXT_FEATURES

    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    query = "imagerie médicale et microfluidique pour le diagnostic"
    text_only = matcher.search(query, k=4, explain=False)
    assert all("same_region" not in m.parts for m in text_only)
    last = text_only[-1].org_id
    matcher.settings_["weights"] = {**matcher.settings_["weights"], "same_region": 0.0}
    assert [m.org_id for m in matcher.search(query, k=4, explain=False, near={last})] == [
        m.org_id for m in text_only
    ]
    matcher.settings_["weights"]["same_region"] = 100.0
    boosted = matcher.search(query, k=4, explain=False, near={last})
    assert boosted[0].org_id == last and boosted[0].parts["same_region"] == 1.0
    assert {m.org_id for m in boosted} == {m.org_id for m in text_only}  # a prior reorders, never adds
    assert "same_region" in CONTEXT_FEATURES
