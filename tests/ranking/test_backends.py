"""Dense retrieval backends: exact numpy, faiss HNSW, and the standardisation the core applies to both."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.backends import (
    DenseBackend,
    DenseMoments,
    HnswDenseBackend,
    NumpyDenseBackend,
    dense_doc_scores,
)
from matchmaker.ranking.scoring import zscore


def clustered(n: int, dim: int = 32, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Return normalised vectors around a few centres (random Gaussian vectors make ANN meaningless)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(clusters, size=n)] + 0.4 * rng.normal(size=(n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_numpy_backend_exhaustive_answer_is_the_core_formula():
    vectors = clustered(500)
    query = vectors[3]
    valid = np.ones(500, bool)
    valid[[3, 7]] = False
    backend = NumpyDenseBackend(vectors)
    assert isinstance(backend, DenseBackend)
    expected = zscore(np.asarray(vectors @ query, np.float32), valid)
    assert np.array_equal(dense_doc_scores(backend, query, valid), expected)


def test_moments_give_exact_statistics_with_and_without_excluded_rows():
    vectors = clustered(800)
    query = clustered(1, seed=9)[0]
    moments = DenseMoments.of(vectors)
    scores = vectors @ query
    mean, std = moments.mean_std(query)
    assert mean == pytest.approx(scores.mean(), abs=1e-6) and std == pytest.approx(scores.std(), abs=1e-6)
    mean, std = moments.mean_std(query, vectors[:10])
    assert mean == pytest.approx(scores[10:].mean(), abs=1e-6) and std == pytest.approx(scores[10:].std(), abs=1e-6)
    moments.remove(vectors[:10])
    assert moments.mean_std(query)[0] == pytest.approx(scores[10:].mean(), abs=1e-6)


def test_top_n_scores_are_standardised_like_the_exact_ones():
    vectors = clustered(1000)
    query = vectors[0]
    valid = np.ones(1000, bool)
    valid[5] = False
    exact = dense_doc_scores(NumpyDenseBackend(vectors), query, valid)
    partial = dense_doc_scores(NumpyDenseBackend(vectors), query, valid, top_n=50)
    best = np.argsort(-np.where(valid, exact, -np.inf))[:50]
    assert np.allclose(partial[best], exact[best], atol=1e-4)
    others = np.setdiff1d(np.arange(1000), best)
    unseen = valid.copy()
    unseen[best] = False
    # rows not returned count as average: the exact mean z-score of the unseen valid rows
    assert np.allclose(partial[others], exact[unseen].mean(), atol=1e-4)


def test_numpy_backend_add_and_remove_follow_np_delete_then_append():
    vectors = clustered(10)
    backend = NumpyDenseBackend(vectors.copy())
    backend.remove([2, 5])
    backend.add(vectors[[2]])
    assert backend.n_docs == 9
    assert np.array_equal(backend.embeddings, np.vstack([np.delete(vectors, [2, 5], axis=0), vectors[[2]]]))


def recall_at_10(backend: DenseBackend, vectors: np.ndarray, queries: np.ndarray) -> float:
    found = 0
    for query in queries:
        truth = set(np.argsort(-(vectors @ query))[:10].tolist())
        hits = backend.scores(query, top_n=10)
        found += len(truth & set(hits.rows.tolist()))
    return found / (10 * len(queries))


def test_hnsw_backend_recall_and_row_mapping_after_changes(tmp_path):
    pytest.importorskip("faiss")
    vectors = clustered(3000)
    noisy = vectors[100:130] + 0.3 * np.random.default_rng(1).normal(size=(30, 32)).astype(np.float32)
    queries = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    backend = HnswDenseBackend.build(vectors, ef_search=64)
    assert backend.n_docs == 3000 and recall_at_10(backend, vectors, queries) >= 0.95
    hits = backend.scores(vectors[42], top_n=5)
    assert hits.rows[0] == 42 and hits.similarities[0] == pytest.approx(1.0, abs=1e-5)

    backend.remove([0, 42, 100])
    backend.add(vectors[[42]])
    current = np.vstack([np.delete(vectors, [0, 42, 100], axis=0), vectors[[42]]])
    assert backend.n_docs == current.shape[0]
    hits = backend.scores(vectors[42], top_n=3)
    assert hits.rows[0] == current.shape[0] - 1
    assert recall_at_10(backend, current, queries) >= 0.95
    mean, std = backend.moments(queries[0])
    assert mean == pytest.approx((current @ queries[0]).mean(), abs=1e-5)

    within = np.zeros(backend.n_docs, bool)
    within[:200] = True
    assert np.all(backend.scores(queries[0], top_n=10, within=within).rows < 200)

    backend.save(tmp_path)
    loaded = HnswDenseBackend.load(tmp_path, ef_search=64)
    assert np.array_equal(loaded.scores(queries[1], top_n=10).rows, backend.scores(queries[1], top_n=10).rows)
    assert loaded.moments(queries[0])[0] == pytest.approx(mean, abs=1e-6)


def test_matcher_ranks_alike_through_an_exact_or_a_top_n_backend(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    if not hasattr(matcher, "use_dense_backend"):
        pytest.skip("HybridMatcher.use_dense_backend not wired yet (docs/postgres.md, ranking core change)")
    query = "imagerie IRM du cerveau"
    exact = matcher.search(query, k=3)
    matcher.use_dense_backend(NumpyDenseBackend(np.asarray(matcher.embeddings_)))
    assert [m.org_id for m in matcher.search(query, k=3)] == [m.org_id for m in exact]
    matcher.settings_["dense_top_n"] = matcher.table_.n_docs - 1
    assert matcher.search(query, k=1)[0].org_id == exact[0].org_id
    with pytest.raises(ValueError):
        matcher.use_dense_backend(NumpyDenseBackend(np.asarray(matcher.embeddings_)[:2]))
