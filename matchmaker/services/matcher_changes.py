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
from matchmaker.ranking.text import analyse


def count_terms(docs: Sequence[EvidenceDoc], vocabulary: dict[str, int], terms: list[str]) -> sp.csr_matrix:
    """Return the (len(docs), len(terms)) term counts of ``docs``, adding unseen terms to the vocabulary."""
    tokens = [analyse(doc.text) for doc in docs]
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
    row_of = {key: row for row, key in enumerate(table.ids)}
    gone = [row_of[d.id] for d in upserts if d.id in row_of] + [row_of[k] for k in removed if k in row_of]
    dropped = np.unique(np.asarray(gone, np.int64))
    kept = np.setdiff1d(np.arange(table.n_docs), dropped, assume_unique=True)
    terms = list(matcher.terms_)
    vocabulary = dict(matcher.vocabulary_)
    added = count_terms(upserts, vocabulary, terms)
    old = matcher.counts_rows_[kept]
    old = sp.csr_matrix((old.data, old.indices, old.indptr), shape=(kept.size, len(terms)))
    counts = sp.vstack([old, added], format="csr")

    org_ids = list(table.org_ids)
    org_index = dict(table.org_index)
    for doc in upserts:
        if doc.org_id not in org_index:
            org_index[doc.org_id] = len(org_ids)
            org_ids.append(doc.org_id)
    new_table = EvidenceTable(
        ids=[table.ids[r] for r in kept] + [d.id for d in upserts],
        org_ids=org_ids,
        owner=np.concatenate([table.owner[kept], np.asarray([org_index[d.org_id] for d in upserts], np.int64)]),
        kinds=[table.kinds[r] for r in kept] + [d.kind for d in upserts],
        source_refs=[table.source_refs[r] for r in kept] + [d.source_ref for d in upserts],
        texts=[table.texts[r] for r in kept] + [d.text for d in upserts],
    )
    embeddings = None
    if matcher.embeddings_ is not None and matcher.encoder is not None:
        limit = matcher.settings_["dense_max_chars"]
        vectors = embed_passages(matcher.encoder, [d.text[:limit] if limit else d.text for d in upserts], cache_dir)
        embeddings = np.vstack([np.asarray(matcher.embeddings_)[kept], vectors]).astype(np.float32)
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
