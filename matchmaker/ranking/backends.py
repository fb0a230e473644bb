"""Dense retrieval backends: where evidence embeddings are searched for the nearest rows of a query.

The ranking core asks a backend for the ``n`` evidence rows nearest to a query vector (cosine, i.e.
inner product of normalised vectors) and computes every score itself, on the candidates, from the
index's own embeddings and exact moments, so every backend feeds the same ranking. Rows are numbered
like the evidence index's base rows (rows added since the base are searched by the index itself).

Backends here are framework-free: an exact numpy one (memory-mapped matrix, the embedded default) and
a faiss HNSW graph. The PostgreSQL + pgvector backend lives in ``matchmaker.services.search.vectors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

_CHUNK = 65_536


@runtime_checkable
class DenseBackend(Protocol):
    """Find the evidence rows nearest to a query vector."""

    @property
    def n_docs(self) -> int:
        """Number of evidence rows the backend serves."""
        ...

    def top(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows of the ``n`` nearest rows (best first) and their cosine similarities.

        Args:
            query: (dim,) L2-normalised query vector.
            n: number of rows wanted.

        Returns:
            ((m,) int64 rows, (m,) float32 similarities), m <= n.
        """
        ...


@dataclass
class DenseMoments:
    """First and second moments of a set of vectors: exact score statistics without scoring every row.

    For a query q, the mean similarity is q·total/count and the mean squared similarity is
    qᵀ·outer·q/count, so a top-n backend can still standardise its scores like an exact one.
    """

    dim: int
    count: int = 0
    total: np.ndarray = field(default=None)  # type: ignore[assignment]
    outer: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.total is None:
            self.total = np.zeros(self.dim, np.float64)
        if self.outer is None:
            self.outer = np.zeros((self.dim, self.dim), np.float64)

    @classmethod
    def of(cls, vectors: np.ndarray) -> DenseMoments:
        """Return the moments of a (n, dim) array, read in chunks (works on memory maps)."""
        moments = cls(dim=int(vectors.shape[1]))
        moments.add(vectors)
        return moments

    def add(self, vectors: np.ndarray, sign: int = 1) -> None:
        """Add (sign 1) or subtract (sign -1) the contribution of (n, dim) vectors."""
        for start in range(0, len(vectors), _CHUNK):
            chunk = np.asarray(vectors[start : start + _CHUNK], np.float64)
            self.count += sign * len(chunk)
            self.total += sign * chunk.sum(axis=0)
            self.outer += sign * (chunk.T @ chunk)

    def remove(self, vectors: np.ndarray) -> None:
        """Subtract the contribution of (n, dim) vectors."""
        self.add(vectors, sign=-1)

    def mean_std(self, query: np.ndarray, excluded: np.ndarray | None = None) -> tuple[float, float]:
        """Return the mean and deviation of q·v over the vectors, minus the (k, dim) ``excluded`` ones."""
        q = np.asarray(query, np.float64)
        count, total, square = self.count, q @ self.total, q @ self.outer @ q
        if excluded is not None and len(excluded):
            scores = np.asarray(excluded, np.float64) @ q
            count, total, square = count - len(scores), total - scores.sum(), square - (scores**2).sum()
        if count <= 0:
            return 0.0, 0.0
        mean = total / count
        return float(mean), float(np.sqrt(max(square / count - mean * mean, 0.0)))


def top_rows(similarities: np.ndarray, n: int) -> np.ndarray:
    """Return the positions of the ``n`` largest values, best first (argpartition, then sort n)."""
    if similarities.size == 0 or n <= 0:
        return np.zeros(0, np.int64)
    if n < similarities.size:
        best = np.argpartition(-similarities, n - 1)[:n]
    else:
        best = np.arange(similarities.size)
    return best[np.lexsort((best, -similarities[best]))]


class NumpyDenseBackend:
    """Exact brute-force search over an in-memory or memory-mapped (n_docs, dim) float32 matrix."""

    def __init__(self, embeddings: np.ndarray) -> None:
        self.embeddings = embeddings

    @property
    def n_docs(self) -> int:
        """Number of evidence rows."""
        return int(self.embeddings.shape[0])

    def top(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Score every row (chunked over memory maps) and keep the ``n`` best."""
        rows, values = [], []
        q = np.asarray(query, np.float32)
        for start in range(0, self.n_docs, 4 * _CHUNK):
            similarities = np.asarray(self.embeddings[start : start + 4 * _CHUNK] @ q, np.float32)
            best = top_rows(similarities, n)
            rows.append(best + start)
            values.append(similarities[best])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        rows_all, values_all = np.concatenate(rows), np.concatenate(values)
        best = top_rows(values_all, n)
        return rows_all[best].astype(np.int64), values_all[best]


class HnswDenseBackend:
    """Approximate search with an in-process HNSW graph (faiss, inner product on normalised vectors).

    Args:
        dim: vector dimension.
        m: graph degree (faiss ``M``); 32 suits 384-dim sentence embeddings.
        ef_construction: candidate list size while building.
        ef_search: candidate list size while searching (raised to ``n`` when smaller).
    """

    def __init__(self, dim: int, m: int = 32, ef_construction: int = 80, ef_search: int = 128) -> None:
        import faiss  # pip install faiss-cpu

        self.dim, self.m, self.ef_construction, self.ef_search = dim, m, ef_construction, ef_search
        self.index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = ef_construction

    @classmethod
    def build(cls, embeddings: np.ndarray, **options: int) -> HnswDenseBackend:
        """Return a backend holding every row of a (n, dim) array (memory maps are read in chunks)."""
        backend = cls(dim=int(embeddings.shape[1]), **options)
        for start in range(0, len(embeddings), _CHUNK):
            backend.index.add(np.ascontiguousarray(embeddings[start : start + _CHUNK], np.float32))
        return backend

    @property
    def n_docs(self) -> int:
        """Number of evidence rows."""
        return int(self.index.ntotal)

    def top(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the approximate ``n`` nearest rows."""
        import faiss

        wanted = min(n, self.n_docs)
        if wanted <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(self.ef_search, wanted)
        similarities, labels = self.index.search(np.asarray(query, np.float32)[None, :], wanted, params=params)
        found = labels[0] >= 0
        return labels[0][found].astype(np.int64), similarities[0][found].astype(np.float32)

    def save(self, path: Path) -> None:
        """Write the graph into the directory ``path``."""
        import faiss

        path.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(path / "hnsw.faiss"))

    @classmethod
    def load(cls, path: Path, ef_search: int = 128) -> HnswDenseBackend:
        """Read a graph written by ``save`` (memory-mapped)."""
        import faiss

        index = faiss.read_index(str(path / "hnsw.faiss"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        backend = cls.__new__(cls)
        backend.dim, backend.m, backend.ef_construction, backend.ef_search = index.d, 0, 0, ef_search
        backend.index = index
        return backend


__all__ = [
    "DenseBackend",
    "DenseMoments",
    "HnswDenseBackend",
    "NumpyDenseBackend",
    "top_rows",
]
