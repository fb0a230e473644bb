"""Incremental indexing: make new or edited evidence searchable in well under a second, on both databases.

A full rebuild (``SearchEngine.build``) refits everything and swaps the index directory atomically.
Between rebuilds, ``IncrementalSearchEngine.refresh`` reads only the evidence written since the served
index (by ``updated_at`` and id), tokenises and encodes only those texts, and serves a new matcher made
of the kept rows plus the new ones (copy-on-write: requests in flight keep the old one). On PostgreSQL
the new vectors are upserted into ``evidence_embeddings`` (the HNSW index takes them at once) and the
dense side is answered by pgvector.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from matchmaker.models import Evidence, Organisation
from matchmaker.ranking import EvidenceDoc, HybridMatcher
from matchmaker.ranking.backends import DenseBackend
from matchmaker.ranking.cache import embed_passages
from matchmaker.ranking.errors import IndexMissingError
from matchmaker.ranking.lexical import term_counts
from matchmaker.ranking.profile import EvidenceTable
from matchmaker.ranking.settings import merge_settings
from matchmaker.ranking.text import analyse
from matchmaker.services.catalogue import catalogue_fingerprint
from matchmaker.services.engine import OrganisationFacet, SearchEngine
from matchmaker.services.vectors import PgvectorDenseBackend, evidence_ids, is_postgresql, sync_embeddings

logger = logging.getLogger(__name__)

WRITE_MARGIN = timedelta(minutes=5)
"""Rows stamped this long before the last seen change are read again: a transaction that flushed
before the previous refresh but committed after it is still caught (unchanged rows are skipped)."""


@dataclass
class CatalogueDelta:
    """Evidence to (re)index and evidence keys to drop since the served index."""

    upserts: list[EvidenceDoc] = field(default_factory=list)
    upsert_ids: list[int] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.removed)


def _parse_fingerprint(fingerprint: str | None) -> tuple[int, int, datetime] | None:
    """Split a ``count:max_id:max_updated_at`` catalogue fingerprint."""
    try:
        count, max_id, stamp = (fingerprint or "").split(":", 2)
        return int(count), int(max_id), datetime.fromisoformat(str(stamp))
    except ValueError:
        return None


def catalogue_delta(session: Session, table: EvidenceTable, since: str | None, now: str) -> CatalogueDelta | None:
    """Return what changed in the evidence since fingerprint ``since`` (``now`` is the current one).

    Returns None when the change cannot be told apart from the fingerprints (the caller rebuilds).
    """
    previous, current = _parse_fingerprint(since), _parse_fingerprint(now)
    if previous is None or current is None:
        return None
    count = current[0]
    _, max_id, stamp = previous
    row_of = {key: row for row, key in enumerate(table.ids)}
    delta = CatalogueDelta()
    rows = session.execute(
        select(Evidence.id, Evidence.key, Organisation.key, Evidence.text, Evidence.kind, Evidence.source_ref)
        .join(Organisation, Evidence.organisation_id == Organisation.id)
        .where(or_(Evidence.updated_at >= stamp - WRITE_MARGIN, Evidence.id > max_id))
        .order_by(Evidence.id)
    )
    new_keys = 0
    for evidence_id, key, org_key, body, kind, source_ref in rows:
        row = row_of.get(key)
        if row is None:
            new_keys += 1
        elif (table.texts[row], table.org_ids[table.owner[row]], table.kinds[row], table.source_refs[row]) == (
            body,
            org_key,
            kind,
            source_ref,
        ):
            continue
        delta.upserts.append(EvidenceDoc(id=key, org_id=org_key, text=body, kind=kind, source_ref=source_ref))
        delta.upsert_ids.append(evidence_id)
    if count != table.n_docs + new_keys:
        present = set(session.scalars(select(Evidence.key)))
        delta.removed = [key for key in table.ids if key not in present]
        if count != table.n_docs + new_keys - len(delta.removed):
            return None
    return delta


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


class BackendScores:
    """Stand-in for ``matcher.embeddings_`` that routes ``embeddings_ @ query`` to a dense backend.

    Transitional wiring until ``HybridMatcher.use_dense_backend`` exists (see docs/postgres.md): the
    core computes ``embeddings_ @ vector`` then standardises it over the valid rows, so an exhaustive
    backend gives exactly the figures of the in-memory matrix. Saving the index still writes the
    in-memory matrix (``__array__``).
    """

    def __init__(self, backend: DenseBackend, embeddings: Any) -> None:
        self.backend = backend
        self.embeddings = embeddings

    @property
    def shape(self) -> tuple[int, int]:
        return (self.backend.n_docs, int(self.embeddings.shape[1]))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return np.asarray(self.embeddings, dtype=dtype)

    def __matmul__(self, query: np.ndarray) -> np.ndarray:
        hits = self.backend.scores(query, None)
        if hits.rows is None:
            return hits.similarities
        full = np.zeros(self.backend.n_docs, np.float32)
        full[hits.rows] = hits.similarities
        return full


def attach_dense_backend(matcher: HybridMatcher, backend: DenseBackend) -> HybridMatcher:
    """Make ``matcher`` score evidence embeddings through ``backend``; return the matcher."""
    if hasattr(matcher, "use_dense_backend"):  # once the ranking core takes a backend itself
        return matcher.use_dense_backend(backend)
    if matcher.embeddings_ is not None:
        raw = matcher.embeddings_.embeddings if isinstance(matcher.embeddings_, BackendScores) else matcher.embeddings_
        matcher.embeddings_ = BackendScores(backend, raw)
    return matcher


class IncrementalSearchEngine(SearchEngine):
    """SearchEngine whose refresh applies catalogue changes in place of a full rebuild.

    On PostgreSQL the dense side is served by pgvector (``evidence_embeddings``); on SQLite by the
    in-memory matrix, as before. A change touching more than ``max_delta`` of the evidence rows falls
    back to a full rebuild.
    """

    def __init__(self, *args: Any, max_delta: float = 0.2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_delta = max_delta
        self._served: HybridMatcher | None = None  # the matcher whose dense backend is attached
        self._row_ids: np.ndarray | None = None  # evidence database id of each row (PostgreSQL)

    @property
    def cache_dir(self) -> Path:
        """Return the embedding cache directory."""
        return self.models_dir / "embeddings"

    def build(self, session: Session, progress: bool = False) -> HybridMatcher:
        """Refit everything, swap the index atomically, then (re)attach the dense backend."""
        with self._lock:
            matcher = super().build(session, progress)
            self._row_ids = None
            return self._serve(session, matcher, full_sync=True)

    def matcher(self, session: Session) -> HybridMatcher:
        """Return the served matcher, up to date with the catalogue and with its dense backend."""
        with self._lock:
            matcher = super().matcher(session)
            if matcher is not self._served:
                matcher = self._serve(session, matcher, full_sync=True)
            return matcher

    def refresh(self, session: Session) -> None:
        """Apply the evidence changed since the served index; rebuild only when the change is large."""
        with self._lock:
            if self._matcher is None:
                super().refresh(session)  # raises IndexMissingError, or builds
                return
            current = catalogue_fingerprint(session)
            if current == self._fingerprint:
                return
            matcher = self._matcher
            delta = catalogue_delta(session, matcher.table_, self._fingerprint, current)
            size = len(delta.upserts) + len(delta.removed) if delta is not None else None
            if size is None or size > max(100, self.max_delta * matcher.table_.n_docs):
                logger.info("catalogue changed a lot: full index rebuild")
                self.build(session)
                return
            if delta:
                fresh, dropped = apply_changes(matcher, delta.upserts, delta.removed, self.cache_dir)
                if self._row_ids is not None:
                    kept = np.delete(self._row_ids, dropped)
                    self._row_ids = np.concatenate([kept, np.asarray(delta.upsert_ids, np.int64)])
                fresh = self._serve(session, fresh, full_sync=False, upserts=len(delta.upserts))
                self._facets = {**self._facets, **_facets_of(session, {d.org_id for d in delta.upserts})}
                logger.info("index updated in place: %d evidence upserted, %d removed", size - len(delta.removed),
                            len(delta.removed))
            self._fingerprint = current

    def _serve(self, session: Session, matcher: HybridMatcher, *, full_sync: bool, upserts: int = 0) -> HybridMatcher:
        """Attach the dense backend of this database to ``matcher`` and serve it."""
        if is_postgresql(session) and matcher.embeddings_ is not None and matcher.encoder is not None:
            table = matcher.table_
            if self._row_ids is None or self._row_ids.size != table.n_docs:
                self._row_ids = evidence_ids(session, table.ids)
                full_sync = True
            limit = matcher.settings_["dense_max_chars"]
            start = 0 if full_sync else table.n_docs - upserts
            rows = range(start, table.n_docs)
            sync_embeddings(
                session,
                self._row_ids[start:],
                [table.texts[r][:limit] if limit else table.texts[r] for r in rows],
                np.asarray(matcher.embeddings_ if not isinstance(matcher.embeddings_, BackendScores)
                           else matcher.embeddings_.embeddings)[start:],
                matcher.encoder.name,
                prune=full_sync,
            )
            session.commit()
            backend = PgvectorDenseBackend(session.get_bind(), self._row_ids, matcher.encoder.name)
            attach_dense_backend(matcher, backend)
        self._matcher = matcher
        self._served = matcher
        return matcher


def _facets_of(session: Session, org_keys: Collection[str]) -> dict[str, OrganisationFacet]:
    """Return the facets of a few organisations."""
    if not org_keys:
        return {}
    rows = session.execute(
        select(Organisation.key, Organisation.kind, Organisation.region, Organisation.certifications).where(
            Organisation.key.in_(list(org_keys))
        )
    )
    return {
        key: OrganisationFacet(kind=kind, region=region, certifications=tuple(certs or ()))
        for key, kind, region, certs in rows
    }


__all__ = [
    "BackendScores",
    "CatalogueDelta",
    "IncrementalSearchEngine",
    "IndexMissingError",
    "apply_changes",
    "attach_dense_backend",
    "catalogue_delta",
]
