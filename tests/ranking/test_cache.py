"""The embedding cache: texts and queries are encoded once, keyed by text hash."""


import numpy as np

from matchmaker.ranking import EvidenceDoc, HybridMatcher, data_hash


def test_embedding_cache_encodes_only_new_texts(tmp_path, docs, counting_encoder):
    HybridMatcher(encoder=counting_encoder).fit(docs, cache_dir=tmp_path)
    first = counting_encoder.encoded
    assert first == len({d.text for d in docs})
    extra = EvidenceDoc("lab:e/record", "lab:e", "Nouvelle unité de robotique chirurgicale", "directory_record")
    matcher = HybridMatcher(encoder=counting_encoder).fit([*docs, extra], cache_dir=tmp_path)
    assert counting_encoder.encoded == first + 1
    assert matcher.data_hash != data_hash(docs)
    assert (tmp_path / "counting.npy").exists()


def test_prime_queries_caches_query_vectors_on_disk(tmp_path, docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs, cache_dir=tmp_path)
    matcher.prime_queries(["imagerie", "cancer"], cache_dir=tmp_path)
    assert (tmp_path / "fake.queries.npy").exists()
    expected = fake_encoder.encode_queries(["cancer"])[0]
    assert np.allclose(matcher.query_vector("cancer"), expected)
