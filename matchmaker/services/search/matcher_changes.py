"""Change a fitted HybridMatcher without refitting it: streamed fit, incremental changes, dense backends.

Framework-free (no Flask, no ORM): the functions read and write the matcher's fitted attributes and call
its ``_set_index``, so they can move into ``matchmaker.ranking`` as ``HybridMatcher`` methods unchanged
(see docs/postgres.md, "ranking core change").
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking import EvidenceDoc, HybridMatcher
from matchmaker.ranking.backends import DenseBackend
from matchmaker.ranking.cache import embed_passages
from matchmaker.ranking.lexical import term_counts
from matchmaker.ranking.profile import EvidenceTable
from matchmaker.ranking.settings import merge_settings

try:
    from matchmaker.ranking.settings import resolve_weights
except ImportError:  # ranking cores without learned weights
    resolve_weights = None
from matchmaker.ranking.text import analyse_evidence


def count_terms(docs: Sequence[EvidenceDoc], vocabulary: dict[str, int], terms: list[str]) -> sp.csr_matrix:
    """Return the (len(docs), len(terms)) term counts of ``docs``, adding unseen terms to the vocabulary."""
    tokens = [analyse_evidence(doc.text, doc.kind) for doc in docs]
    for token in (t for doc_tokens in tokens for t in doc_tokens):
        if token not in vocabulary:
            vocabulary[token] = len(terms)
            terms.append(token)
    return term_counts(tokens, vocabulary).tocsr()


def fit_streaming(
    matcher: HybridMatcher, docs: Sequence[EvidenceDoc], embeddings: np.ndarray | None, chunk: int = 20_000
) -> HybridMatcher:
    """Fit ``matcher`` on documents whose embeddings are already known, counting terms chunk by chunk.

    ``HybridMatcher.fit`` keeps every token list and every (row, term, count) triplet in Python lists at
    once (several GB at a million documents); counting chunk by chunk keeps only sparse matrices.
    Scores are those of ``fit``: BM25 does not depend on the order of the vocabulary.
    """
    matcher.settings_ = merge_settings(matcher.settings)
    if resolve_weights is not None:  # fusion weights learned per encoder, as fit() resolves them
        encoder = matcher.encoder.name if matcher.encoder is not None and embeddings is not None else None
        matcher.settings_ = resolve_weights(matcher.settings_, encoder)
    vocabulary: dict[str, int] = {}
    terms: list[str] = []
    parts = [count_terms(docs[start : start + chunk], vocabulary, terms) for start in range(0, len(docs), chunk)]
    parts = [sp.csr_matrix((p.data, p.indices, p.indptr), shape=(p.shape[0], len(terms))) for p in parts]
    counts = sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, 0), dtype=np.float32)
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(f"{doc.id}\t{doc.org_id}\t{doc.kind}\t{doc.source_ref}\t{doc.text}\n".encode())
    matcher._set_index(EvidenceTable.from_docs(docs), terms, counts, embeddings, digest.hexdigest())
    return matcher


def _rows_of(ids: list[str], keys: Sequence[str]) -> np.ndarray:
    """Return the sorted rows of the keys present in ``ids`` (a C-level scan per key for a few keys)."""
    if len(keys) > 64:
        wanted = set(keys)
        return np.asarray([row for row, key in enumerate(ids) if key in wanted], np.int64)
    rows = set()
    for key in keys:
        try:
            rows.add(ids.index(key))
        except ValueError:
            continue
    return np.asarray(sorted(rows), np.int64)


def apply_changes(
    matcher: HybridMatcher,
    upserts: Sequence[EvidenceDoc],
    removed: Collection[str] = (),
    cache_dir: Path | None = None,
) -> tuple[HybridMatcher, np.ndarray]:
    """Return a new fitted matcher with evidence added, replaced or removed, and the dropped rows.

    Kept rows keep their term counts and embeddings; only ``upserts`` are tokenised and encoded. The new
    rows are appended after the kept ones (in order), so row numbers change like ``np.delete`` then
    append — the same rule dense backends follow. BM25 statistics are computed per query, so they are
    up to date without any extra work.
    """
    table = matcher.table_
    dropped = _rows_of(table.ids, [d.id for d in upserts] + list(removed))
    kept = np.setdiff1d(np.arange(table.n_docs), dropped, assume_unique=True) if dropped.size else None
    terms = list(matcher.terms_)
    vocabulary = dict(matcher.vocabulary_)
    added = count_terms(upserts, vocabulary, terms)
    old = matcher.counts_rows_ if kept is None else matcher.counts_rows_[kept]
    old = sp.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], len(terms)))
    counts = sp.vstack([old, added], format="csr")

    org_ids = list(table.org_ids)
    org_index = dict(table.org_index)
    for doc in upserts:
        if doc.org_id not in org_index:
            org_index[doc.org_id] = len(org_ids)
            org_ids.append(doc.org_id)

    def column(values: list, new: list) -> list:
        # Most changes only add rows: copy the list in C instead of gathering it row by row.
        return values + new if kept is None else [values[r] for r in kept] + new

    new_table = EvidenceTable(
        ids=column(table.ids, [d.id for d in upserts]),
        org_ids=org_ids,
        owner=np.concatenate([
            table.owner if kept is None else table.owner[kept],
            np.asarray([org_index[d.org_id] for d in upserts], np.int64),
        ]),
        kinds=column(table.kinds, [d.kind for d in upserts]),
        source_refs=column(table.source_refs, [d.source_ref for d in upserts]),
        texts=column(table.texts, [d.text for d in upserts]),
    )
    embeddings = None
    if matcher.embeddings_ is not None and matcher.encoder is not None:
        limit = matcher.settings_["dense_max_chars"]
        vectors = embed_passages(matcher.encoder, [d.text[:limit] if limit else d.text for d in upserts], cache_dir)
        previous = matcher.embeddings_
        size = previous.shape[0] if kept is None else kept.size
        embeddings = np.empty((size + len(upserts), previous.shape[1]), np.float32)  # one copy, not three
        embeddings[:size] = previous if kept is None else np.asarray(previous)[kept]
        embeddings[size:] = vectors
    digest = hashlib.sha256(matcher.data_hash_.encode())
    for doc in upserts:
        digest.update(f"+{doc.id}\t{doc.org_id}\t{doc.kind}\t{doc.source_ref}\t{doc.text}\n".encode())
    for key in sorted(removed):
        digest.update(f"-{key}\n".encode())
    fresh = HybridMatcher(encoder=matcher.encoder, **matcher.settings)
    fresh.settings_ = matcher.settings_
    fresh._set_index(new_table, terms, counts, embeddings, digest.hexdigest())
    return fresh, dropped


def attach_dense_backend(matcher: HybridMatcher, backend: DenseBackend) -> HybridMatcher:
    """Make ``matcher`` score evidence embeddings through ``backend``; return the matcher."""
    matcher.use_dense_backend(backend)
    return matcher


__all__ = ["apply_changes", "attach_dense_backend", "count_terms", "fit_streaming"]
