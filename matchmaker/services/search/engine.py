"""The per-process search engine: encoder and index loaded lazily and once, kept up to date by writers.

Reads are pure: ``snapshot`` returns the served matcher and facets together after at most one cheap
freshness check (the catalogue fingerprint, read at most every ``check_interval`` seconds) and never
writes — a stale snapshot is served while the background refresh (or the writer) catches up. Writers
call ``refresh`` after committing (new or edited evidence is applied to the index in place, vectors are
synced to PostgreSQL), the CLI calls ``build`` (full rebuild, streamed, atomically swapped), and
``start_background_refresh`` applies changes made by other processes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.models import Evidence, Organisation
from matchmaker.ranking import EvidenceDoc, HybridMatcher, load_encoder
from matchmaker.ranking.cache import cache_stem, write_vectors
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError
from matchmaker.ranking.index import read_manifest
from matchmaker.ranking.reranker import CurationReranker
from matchmaker.services.catalogue import catalogue_fingerprint
from matchmaker.services.search.facets import OrganisationFacet, OrganisationFacets, facet_rows
from matchmaker.services.search.indexing import catalogue_delta, changed_since
from matchmaker.services.search.vectors import (
    PgvectorDenseBackend,
    evidence_ids,
    is_postgresql,
    stored_vectors,
    sync_embeddings,
)

CATALOGUE_FILE = "catalogue.json"
RERANKER_FILE = "reranker.json"
logger = logging.getLogger(__name__)


def evidence_documents(session: Session, batch: int = 10_000) -> Iterator[EvidenceDoc]:
    """Yield every evidence row as a ranking document, in a stable order (streamed from the database)."""
    rows = session.execute(
        select(Evidence.key, Organisation.key, Evidence.text, Evidence.kind, Evidence.source_ref)
        .join(Organisation, Evidence.organisation_id == Organisation.id)
        .order_by(Evidence.id)
        .execution_options(yield_per=batch)
    )
    for key, org_key, text, kind, source_ref in rows:
        yield EvidenceDoc(id=key, org_id=org_key, text=text, kind=kind, source_ref=source_ref)


@dataclass(frozen=True)
class SearchSnapshot:
    """What one request searches: the matcher and the organisation facets of the same catalogue state."""

    matcher: HybridMatcher
    facets: OrganisationFacets
    fingerprint: str | None


class SearchEngine:
    """Holds the encoder and the served index for one application process.

    Args:
        models_dir: where the index (``index/``) and the embedding cache live.
        encoder_name: encoder to load (see ``load_encoder``).
        settings: ranking settings overrides.
        seed_dir: precomputed embeddings of the bundled evidence (seed an empty cache).
        max_delta: share of the evidence a change may touch before it triggers a full rebuild.
        check_interval: seconds between two reads of the catalogue fingerprint by searches.
        encoder: an encoder to use instead of loading ``encoder_name`` (benchmarks, tools).
    """

    def __init__(
        self,
        models_dir: Path,
        encoder_name: str,
        settings: dict[str, Any] | None = None,
        seed_dir: Path | None = None,
        max_delta: float = 0.2,
        check_interval: float = 2.0,
        encoder: Any = None,
    ) -> None:
        self.models_dir = Path(models_dir)
        self.seed_dir = seed_dir
        self.encoder_name = encoder_name
        self.settings = settings or {}
        self.max_delta = max_delta
        self.check_interval = check_interval
        self._encoder = encoder
        self._snapshot: SearchSnapshot | None = None
        self._row_ids: np.ndarray | None = None  # evidence database id of each index row (PostgreSQL)
        self._checked = float("-inf")
        self._stale = threading.Event()
        self._reranker: tuple[float, CurationReranker] | None = None
        self._lock = threading.RLock()
        self._refresher: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def index_dir(self) -> Path:
        """Return where the index artefacts live."""
        return self.models_dir / "index"

    @property
    def cache_dir(self) -> Path:
        """Return the embedding cache directory."""
        return self.models_dir / "embeddings"

    @property
    def encoder(self):
        """Return the encoder, loading it on first use."""
        with self._lock:
            if self._encoder is None:
                self._encoder = load_encoder(self.encoder_name)
            return self._encoder

    # ------------------------------------------------------------------ reads (pure)

    def snapshot(self, session: Session) -> SearchSnapshot:
        """Return the served matcher and facets (loading them from disk on first use); never writes.

        Raises IndexMissingError when no index was ever built (the `setup` or `build-index` command
        builds one, never a web request). When the catalogue changed since the served snapshot, the
        snapshot is still served and the background refresh is told to catch up.
        """
        served = self._snapshot
        if served is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._load(session)
                    self._checked = time.monotonic()
                return self._snapshot
        now = time.monotonic()
        if now - self._checked >= self.check_interval:  # outside the lock: other searches do not wait for it
            self._checked = now
            if catalogue_fingerprint(session) != served.fingerprint:
                self._stale.set()
        return served

    def matcher(self, session: Session) -> HybridMatcher:
        """Return the served matcher (see ``snapshot``)."""
        return self.snapshot(session).matcher

    def facets(self, session: Session) -> OrganisationFacets:
        """Return the served organisation facets (see ``snapshot``)."""
        return self.snapshot(session).facets

    def _load(self, session: Session) -> SearchSnapshot:
        """Read the saved index and the facets; attach pgvector when PostgreSQL holds this index's vectors."""
        matcher = HybridMatcher.load(self.index_dir, encoder=self.encoder)
        fingerprint = self._read_fingerprint()
        facets = OrganisationFacets.of(matcher.index, facet_rows(session))
        if is_postgresql(session) and matcher.index.dim:
            if stored_vectors(session, self.encoder_name) >= matcher.index.n_live:
                self._attach_pgvector(session, matcher)
            else:
                logger.warning("PostgreSQL lacks vectors of this index: exact dense search until the next refresh")
                self._stale.set()
        return SearchSnapshot(matcher, facets, fingerprint)

    def _attach_pgvector(self, session: Session, matcher: HybridMatcher, new_ids: list[int] | None = None) -> None:
        """Take dense candidates from pgvector's HNSW index once the catalogue is large enough for an ANN.

        Below ``ann_min_docs`` documents both databases score the memory-mapped embeddings exactly (a few ms),
        so they rank alike; PostgreSQL's vectors are kept in sync on every write all the same.
        """
        index = matcher.index
        if index.n_live < matcher.settings_["ann_min_docs"]:
            self._row_ids = None
            return
        if new_ids is not None and self._row_ids is not None:
            self._row_ids = np.concatenate([self._row_ids, np.asarray(new_ids, np.int64)])
        if self._row_ids is None or self._row_ids.size != index.n_rows:
            self._row_ids = evidence_ids(session, [index.doc_id(r) for r in range(index.n_rows)])
        matcher.use_dense_backend(PgvectorDenseBackend(session.get_bind(), self._row_ids, self.encoder_name))

    # ------------------------------------------------------------------ writes

    def build(self, session: Session, progress: bool = False) -> HybridMatcher:
        """Fit a new index on the current catalogue (streamed), swap it in atomically and serve it."""
        with self._lock:
            fingerprint = catalogue_fingerprint(session)
            self.models_dir.mkdir(parents=True, exist_ok=True)
            self._seed_embedding_cache()
            staging = Path(tempfile.mkdtemp(prefix="index-", dir=self.models_dir))
            try:
                docs = list(evidence_documents(session))
                matcher = HybridMatcher(encoder=self.encoder, **self.settings).fit(
                    docs, cache_dir=self.cache_dir, progress=progress, path=staging
                )
                matcher.save(staging)
                (staging / CATALOGUE_FILE).write_text(json.dumps({"catalogue_fingerprint": fingerprint}))
                del matcher
                retired = self.models_dir / f"index-retired-{os.getpid()}-{time.monotonic_ns()}"
                if self.index_dir.exists():
                    os.replace(self.index_dir, retired)
                os.replace(staging, self.index_dir)
                shutil.rmtree(retired, ignore_errors=True)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            matcher = HybridMatcher.load(self.index_dir, encoder=self.encoder)
            self._row_ids = None
            if is_postgresql(session) and matcher.index.dim:
                self._sync_vectors(session, matcher, range(matcher.index.n_rows), prune=True)
                self._attach_pgvector(session, matcher)
            self._snapshot = SearchSnapshot(matcher, OrganisationFacets.of(matcher.index, facet_rows(session)),
                                            fingerprint)
            self._stale.clear()
            return matcher

    def refresh(self, session: Session) -> None:
        """Apply the catalogue changed since the served index (a large change rebuilds); commits vector changes.

        Called by writers right after they commit, by the CLI and by the background refresh.
        """
        with self._lock:
            if self._snapshot is None:
                if not (self.index_dir / "manifest.json").exists():
                    raise IndexMissingError("Aucun index : lancez `flask --app matchmaker build-index`.")
                self._snapshot = self._load(session)
            current = catalogue_fingerprint(session)
            served = self._snapshot
            index = served.matcher.index
            if current == served.fingerprint and not self._stale.is_set():
                return
            self._stale.clear()
            delta = catalogue_delta(session, index, served.fingerprint, current)
            size = len(delta.upserts) + len(delta.removed) if delta is not None else None
            if size is None or size > max(100, self.max_delta * index.n_live):
                logger.info("catalogue changed a lot: full index rebuild")
                self.build(session)
                return
            matcher = served.matcher
            if delta:
                matcher = matcher.with_changes(delta.upserts, delta.removed, self.cache_dir)
                logger.info("index updated in place: %d evidence upserted, %d removed", len(delta.upserts),
                            len(delta.removed))
            if is_postgresql(session) and matcher.index.dim:
                first = index.n_rows
                self._sync_vectors(session, matcher, range(first, matcher.index.n_rows), prune=False)
                if self._row_ids is None or self._row_ids.size != first:
                    self._attach_pgvector(session, matcher)
                else:
                    self._attach_pgvector(session, matcher, new_ids=delta.upsert_ids)
            facets = served.facets.updated(matcher.index, changed_since(session, served.fingerprint))
            self._snapshot = SearchSnapshot(matcher, facets, current)

    def _sync_vectors(self, session: Session, matcher: HybridMatcher, rows: range, *, prune: bool) -> None:
        """Write the vectors of live index rows to PostgreSQL (a rebuild also prunes the others); commit.

        Vectors of deleted evidence go with their row (ON DELETE CASCADE).
        """
        index = matcher.index
        limit = matcher.settings_["dense_max_chars"]
        candidates = np.arange(rows.start, rows.stop, dtype=np.int64)
        live = candidates[index.live(candidates)]
        ids = evidence_ids(session, [index.doc_id(int(r)) for r in live]) if live.size else np.zeros(0, np.int64)
        texts = [index.text(int(r))[:limit] if limit else index.text(int(r)) for r in live]
        vectors = index.embeddings_of(live) if live.size else np.zeros((0, index.dim), np.float32)
        sync_embeddings(session, ids, texts, vectors, self.encoder_name, prune=prune)
        session.commit()

    def _seed_embedding_cache(self) -> None:
        """Start an empty embedding cache from the precomputed vectors of the bundled evidence.

        The seed holds the passages of the bundled directory encoded by the same encoder (float16);
        entries are keyed by text hash, so edited or new evidence is simply encoded as usual.
        """
        if self.seed_dir is None:
            return
        stem = cache_stem(self.encoder_name)
        seed_vectors, seed_keys = self.seed_dir / f"{stem}.npy", self.seed_dir / f"{stem}.json"
        if (self.cache_dir / f"{stem}.npy").exists() or not (seed_vectors.exists() and seed_keys.exists()):
            return
        keys = json.loads(seed_keys.read_text())
        if keys.get("encoder") != self.encoder_name:
            return
        vectors = np.load(seed_vectors, allow_pickle=False).astype(np.float32)
        write_vectors(self.cache_dir, stem, vectors, {**keys, "dtype": "float32"})
        logger.info("embedding cache seeded with %d bundled vectors (%s)", len(vectors), self.encoder_name)

    def write_embedding_seed(self, session: Session, target_dir: Path, progress: bool = False) -> tuple[int, int]:
        """Write the float16 seed of the current evidence passages (as the index cuts them) to ``target_dir``.

        Vectors come from the embedding cache; missing ones are encoded first. Returns (vectors, encoded).
        """
        from matchmaker.ranking.cache import cached_keys, embed_passages, text_hash
        from matchmaker.ranking.settings import merge_settings

        limit = merge_settings(self.settings)["dense_max_chars"]
        texts = list(dict.fromkeys(d.text[:limit] if limit else d.text for d in evidence_documents(session)))
        missing = len(set(map(text_hash, texts)) - cached_keys(self.cache_dir, self.encoder_name))
        vectors = embed_passages(self.encoder, texts, cache_dir=self.cache_dir, progress=progress)
        stem = cache_stem(self.encoder_name)
        previous = target_dir / f"{stem}.json"
        model = json.loads(previous.read_text()).get("model") if previous.exists() else None
        manifest = {
            "encoder": self.encoder_name,
            "model": model or self.encoder_name,
            "dim": int(vectors.shape[1]),
            "dtype": "float16",
            "max_chars": limit,
            "keys": [text_hash(t) for t in texts],
        }
        write_vectors(target_dir, stem, vectors.astype(np.float16), manifest)
        return len(texts), missing

    def _read_fingerprint(self) -> str | None:
        try:
            return json.loads((self.index_dir / CATALOGUE_FILE).read_text())["catalogue_fingerprint"]
        except (OSError, ValueError, KeyError):
            return None

    # ------------------------------------------------------------------ background refresh

    def start_background_refresh(self, session_factory: Callable[[], Any], interval: float) -> None:
        """Apply catalogue changes of other processes every ``interval`` seconds (or when a search saw them).

        ``session_factory`` returns a context manager yielding a session (e.g. an app context's db.session).
        """
        if self._refresher is not None or interval <= 0:
            return

        def run() -> None:
            while not self._stop.is_set():
                self._stale.wait(interval)
                if self._stop.is_set():
                    return
                try:
                    with session_factory() as session:
                        if self._snapshot is not None:
                            self.refresh(session)
                except (IndexMissingError, IndexStaleError):
                    time.sleep(interval)
                except Exception:  # noqa: BLE001 - keep refreshing; the error is logged
                    logger.exception("background index refresh failed")
                    time.sleep(interval)

        self._refresher = threading.Thread(target=run, name="search-refresh", daemon=True)
        self._refresher.start()

    def stop_background_refresh(self) -> None:
        """Stop the background refresh (tests, shutdown)."""
        self._stop.set()
        self._stale.set()
        if self._refresher is not None:
            self._refresher.join(timeout=10)
            self._refresher = None

    # ------------------------------------------------------------------ other artefacts

    def reranker(self) -> CurationReranker | None:
        """Return the curation re-ranker when `train-reranker` saved an active one (reloaded when retrained)."""
        path = self.models_dir / RERANKER_FILE
        try:
            stamp = path.stat().st_mtime
        except OSError:
            return None
        with self._lock:
            if self._reranker is None or self._reranker[0] != stamp:
                try:
                    self._reranker = (stamp, CurationReranker.load(path))
                except (OSError, ValueError, KeyError):
                    logger.warning("ignoring unreadable re-ranker file %s", path)
                    return None
            model = self._reranker[1]
        return model if model.active_ else None

    def index_status(self) -> str:
        """Return 'ready', 'missing' or 'unreadable' for health checks, without loading the index."""
        if self._snapshot is not None:
            return "ready"
        if not (self.index_dir / "manifest.json").exists():
            return "missing"
        try:
            read_manifest(self.index_dir)
            for array in self.index_dir.glob("*.npy"):  # memory-mapped: reads the header and checks the size
                np.load(array, mmap_mode="r", allow_pickle=False)
            for meta in ("terms.json", "kinds.json", "lexical_docs/meta.json", "lexical_orgs/meta.json"):
                if (self.index_dir / meta).stat().st_size == 0:
                    return "unreadable"
        except (IndexMissingError, OSError, EOFError, ValueError):
            return "unreadable"
        return "ready"


__all__ = [
    "IndexMissingError",
    "IndexStaleError",
    "OrganisationFacet",
    "SearchEngine",
    "SearchSnapshot",
    "evidence_documents",
]
