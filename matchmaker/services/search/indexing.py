"""Incremental indexing: make new or edited evidence searchable in well under a second, on both databases.

A full rebuild (``SearchEngine.build``) refits everything and swaps the index directory atomically.
Between rebuilds, ``IncrementalSearchEngine.refresh`` reads only the evidence written since the served
index (by ``updated_at`` and id), tokenises and encodes only those texts, and serves a new matcher made
of the kept rows plus the new ones (copy-on-write: requests in flight keep the old one). On PostgreSQL
the new vectors are upserted into ``evidence_embeddings`` (the HNSW index takes them at once) and the
dense side is answered by pgvector.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from matchmaker.models import Evidence, Organisation
from matchmaker.ranking import EvidenceDoc, HybridMatcher
from matchmaker.ranking.backends import DenseMoments
from matchmaker.ranking.errors import IndexMissingError
from matchmaker.ranking.profile import EvidenceTable
from matchmaker.services.catalogue import catalogue_fingerprint
from matchmaker.services.search.engine import OrganisationFacet, SearchEngine
from matchmaker.services.search.matcher_changes import (
    apply_changes,
    attach_dense_backend,
    count_terms,
    fit_streaming,
)
from matchmaker.services.search.vectors import PgvectorDenseBackend, evidence_ids, is_postgresql, sync_embeddings

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


_STAMP = r"(None|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)"
_FINGERPRINT = re.compile(rf"^(\d+):(\d+|None):{_STAMP}(?::\d+:{_STAMP})?")


@dataclass(frozen=True)
class Fingerprint:
    """The parts of ``catalogue_fingerprint`` that say what to read again."""

    count: int
    max_id: int
    evidence_stamp: datetime
    organisation_stamp: datetime | None


def _stamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.min if text == "None" else datetime.fromisoformat(text)


def parse_fingerprint(fingerprint: str | None) -> Fingerprint | None:
    """Read ``evidence count:max id:max updated_at[:organisation count:max updated_at]``, or None."""
    found = _FINGERPRINT.match(fingerprint or "")
    if found is None:
        return None
    try:
        count, max_id, evidence, organisations = found.groups()
        return Fingerprint(int(count), int(max_id) if max_id != "None" else 0, _stamp(evidence), _stamp(organisations))
    except ValueError:
        return None


def catalogue_delta(session: Session, table: EvidenceTable, since: str | None, now: str) -> CatalogueDelta | None:
    """Return what changed in the evidence since fingerprint ``since`` (``now`` is the current one).

    Returns None when the change cannot be told apart from the fingerprints (the caller rebuilds).
    """
    previous, current = parse_fingerprint(since), parse_fingerprint(now)
    if previous is None or current is None:
        return None
    count, max_id, stamp = current.count, previous.max_id, previous.evidence_stamp
    row_of = {key: row for row, key in enumerate(table.ids)}
    delta = CatalogueDelta()
    rows = session.execute(
        select(Evidence.id, Evidence.key, Organisation.key, Evidence.text, Evidence.kind, Evidence.source_ref)
        .join(Organisation, Evidence.organisation_id == Organisation.id)
        .where(or_(Evidence.updated_at >= _before(stamp), Evidence.id > max_id))
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


def _before(stamp: datetime) -> datetime:
    return stamp - WRITE_MARGIN if stamp > datetime.min + WRITE_MARGIN else datetime.min


def changed_facets(session: Session, since: str | None) -> dict[str, OrganisationFacet]:
    """Return the facets of organisations edited since fingerprint ``since`` (all when it cannot tell)."""
    previous = parse_fingerprint(since)
    query = select(Organisation.key, Organisation.kind, Organisation.region, Organisation.certifications)
    if previous is not None and previous.organisation_stamp is not None:
        query = query.where(Organisation.updated_at >= _before(previous.organisation_stamp))
    return {
        key: OrganisationFacet(kind=kind, region=region, certifications=tuple(certs or ()))
        for key, kind, region, certs in session.execute(query)
    }


def _raw_embeddings(matcher: HybridMatcher) -> np.ndarray:
    """Return the in-memory (or memory-mapped) embedding matrix of a matcher."""
    return np.asarray(matcher.embeddings_)


class IncrementalSearchEngine(SearchEngine):
    """SearchEngine whose refresh applies catalogue changes in place of a full rebuild.

    On PostgreSQL the dense side is served by pgvector (``evidence_embeddings``); on SQLite by the
    in-memory matrix, as before. A change touching more than ``max_delta`` of the evidence rows falls
    back to a full rebuild.
    """

    def __init__(self, *args: Any, max_delta: float = 0.2, check_interval: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_delta = max_delta
        self.check_interval = check_interval
        self._checked = float("-inf")
        self._served: HybridMatcher | None = None  # the matcher whose dense backend is attached
        self._row_ids: np.ndarray | None = None  # evidence database id of each row (PostgreSQL)
        self._moments: DenseMoments | None = None  # vector moments, for top-n (approximate) dense answers

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
        """Return the served matcher, up to date with the catalogue and with its dense backend.

        The catalogue fingerprint (three aggregates over the evidence table) is read at most every
        ``check_interval`` seconds: at a million rows it costs more than the search itself. Writers of
        this process call ``refresh`` right after committing, so their changes never wait.
        """
        with self._lock:
            now = time.monotonic()
            if self._served is not None and self._matcher is self._served and now - self._checked < self.check_interval:
                return self._served
            matcher = super().matcher(session)
            if matcher is not self._served:
                matcher = self._serve(session, matcher, full_sync=True)
            self._checked = now
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
                if self._moments is not None:
                    self._moments.remove(_raw_embeddings(matcher)[dropped])
                    self._moments.add(_raw_embeddings(fresh)[fresh.table_.n_docs - len(delta.upserts) :])
                fresh = self._serve(session, fresh, full_sync=False, upserts=len(delta.upserts))
                logger.info("index updated in place: %d evidence upserted, %d removed", size - len(delta.removed),
                            len(delta.removed))
            self._facets = {**self._facets, **changed_facets(session, self._fingerprint)}
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
            embeddings = _raw_embeddings(matcher)
            sync_embeddings(
                session,
                self._row_ids[start:],
                [table.texts[r][:limit] if limit else table.texts[r] for r in rows],
                embeddings[start:],
                matcher.encoder.name,
                prune=full_sync,
            )
            session.commit()
            if full_sync or self._moments is None:
                # Moments are only needed for top-n answers (setting dense_top_n, after the core change).
                self._moments = DenseMoments.of(embeddings) if matcher.settings_.get("dense_top_n") else None
            backend = PgvectorDenseBackend(session.get_bind(), self._row_ids, matcher.encoder.name, self._moments)
            attach_dense_backend(matcher, backend)
        self._matcher = matcher
        self._served = matcher
        return matcher


__all__ = [
    "CatalogueDelta",
    "IncrementalSearchEngine",
    "IndexMissingError",
    "apply_changes",
    "attach_dense_backend",
    "catalogue_delta",
    "count_terms",
    "fit_streaming",
]
