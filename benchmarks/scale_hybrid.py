"""The whole HybridMatcher.search (BM25 + dense + aggregation + fusion) at scale, for the scale benchmark.

Two variants on the same synthetic corpus:

- ``exact``: the ranking core as it is, dense scores from the in-memory matrix (every row, numpy);
- ``ann``: the same core with its dense side answered by the faiss HNSW backend
  (``HybridMatcher.use_dense_backend`` and the ``dense_top_n`` setting: top-n rows, the others count
  as average).

It also times ``apply_changes`` (one new profile of 3 evidence documents made searchable).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from scale_corpus import read_docs
from scale_worker import peak_rss_mib, percentiles, time_queries

from matchmaker.ranking import EvidenceDoc, HybridMatcher
from matchmaker.ranking.backends import HnswDenseBackend
from matchmaker.services.search.indexing import apply_changes, fit_streaming


class LookupEncoder:
    """Encoder returning precomputed vectors for the benchmark queries (no model in the timings)."""

    def __init__(self, name: str, vectors: dict[str, np.ndarray]) -> None:
        self.name, self.vectors = name, vectors
        self.dim = len(next(iter(vectors.values())))

    def encode_queries(self, texts):
        return np.stack([self.vectors[t] for t in texts])

    def encode_passages(self, texts):
        raise RuntimeError("passages are embedded beforehand in the scale benchmark")


def overlap(left: list[str], right: list[str]) -> float:
    """Return |left ∩ right| / len(left)."""
    return len(set(left) & set(right)) / max(len(left), 1)


def build_hybrid(job: dict) -> tuple[dict, object]:
    """Fit the hybrid matcher on the corpus and measure both variants; return (results, ann search)."""
    corpus, size = Path(job["corpus"]), job["size"]
    texts = json.loads(Path(job["query_texts"]).read_text())
    vectors = np.load(job["queries"])
    count = min(job["hybrid_queries"], len(texts))
    encoder = LookupEncoder("bench", {t: v for t, v in zip(texts, vectors, strict=True)})
    result: dict = {"backend": "hybrid", "size": size}

    started = time.perf_counter()
    docs = list(read_docs(corpus, size))
    embeddings = np.ascontiguousarray(np.load(corpus / "vectors.npy", mmap_mode="r")[:size])
    matcher = fit_streaming(HybridMatcher(encoder=encoder), docs, embeddings)
    del docs
    result["build_s"] = round(time.perf_counter() - started, 1)
    result["docs_per_s"] = round(size / result["build_s"])
    result["peak_rss_build_mib"] = peak_rss_mib()

    exact = {i: [m.org_id for m in matcher.search(texts[i], k=10)] for i in range(count)}
    result["exact_latency_ms"] = time_queries(lambda i: matcher.search(texts[i], k=10), count, passes=1)

    saved = Path(job["workdir"]) / f"hnsw-{size}"
    if (saved / "hnsw.faiss").exists():
        backend = HnswDenseBackend.load(saved, ef_search=job["hybrid_ef_search"])
    else:
        backend = HnswDenseBackend.build(embeddings, ef_search=job["hybrid_ef_search"])
    matcher.use_dense_backend(backend)
    matcher.settings_["dense_top_n"] = job["dense_top_n"]
    agreement = [overlap(exact[i], [m.org_id for m in matcher.search(texts[i], k=10)]) for i in range(count)]
    result["ann_vs_exact_top10_overlap"] = round(float(np.mean(agreement)), 4)
    result["ann_latency_ms"] = time_queries(lambda i: matcher.search(texts[i], k=10), count, passes=1)
    result["dense_top_n"] = job["dense_top_n"]

    profile = [
        EvidenceDoc(f"new:{n}/e{j}", f"new:{n}", f"Imagerie médicale par IRM bas champ, essai {n} étape {j}", "text")
        for n in range(5)
        for j in range(3)
    ]
    timings = []
    for n in range(5):
        started = time.perf_counter()
        apply_changes_with_vectors(matcher, profile[3 * n : 3 * n + 3], embeddings[:3])
        timings.append(1000 * (time.perf_counter() - started))
    result["incremental_add_ms"] = percentiles(timings)
    result["peak_rss_mib"] = peak_rss_mib()

    def search(i: int) -> list[int]:
        """Serve the ANN variant."""
        return [hash(m.org_id) for m in matcher.search(texts[i % len(texts)], k=10)]

    return result, search


def apply_changes_with_vectors(matcher: HybridMatcher, docs: list[EvidenceDoc], vectors: np.ndarray):
    """Run apply_changes with known vectors for the new documents (the benchmark has no encoder)."""
    real = matcher.encoder
    known = {d.text: v for d, v in zip(docs, vectors, strict=True)}

    class Known:
        name, dim = real.name, real.dim

        def encode_passages(self, texts):
            return np.stack([known[t] for t in texts])

    matcher.encoder = Known()
    try:
        return apply_changes(matcher, docs)
    finally:
        matcher.encoder = real
