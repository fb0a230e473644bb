"""The per-process search engine: the encoder and the index, loaded lazily and once."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
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
from matchmaker.ranking.reranker import CurationReranker
from matchmaker.ranking.store import read_manifest
from matchmaker.services.catalogue import catalogue_fingerprint

CATALOGUE_FILE = "catalogue.json"
RERANKER_FILE = "reranker.json"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrganisationFacet:
    """What filters need to know about an organisation without a database round trip."""

    kind: str
    region: str | None
    certifications: tuple[str, ...]


def evidence_documents(session: Session) -> list[EvidenceDoc]:
    """Return every evidence row as a ranking document, in a stable order."""
    rows = session.execute(
        select(Evidence.key, Organisation.key, Evidence.text, Evidence.kind, Evidence.source_ref)
        .join(Organisation, Evidence.organisation_id == Organisation.id)
        .order_by(Evidence.id)
    )
    return [
        EvidenceDoc(id=key, org_id=org_key, text=text, kind=kind, source_ref=source_ref)
        for key, org_key, text, kind, source_ref in rows
    ]


def organisation_facets(session: Session) -> dict[str, OrganisationFacet]:
    """Return kind, region and certifications of every organisation, keyed by organisation key."""
    rows = session.execute(
        select(Organisation.key, Organisation.kind, Organisation.region, Organisation.certifications)
    )
    return {
        key: OrganisationFacet(kind=kind, region=region, certifications=tuple(certs or ()))
        for key, kind, region, certs in rows
    }


class SearchEngine:
    """Holds the encoder and the fitted matcher for one application process."""

    def __init__(
        self,
        models_dir: Path,
        encoder_name: str,
        settings: dict[str, Any] | None = None,
        seed_dir: Path | None = None,
    ) -> None:
        self.models_dir = models_dir
        self.seed_dir = seed_dir
        self.encoder_name = encoder_name
        self.settings = settings or {}
        self._encoder = None
        self._matcher: HybridMatcher | None = None
        self._fingerprint: str | None = None
        self._facets: dict[str, OrganisationFacet] = {}
        self._reranker: tuple[float, CurationReranker] | None = None
        self._lock = threading.RLock()

    @property
    def index_dir(self) -> Path:
        """Return where the index artefacts live."""
        return self.models_dir / "index"

    @property
    def encoder(self):
        """Return the encoder, loading it on first use."""
        with self._lock:
            if self._encoder is None:
                self._encoder = load_encoder(self.encoder_name)
            return self._encoder

    def build(self, session: Session, progress: bool = False) -> HybridMatcher:
        """Fit a new index on the current catalogue, save it atomically and serve it."""
        docs = evidence_documents(session)
        fingerprint = catalogue_fingerprint(session)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self._seed_embedding_cache()
        matcher = HybridMatcher(encoder=self.encoder, **self.settings).fit(
            docs, cache_dir=self.models_dir / "embeddings", progress=progress
        )
        self._save_atomically(matcher, fingerprint)
        with self._lock:
            self._matcher = matcher
            self._fingerprint = fingerprint
            self._facets = organisation_facets(session)
        return matcher

    def _seed_embedding_cache(self) -> None:
        """Start an empty embedding cache from the precomputed vectors of the bundled evidence.

        The seed holds the passages of the bundled directory encoded by the same encoder (float16);
        entries are keyed by text hash, so edited or new evidence is simply encoded as usual.
        """
        if self.seed_dir is None:
            return
        stem = cache_stem(self.encoder_name)
        seed_vectors, seed_keys = self.seed_dir / f"{stem}.npy", self.seed_dir / f"{stem}.json"
        cache = self.models_dir / "embeddings"
        if (cache / f"{stem}.npy").exists() or not (seed_vectors.exists() and seed_keys.exists()):
            return
        keys = json.loads(seed_keys.read_text())
        if keys.get("encoder") != self.encoder_name:
            return
        vectors = np.load(seed_vectors, allow_pickle=False).astype(np.float32)
        write_vectors(cache, stem, vectors, {**keys, "dtype": "float32"})
        logger.info("embedding cache seeded with %d bundled vectors (%s)", len(vectors), self.encoder_name)

    def write_embedding_seed(self, session: Session, target_dir: Path, progress: bool = False) -> tuple[int, int]:
        """Write the float16 seed of the current evidence passages (as the index cuts them) to ``target_dir``.

        Vectors come from the embedding cache; missing ones are encoded first. Returns (vectors, encoded).
        """
        from matchmaker.ranking.cache import cached_keys, embed_passages, text_hash
        from matchmaker.ranking.settings import merge_settings

        limit = merge_settings(self.settings)["dense_max_chars"]
        texts = list(dict.fromkeys(d.text[:limit] if limit else d.text for d in evidence_documents(session)))
        cache = self.models_dir / "embeddings"
        missing = len(set(map(text_hash, texts)) - cached_keys(cache, self.encoder_name))
        vectors = embed_passages(self.encoder, texts, cache_dir=cache, progress=progress)
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

    def _save_atomically(self, matcher: HybridMatcher, fingerprint: str) -> None:
        """Write the index beside the served one, then swap directories so readers never see half."""
        staging = Path(tempfile.mkdtemp(prefix="index-", dir=self.models_dir))
        matcher.save(staging)
        (staging / CATALOGUE_FILE).write_text(json.dumps({"catalogue_fingerprint": fingerprint}))
        retired = self.models_dir / f"index-retired-{os.getpid()}"
        if self.index_dir.exists():
            os.replace(self.index_dir, retired)
        os.replace(staging, self.index_dir)
        shutil.rmtree(retired, ignore_errors=True)

    def _read_fingerprint(self) -> str | None:
        try:
            return json.loads((self.index_dir / CATALOGUE_FILE).read_text())["catalogue_fingerprint"]
        except (OSError, ValueError, KeyError):
            return None

    def matcher(self, session: Session) -> HybridMatcher:
        """Return the served matcher, loading it from disk and refreshing it when the catalogue changed.

        Raises IndexMissingError when no index was ever built (building one takes minutes: the
        `setup` or `build-index` command does it, never a web request).
        """
        with self._lock:
            if self._matcher is None:
                matcher = HybridMatcher.load(self.index_dir, encoder=self.encoder)
                self._matcher = matcher
                self._fingerprint = self._read_fingerprint()
                self._facets = organisation_facets(session)
            if self._fingerprint != catalogue_fingerprint(session):
                self.refresh(session)
            assert self._matcher is not None
            return self._matcher

    def refresh(self, session: Session) -> None:
        """Bring the served index up to date with the catalogue (cached embeddings make this cheap)."""
        with self._lock:
            if self._matcher is None and not (self.index_dir / "manifest.json").exists():
                raise IndexMissingError("Aucun index : lancez `flask --app matchmaker build-index`.")
            if self._fingerprint == catalogue_fingerprint(session) and self._matcher is not None:
                return
            logger.info("catalogue changed: refreshing the search index")
            self.build(session)

    def facets(self, session: Session) -> dict[str, OrganisationFacet]:
        """Return cached organisation facets (refreshed with the index)."""
        self.matcher(session)
        return self._facets

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
        if self._matcher is not None:
            return "ready"
        if not (self.index_dir / "manifest.json").exists():
            return "missing"
        try:
            read_manifest(self.index_dir)
            for array in self.index_dir.glob("*.npy"):  # memory-mapped: reads the header and checks the size
                np.load(array, mmap_mode="r", allow_pickle=False)
            for meta in ("evidence.json", "vocabulary.json"):
                if (self.index_dir / meta).stat().st_size == 0:
                    return "unreadable"
        except (IndexMissingError, OSError, EOFError, ValueError):
            return "unreadable"
        return "ready"


__all__ = ["IndexMissingError", "IndexStaleError", "SearchEngine", "evidence_documents"]
