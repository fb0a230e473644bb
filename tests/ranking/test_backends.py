"""Dense retrieval backends: exact numpy and faiss HNSW top-n, and the exact moments the core standardises with."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.backends import DenseBackend, DenseMoments, HnswDenseBackend, NumpyDenseBackend


def clustered(n: int, dim: int = 32, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Return normalised vectors around a few centres (random Gaussian vectors make ANN meaningless)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(clusters, size=n)] + 0.4 * rng.normal(size=(n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_numpy_backend_returns_the_exact_nearest_rows_across_chunks():
    vectors = clustered(300_000, dim=8)
    backend = NumpyDenseBackend(vectors)
    assert isinstance(backend, DenseBackend)
    for query in vectors[[3, 150_000, 299_999]]:
        rows, similarities = backend.top(query, 20)
        truth = np.argsort(-(vectors @ query), kind="stable")[:20]
        assert set(rows.tolist()) == set(truth.tolist())
        assert np.all(np.diff(similarities) <= 0)
        assert np.allclose(similarities, vectors[rows] @ query, atol=1e-6)


def test_moments_give_exact_statistics_with_and_without_excluded_rows():
    vectors = clustered(400)
    query = vectors[7]
    moments = DenseMoments.of(vectors)
    mean, std = moments.mean_std(query)
    assert mean == pytest.approx(float((vectors @ query).mean()), abs=1e-5)
    assert std == pytest.approx(float((vectors @ query).std()), abs=1e-5)
    mean, std = moments.mean_std(query, vectors[:10])
    assert mean == pytest.approx(float((vectors[10:] @ query).mean()), abs=1e-5)
    moments.remove(vectors[:10])
    assert moments.mean_std(query)[1] == pytest.approx(std, abs=1e-6)


def test_hnsw_backend_recall_and_memory_mapped_reload(tmp_path):
    pytest.importorskip("faiss")
    vectors = clustered(3000)
    queries = clustered(20, seed=1)
    backend = HnswDenseBackend.build(vectors, m=32, ef_construction=80, ef_search=200)
    found = 0
    for query in queries:
        rows, similarities = backend.top(query, 10)
        truth = np.argsort(-(vectors @ query))[:10]
        found += len(set(rows.tolist()) & set(truth.tolist()))
        assert np.allclose(similarities, vectors[rows] @ query, atol=1e-5)
    assert found / 200 >= 0.9
    backend.save(tmp_path)
    loaded = HnswDenseBackend.load(tmp_path, ef_search=200)
    assert np.array_equal(loaded.top(queries[1], 10)[0], backend.top(queries[1], 10)[0])


def test_matcher_ranks_alike_through_the_exact_or_the_hnsw_backend(docs, fake_encoder):
    pytest.importorskip("faiss")
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    queries = ("imagerie IRM du cerveau", "diagnostic microfluidique", "immunothérapie du cancer")
    exact = {q: matcher.search(q, k=3) for q in queries}
    vectors = matcher.index.embeddings_of(np.arange(matcher.index.n_rows))
    matcher.use_dense_backend(HnswDenseBackend.build(vectors, m=8, ef_construction=40, ef_search=40))
    for query in queries:
        assert matcher.search(query, k=3) == exact[query]
    matcher.use_dense_backend(None)
    assert matcher.search(queries[0], k=3) == exact[queries[0]]
