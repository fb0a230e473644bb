"""BM25 over sparse term counts, with statistics recomputed per query for leave-one-out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


def build_vocabulary(token_lists: Sequence[Sequence[str]]) -> dict[str, int]:
    """Return a term -> column mapping, terms sorted for a deterministic index."""
    terms = sorted({token for tokens in token_lists for token in tokens})
    return {term: i for i, term in enumerate(terms)}


def term_counts(token_lists: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> sp.csc_matrix:
    """Count terms per document.

    Returns:
        csc matrix of shape (n_docs, n_terms), float32 term frequencies.
    """
    rows, cols, values = [], [], []
    for row, tokens in enumerate(token_lists):
        for term, count in Counter(t for t in tokens if t in vocabulary).items():
            rows.append(row)
            cols.append(vocabulary[term])
            values.append(count)
    shape = (len(token_lists), len(vocabulary))
    matrix = sp.csc_matrix((np.asarray(values, np.float32), (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    return matrix


def query_terms(tokens: Sequence[str], vocabulary: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Map query tokens to known columns with a sub-linear query-frequency weight.

    Returns:
        (columns, weights), both of shape (n_query_terms,).
    """
    counts = Counter(t for t in tokens if t in vocabulary)
    columns = np.fromiter((vocabulary[t] for t in counts), dtype=np.int64, count=len(counts))
    weights = np.fromiter((1.0 + np.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
    return columns, weights


def bm25_scores(
    counts: sp.csc_matrix,
    lengths: np.ndarray,
    columns: np.ndarray,
    weights: np.ndarray,
    removed: sp.csr_matrix | None = None,
    removed_lengths: np.ndarray | None = None,
    k1: float = 1.2,
    b: float = 0.75,
) -> np.ndarray:
    """Score every row of ``counts`` against one query with BM25.

    Args:
        counts: (n_rows, n_terms) term frequencies.
        lengths: (n_rows,) row lengths in tokens.
        columns: (q,) query term columns; weights: (q,) query term weights.
        removed: optional (n_rows, q) counts to subtract (leave-one-out), restricted to ``columns``.
        removed_lengths: optional (n_rows,) lengths to subtract.
        k1, b: BM25 parameters.

    Returns:
        (n_rows,) float32 scores; rows with no query term score 0.
    """
    n_rows = counts.shape[0]
    if len(columns) == 0:
        return np.zeros(n_rows, np.float32)
    sub = counts[:, columns]
    if removed is not None and removed.nnz:
        sub = (sub - removed).tocsc()
        sub.eliminate_zeros()
    lengths = lengths if removed_lengths is None else lengths - removed_lengths
    coo = sub.tocoo()
    rows, cols, tf = coo.row, coo.col, coo.data
    live = lengths > 0
    n_live = max(int(live.sum()), 1)
    avg_length = max(float(lengths[live].mean()) if live.any() else 1.0, 1.0)
    df = np.bincount(cols, minlength=len(columns)).astype(np.float32)
    idf = np.log1p((n_live - df + 0.5) / (df + 0.5))
    norm = k1 * (1.0 - b + b * lengths[rows] / avg_length)
    contribution = idf[cols] * weights[cols] * tf * (k1 + 1.0) / (tf + norm)
    return np.bincount(rows, weights=contribution, minlength=n_rows).astype(np.float32)


def tfidf_rows(counts: sp.csc_matrix) -> tuple[sp.csc_matrix, np.ndarray]:
    """Return sub-linear TF-IDF rows of unit length, and the idf used.

    Returns:
        ((n_rows, n_terms) csc matrix of (1 + log tf) * idf / row norm, (n_terms,) idf).
    """
    df = np.diff(counts.indptr).astype(np.float32)
    idf = (np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)
    weighted = counts.copy().astype(np.float32)
    weighted.data = (1.0 + np.log(weighted.data)) * np.repeat(idf, np.diff(counts.indptr))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    scale = sp.diags(1.0 / np.maximum(norms, 1e-12))
    return (scale @ weighted).tocsc().astype(np.float32), idf


def cosine_scores(rows: sp.csc_matrix, idf: np.ndarray, columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the cosine between each TF-IDF row and the query.

    Args:
        rows: (n_rows, n_terms) unit TF-IDF rows from ``tfidf_rows``.
        idf: (n_terms,) idf from ``tfidf_rows``.
        columns: (q,) query term columns; weights: (q,) sub-linear query term frequencies.

    Returns:
        (n_rows,) float32 cosines in [0, 1].
    """
    if len(columns) == 0:
        return np.zeros(rows.shape[0], np.float32)
    query = weights * idf[columns]
    query = query / max(float(np.linalg.norm(query)), 1e-12)
    return np.asarray(rows[:, columns] @ query, np.float32).ravel()
