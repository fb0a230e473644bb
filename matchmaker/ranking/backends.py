"""Dense retrieval backends: where evidence embeddings live and who scores them against a query.

The ranking core asks a backend for cosine similarities between one query vector and the evidence
rows of its index — every row for an exact backend, the best ``top_n`` for an approximate one — and
keeps normalisation, aggregation and fusion for itself, so every backend feeds the same ranking.
Rows are numbered like the matcher's evidence table; ``add`` appends rows and ``remove`` deletes rows
the way ``np.delete`` does, so an incremental update keeps both numberings equal.

Backends here are framework-free: an exact numpy one (the embedded default) and an optional faiss HNSW
graph. The PostgreSQL + pgvector backend lives in ``matchmaker.services.search.vectors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from matchmaker.ranking.scoring import zscore

_CHUNK = 65_536


@dataclass(frozen=True)
class DenseHits:
    """Similarities a backend computed for one query.

    Attributes:
        rows: (m,) int64 evidence rows, or None for "every row, in row order".
        similarities: (m,) float32 cosine similarities (``n_docs`` of them when ``rows`` is None).
        exhaustive: True when every row was scored, False for an approximate top-n answer.
    """

    rows: np.ndarray | None
    similarities: np.ndarray
    exhaustive: bool


@runtime_checkable
class DenseBackend(Protocol):
    """Score evidence embeddings against a query vector."""

    @property
    def n_docs(self) -> int:
        """Number of evidence rows the backend serves."""
        ...

    def scores(self, query: np.ndarray, top_n: int | None = None, within: np.ndarray | None = None) -> DenseHits:
        """Return the similarities of every row (``top_n`` None) or of the ``top_n`` best rows.

        Args:
            query: (dim,) L2-normalised query vector.
            top_n: number of rows wanted; None asks for every row (exact backends only).
            within: optional (n_docs,) bool mask of the rows allowed in a top-n answer.
        """
        ...

    def moments(self, query: np.ndarray, excluded: np.ndarray | None = None) -> tuple[float, float]:
        """Return the mean and standard deviation of the similarities over all rows but ``excluded``."""
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


def _top_rows(similarities: np.ndarray, top_n: int, within: np.ndarray | None) -> np.ndarray:
    """Return the rows of the ``top_n`` best similarities (restricted to ``within``), best first."""
    rows = np.flatnonzero(within) if within is not None else np.arange(similarities.size)
    if rows.size == 0 or top_n <= 0:
        return np.zeros(0, np.int64)
    values = similarities[rows]
    if top_n < rows.size:
        part = np.argpartition(-values, top_n - 1)[:top_n]
        rows, values = rows[part], values[part]
    return rows[np.argsort(-values, kind="stable")]


class NumpyDenseBackend:
    """Exact brute-force search over an in-memory or memory-mapped (n_docs, dim) float32 matrix."""

    def __init__(self, embeddings: np.ndarray) -> None:
        self.embeddings = embeddings

    @property
    def n_docs(self) -> int:
        """Number of evidence rows."""
        return int(self.embeddings.shape[0])

    def scores(self, query: np.ndarray, top_n: int | None = None, within: np.ndarray | None = None) -> DenseHits:
        """Score every row; with ``top_n``, keep the best rows only (argpartition, then sort top_n)."""
        similarities = np.asarray(self.embeddings @ query, np.float32)
        if top_n is None:
            return DenseHits(rows=None, similarities=similarities, exhaustive=True)
        rows = _top_rows(similarities, top_n, within)
        return DenseHits(rows=rows, similarities=similarities[rows], exhaustive=False)

    def moments(self, query: np.ndarray, excluded: np.ndarray | None = None) -> tuple[float, float]:
        """Return the exact mean and deviation of the similarities over the rows not excluded."""
        similarities = np.asarray(self.embeddings @ query, np.float32)
        keep = np.ones(similarities.size, bool)
        if excluded is not None:
            keep[excluded] = False
        if not keep.any():
            return 0.0, 0.0
        return float(similarities[keep].mean()), float(similarities[keep].std())

    def add(self, vectors: np.ndarray) -> None:
        """Append (n, dim) rows."""
        self.embeddings = np.vstack([np.asarray(self.embeddings), np.asarray(vectors, np.float32)])

    def remove(self, rows: Sequence[int] | np.ndarray) -> None:
        """Delete rows; later rows move down like ``np.delete``."""
        self.embeddings = np.delete(np.asarray(self.embeddings), np.asarray(rows, np.int64), axis=0)


class HnswDenseBackend:
    """Approximate search with an in-process HNSW graph (faiss, inner product on normalised vectors).

    Removal marks graph nodes as deleted (HNSW graphs cannot drop nodes); ``rebuild`` compacts.

    Args:
        dim: vector dimension.
        m: graph degree (faiss ``M``); 32 suits 384-dim sentence embeddings.
        ef_construction: candidate list size while building.
        ef_search: default candidate list size while searching (raised to ``top_n`` when smaller).
        top_n: rows returned when a caller asks for every row (an approximate backend never scores all).
    """

    def __init__(
        self, dim: int, m: int = 32, ef_construction: int = 80, ef_search: int = 128, top_n: int = 1000
    ) -> None:
        import faiss  # optional dependency: pip install faiss-cpu

        self.dim, self.m, self.ef_construction, self.ef_search, self.top_n = dim, m, ef_construction, ef_search, top_n
        self.index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = ef_construction
        self.moments_ = DenseMoments(dim)
        self.row_of_label = np.zeros(0, np.int64)  # graph label -> matcher row, -1 once removed
        self.label_of_row = np.zeros(0, np.int64)  # matcher row -> graph label

    @classmethod
    def build(cls, embeddings: np.ndarray, **options: int) -> HnswDenseBackend:
        """Return a backend holding every row of a (n, dim) array (memory maps are read in chunks)."""
        backend = cls(dim=int(embeddings.shape[1]), **options)
        backend.add(embeddings)
        return backend

    @property
    def n_docs(self) -> int:
        """Number of live evidence rows."""
        return int(self.label_of_row.size)

    def add(self, vectors: np.ndarray) -> None:
        """Append (n, dim) rows to the graph."""
        first_label = self.index.ntotal
        for start in range(0, len(vectors), _CHUNK):
            chunk = np.ascontiguousarray(vectors[start : start + _CHUNK], np.float32)
            self.index.add(chunk)
            self.moments_.add(chunk)
        labels = np.arange(first_label, self.index.ntotal, dtype=np.int64)
        self.row_of_label = np.concatenate([self.row_of_label, self.n_docs + np.arange(labels.size)])
        self.label_of_row = np.concatenate([self.label_of_row, labels])

    def remove(self, rows: Sequence[int] | np.ndarray) -> None:
        """Delete rows (their graph nodes stay as tombstones); later rows move down like ``np.delete``."""
        rows = np.unique(np.asarray(rows, np.int64))
        if rows.size == 0:
            return
        labels = self.label_of_row[rows]
        self.moments_.remove(self._vectors(labels))
        self.row_of_label[labels] = -1
        live = self.row_of_label >= 0
        self.row_of_label[live] -= np.searchsorted(rows, self.row_of_label[live])
        self.label_of_row = np.delete(self.label_of_row, rows)

    def _vectors(self, labels: np.ndarray) -> np.ndarray:
        return np.stack([self.index.reconstruct(int(label)) for label in labels]) if labels.size else None

    def scores(self, query: np.ndarray, top_n: int | None = None, within: np.ndarray | None = None) -> DenseHits:
        """Return the approximate ``top_n`` best rows (``self.top_n`` when None)."""
        import faiss

        wanted = min(top_n or self.top_n, self.n_docs)
        if wanted <= 0:
            return DenseHits(rows=np.zeros(0, np.int64), similarities=np.zeros(0, np.float32), exhaustive=False)
        allowed = self.row_of_label >= 0
        if within is not None:
            allowed[allowed] = within[self.row_of_label[allowed]]
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(self.ef_search, wanted)
        if not allowed.all():
            bitmap = np.packbits(allowed, bitorder="little")
            params.sel = faiss.IDSelectorBitmap(allowed.size, faiss.swig_ptr(bitmap))
        similarities, labels = self.index.search(np.asarray(query, np.float32)[None, :], wanted, params=params)
        found = labels[0] >= 0
        rows = self.row_of_label[labels[0][found]]
        return DenseHits(rows=rows, similarities=similarities[0][found].astype(np.float32), exhaustive=False)

    def moments(self, query: np.ndarray, excluded: np.ndarray | None = None) -> tuple[float, float]:
        """Return the exact mean and deviation of the similarities over the rows not excluded."""
        vectors = None
        if excluded is not None and len(excluded):
            vectors = self._vectors(self.label_of_row[np.asarray(excluded, np.int64)])
        return self.moments_.mean_std(query, vectors)

    def save(self, path: Path) -> None:
        """Write the graph and the row mapping into the directory ``path``."""
        import faiss

        path.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(path / "hnsw.faiss"))
        np.save(path / "hnsw_rows.npy", self.row_of_label, allow_pickle=False)
        np.save(path / "hnsw_outer.npy", self.moments_.outer, allow_pickle=False)
        np.save(path / "hnsw_total.npy", self.moments_.total, allow_pickle=False)

    @classmethod
    def load(cls, path: Path, top_n: int = 1000, ef_search: int = 128) -> HnswDenseBackend:
        """Read a backend written by ``save``."""
        import faiss

        index = faiss.read_index(str(path / "hnsw.faiss"))
        backend = cls(dim=index.d, top_n=top_n, ef_search=ef_search)
        backend.index = index
        backend.row_of_label = np.load(path / "hnsw_rows.npy", allow_pickle=False)
        live = np.flatnonzero(backend.row_of_label >= 0)
        backend.label_of_row = live[np.argsort(backend.row_of_label[live])]
        backend.moments_ = DenseMoments(
            dim=index.d,
            count=int(live.size),
            total=np.load(path / "hnsw_total.npy", allow_pickle=False),
            outer=np.load(path / "hnsw_outer.npy", allow_pickle=False),
        )
        return backend


def dense_doc_scores(
    backend: DenseBackend, query: np.ndarray, valid: np.ndarray, top_n: int | None = None
) -> np.ndarray:
    """Return standardised dense evidence scores, the same way for exact and approximate backends.

    An exhaustive answer is standardised over the valid rows exactly as the core always did. A top-n
    answer is standardised with the backend's exact moments; every row it did not return gets the mean
    z-score of those rows (known exactly: all valid z-scores sum to 0), capped by the lowest returned one,
    so aggregation and fusion code never change and unseen rows count as average, not as relevant.

    Args:
        backend: the dense backend of the index.
        query: (dim,) query vector.
        valid: (n_docs,) bool, False for evidence left out.
        top_n: rows asked from the backend; None asks for every row.

    Returns:
        (n_docs,) float32 z-scores.
    """
    hits = backend.scores(query, top_n)
    n_docs = valid.size
    if hits.exhaustive:
        if hits.rows is None:
            return zscore(hits.similarities, valid)
        full = np.zeros(n_docs, np.float32)
        full[hits.rows] = hits.similarities
        return zscore(full, valid)
    rows = np.asarray(hits.rows, np.int64)
    keep = valid[rows]
    rows, similarities = rows[keep], hits.similarities[keep]
    mean, std = backend.moments(query, np.flatnonzero(~valid))
    z = ((similarities - mean) / std).astype(np.float32) if std > 1e-12 else np.zeros(rows.size, np.float32)
    unseen = int(valid.sum()) - rows.size
    fill = min(-float(z.sum()) / unseen, float(z.min())) if unseen > 0 and z.size else 0.0
    out = np.full(n_docs, fill, np.float32)
    out[rows] = z
    return out


__all__ = [
    "DenseBackend",
    "DenseHits",
    "DenseMoments",
    "HnswDenseBackend",
    "NumpyDenseBackend",
    "dense_doc_scores",
]
