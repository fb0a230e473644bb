"""HybridMatcher: BM25 + dense evidence retrieval on an EvidenceIndex, aggregated per organisation and fused."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from matchmaker.ranking.backends import DenseBackend
from matchmaker.ranking.bilingual import lexical_query
from matchmaker.ranking.cache import embed_passages
from matchmaker.ranking.encoders import Encoder
from matchmaker.ranking.errors import IndexStaleError, NotFittedError
from matchmaker.ranking.explain import passages_for
from matchmaker.ranking.features import CONTEXT_FEATURES, FEATURE_NAMES, QueryFeatures, compute_features
from matchmaker.ranking.index import EvidenceIndex, read_manifest
from matchmaker.ranking.match import EvidenceDoc, Match
from matchmaker.ranking.scoring import fuse, top_k
from matchmaker.ranking.settings import merge_settings, resolve_weights
from matchmaker.ranking.strength import POSSIBLE, STRONG, STRONG_MIN_COVERAGE, WEAK, StrengthModel, model_for
from matchmaker.ranking.text import HIDDEN_KINDS, analyse

_QUERY_CACHE_SIZE = 256


class HybridMatcher:
    """Rank organisations for a free-text need from their evidence documents.

    Args:
        encoder: dense encoder, or None for a lexical-only matcher.
        **settings: overrides of ``DEFAULT_SETTINGS``.
    """

    def __init__(self, encoder: Encoder | None = None, **settings: Any) -> None:
        self.encoder = encoder
        self.settings = settings

    # ------------------------------------------------------------------ build

    def fit(
        self,
        docs: Sequence[EvidenceDoc],
        cache_dir: Path | None = None,
        progress: bool = False,
        path: Path | None = None,
    ) -> HybridMatcher:
        """Index evidence documents: embeddings (cached on disk), then the streamed EvidenceIndex.

        Args:
            docs: the evidence.
            cache_dir: embedding cache (only texts missing from it are encoded).
            progress: show a progress bar while encoding.
            path: directory for the index files (a temporary one when None).
        """
        settings = merge_settings(self.settings)
        embeddings = None
        if self.encoder is not None:
            limit = settings["dense_max_chars"]
            texts = [d.text[:limit] if limit else d.text for d in docs]
            embeddings = embed_passages(self.encoder, texts, cache_dir=cache_dir, progress=progress)
            if not len(docs):
                embeddings = np.zeros((0, self.encoder.dim), np.float32)
        self.fit_index(EvidenceIndex.from_docs(docs, embeddings, path=path))
        self.build_ann_if_large()
        return self

    def build_ann_if_large(self) -> bool:
        """Build the index's HNSW graph when it holds at least ``ann_min_docs`` embedded documents."""
        index = self.index
        if not index.dim or index.has_ann or index.n_live < self.settings_["ann_min_docs"]:
            return False
        index.build_ann()
        return True

    def fit_index(self, index: EvidenceIndex) -> HybridMatcher:
        """Serve an index built elsewhere (e.g. streamed by a benchmark); its embeddings must be this encoder's."""
        encoder_name = self.encoder.name if self.encoder is not None and index.dim else None
        self.settings_ = resolve_weights(merge_settings(self.settings), encoder_name)
        self.strength_model_: StrengthModel | None = model_for(encoder_name)
        self.index_ = index
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        return self

    def with_changes(
        self, upserts: Sequence[EvidenceDoc] = (), removed: Collection[str] = (), cache_dir: Path | None = None
    ) -> HybridMatcher:
        """Return a new matcher whose index has evidence added, replaced (same id) or removed (by id).

        Only the upserts are tokenised and encoded; the matcher in use is left unchanged.
        """
        self._check_fitted()
        embeddings = None
        if self.index_.dim and self.encoder is not None:
            limit = self.settings_["dense_max_chars"]
            texts = [d.text[:limit] if limit else d.text for d in upserts]
            embeddings = (embed_passages(self.encoder, texts, cache_dir=cache_dir) if texts
                          else np.zeros((0, self.index_.dim), np.float32))
        fresh = HybridMatcher(encoder=self.encoder, **self.settings)
        fresh.settings_ = self.settings_
        fresh.strength_model_ = self.strength_model_
        fresh.index_ = self.index_.with_changes(upserts, removed, embeddings)
        fresh._query_vectors = self._query_vectors
        return fresh

    # ---------------------------------------------------------------- persist

    @property
    def index(self) -> EvidenceIndex:
        """The evidence index."""
        self._check_fitted()
        return self.index_

    @property
    def data_hash(self) -> str:
        """Hash of the indexed evidence (equal for an incremental update and a full rebuild)."""
        return self.index.data_hash

    @property
    def manifest(self) -> dict[str, Any]:
        """Describe what built this index: encoder, dims, settings, data hash, format version."""
        self._check_fitted()
        return {**self.index_.manifest, "encoder": self._encoder_name(), "settings": self.settings_}

    def _encoder_name(self) -> str | None:
        return self.encoder.name if self.encoder is not None and self.index_.dim else None

    def save(self, path: Path) -> Path:
        """Write the index files and the manifest (last) in ``path`` (an HNSW graph too for a large index)."""
        self._check_fitted()
        extra = {"encoder": self._encoder_name(), "settings": self.settings_}
        saved = self.index_.save(Path(path), extra)
        if self.index_.dim and self.index_.n_live >= self.settings_["ann_min_docs"]:
            if not (saved / "ann" / "hnsw.faiss").exists():
                EvidenceIndex.load(saved).build_ann()
        return saved

    @classmethod
    def load(cls, path: Path, encoder: Encoder | None = None) -> HybridMatcher:
        """Load an index saved by ``save``; raise IndexMissingError / IndexStaleError if unusable."""
        manifest = read_manifest(Path(path))
        built_with = manifest.get("encoder")
        wanted = encoder.name if encoder is not None else None
        if built_with is not None and built_with != wanted:
            raise IndexStaleError(f"index in {path} was built with encoder {built_with!r}, not {wanted!r}")
        if built_with is None and wanted is not None:
            raise IndexStaleError(f"index in {path} has no embeddings for encoder {wanted!r}")
        try:
            matcher = cls(encoder=encoder, **(manifest.get("settings") or {}))
            settings = resolve_weights(merge_settings(manifest.get("settings")), built_with)
        except (TypeError, ValueError) as error:
            raise IndexStaleError(f"index in {path} has settings this version cannot use: {error}") from error
        matcher.fit_index(EvidenceIndex.load(Path(path)))
        matcher.settings_ = settings
        return matcher

    # ----------------------------------------------------------------- search

    def _check_fitted(self) -> None:
        if not hasattr(self, "index_"):
            raise NotFittedError("HybridMatcher is not fitted: call fit() or HybridMatcher.load()")

    def use_dense_backend(self, backend: DenseBackend | None) -> None:
        """Find dense candidates through ``backend`` (HNSW, pgvector); None returns to exact numpy search."""
        self._check_fitted()
        self.index_.use_dense(backend)

    def query_vector(self, query: str) -> np.ndarray | None:
        """Return the (dim,) query embedding (memoised), or None without encoder."""
        if self.encoder is None or not self.index.dim:
            return None
        vector = self._query_vectors.get(query)
        if vector is None:
            vector = self.encoder.encode_queries([query])[0]
            self._query_vectors[query] = vector
            while len(self._query_vectors) > _QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def prime_queries(self, queries: Sequence[str], cache_dir: Path | None = None, progress: bool = False) -> None:
        """Encode queries ahead of search (batched, optionally cached on disk), e.g. for benchmarks."""
        self._check_fitted()
        if self.encoder is None or not self.index_.dim:
            return
        texts = list(dict.fromkeys(queries))
        vectors = embed_passages(self.encoder, texts, cache_dir=cache_dir, progress=progress, queries=True)
        self._query_vectors.update(zip(texts, vectors, strict=True))
        while len(self._query_vectors) > max(_QUERY_CACHE_SIZE, len(texts)):
            self._query_vectors.popitem(last=False)

    def features(
        self,
        query: str,
        candidate_orgs: Collection[str] | np.ndarray | None = None,
        exclude_source_refs: Collection[str] = (),
        near: Collection[str] | np.ndarray | None = None,
    ) -> QueryFeatures:
        """Compute every feature of the candidate organisations for one query (search and learning to rank)."""
        self._check_fitted()
        vector = self.query_vector(query)
        return compute_features(self.index_, self.settings_, query, vector, candidate_orgs, exclude_source_refs, near)

    def search(
        self,
        query: str,
        k: int = 10,
        candidate_orgs: Collection[str] | np.ndarray | None = None,
        exclude_source_refs: Collection[str] = (),
        explain: bool = True,
        near: Collection[str] | np.ndarray | None = None,
        suppliers: bool = False,
    ) -> list[Match]:
        """Return the ``k`` best organisations for ``query``, best first.

        Args:
            query: free-text need (French or English).
            k: number of matches.
            candidate_orgs: restrict the pool to these organisation ids, or an (n_orgs,) mask (None = all).
            exclude_source_refs: ignore evidence with these source refs (leave-one-out).
            explain: compute the passages (False skips them, e.g. for evaluation).
            near: organisations in the searcher's region (context prior, learned weight ``same_region``);
                None searches on the text alone.
            suppliers: a supplier search (only companies and start-ups compete): fused with the weights
                learned on supplier needs (setting ``supplier_weights``).
        """
        ranked, _ = self.search_with_thin(query, k, 0, candidate_orgs, exclude_source_refs, explain, near, suppliers)
        return ranked

    def search_with_thin(
        self,
        query: str,
        k: int = 10,
        k_thin: int = 5,
        candidate_orgs: Collection[str] | np.ndarray | None = None,
        exclude_source_refs: Collection[str] = (),
        explain: bool = True,
        near: Collection[str] | np.ndarray | None = None,
        suppliers: bool = False,
    ) -> tuple[list[Match], list[Match]]:
        """Return the ``k`` best organisations and, apart, the ``k_thin`` best profiles too thin to judge.

        The first list holds sufficient profiles first; thin ones only fill it when fewer than ``k``
        sufficient candidates exist (a thin profile never outranks one whose evidence matches). A query
        without a single word to match on ("!!!???") gets no ranking.
        """
        self._check_fitted()
        if not analyse(query):
            return [], []
        found = self.features(query, candidate_orgs, exclude_source_refs, near)
        if found.orgs.size == 0:
            return [], []
        weights = self.weights_for(suppliers)
        scores = fuse(found.org, weights)
        best = top_k(scores, k, found.candidates & found.sufficient)
        if best.size < k:
            best = np.r_[best, top_k(scores, k - best.size, found.candidates & ~found.sufficient)]
        # thin profiles shown apart are those whose record shares a (non-generic) word with the need
        named = found.raw["lexical_record"] > 0 if "lexical_record" in found.raw else found.candidates
        thin_pool = found.candidates & ~found.sufficient & named
        thin = top_k(scores, k_thin, thin_pool) if k_thin else np.zeros(0, np.int64)
        return (
            [self._match(found, int(i), float(scores[i]), weights, explain, rank) for rank, i in enumerate(best, 1)],
            [self._match(found, int(i), float(scores[i]), weights, explain, rank) for rank, i in enumerate(thin, 1)],
        )

    def weights_for(self, suppliers: bool = False) -> dict[str, float]:
        """Return the fusion weights of a search: the supplier weights for a supplier search, else the general."""
        return self.settings_["supplier_weights" if suppliers else "weights"]

    def explain(self, query: str, matches: Sequence[Match]) -> list[Match]:
        """Return ``matches`` with their passages (searches for a page ask ``explain=False``, then this).

        The passages quote the evidence the match lists, best first, with the query's words highlighted.
        """
        self._check_fitted()
        index = self.index_
        text = lexical_query(query) if self.settings_["translate_queries"] else query  # as the features read it
        counts = Counter(analyse(text))
        columns = index.term_columns(counts)
        df = index.stats.df[np.fromiter(columns.values(), np.int64, count=len(columns))].astype(np.float64)
        n = max(index.n_live, 1)
        weights = {stem: float(w) for stem, w in zip(columns, np.log1p((n - df + 0.5) / (df + 0.5)), strict=True)}
        kinds = index.kinds
        explained = []
        for match in matches:
            rows = index.rows_of_ids(list(match.evidence_ids))
            rows = rows[rows >= 0]
            codes = index.kind_of(rows) if rows.size else np.zeros(0, np.int16)
            shown = (int(r) for r, code in zip(rows, codes, strict=True) if kinds[code] not in HIDDEN_KINDS)
            evidence = ((index.doc_id(r), index.text(r)) for r in shown)
            explained.append(replace(match, passages=passages_for(evidence, weights, self.settings_["max_passages"])))
        return explained

    def strength_signals(self, found: QueryFeatures, position: int, score: float, rank: int) -> dict[str, float]:
        """Return the absolute signals the strength calibration reads for one ranked organisation."""
        return {
            "coverage": float(found.coverage[position]),
            "coverage_rare": float(found.coverage_rare[position]),
            "fused": score,
            "dense_org": float(found.raw["dense_org"][position]) if "dense_org" in found.raw else 0.0,
            "rank": float(np.log(rank)),
        }

    def _match(
        self,
        found: QueryFeatures,
        position: int,
        score: float,
        weights: dict[str, float],
        explain: bool = True,
        rank: int = 1,
    ) -> Match:
        index = self.index_
        mine = np.flatnonzero(found.row_org == position)
        order = mine[np.lexsort((found.rows[mine], -found.doc_combined[mine]))]
        contributing = [int(i) for i in order if found.doc_combined[i] > 0] or [int(i) for i in order[:1]]
        rows = [int(found.rows[i]) for i in contributing]
        passages = ()
        if explain:
            kinds = index.kinds
            codes = index.kind_of(np.asarray(rows, np.int64)) if rows else np.zeros(0, np.int16)
            shown = (r for r, code in zip(rows, codes, strict=True) if kinds[code] not in HIDDEN_KINDS)
            evidence = ((index.doc_id(r), index.text(r)) for r in shown)  # decoded only as far as needed
            passages = passages_for(evidence, found.term_weights, self.settings_["max_passages"])
        # the strength reads the text alone: a context prior (the searcher's region) moves ranks, not confidence
        prior = sum(
            float(weights.get(name, 0.0)) * float(found.org[name][position])
            for name in CONTEXT_FEATURES
            if name in found.org
        )
        signals = self.strength_signals(found, position, score - prior, rank)
        sufficient = bool(found.sufficient[position])
        model = self.strength_model_
        confidence = model.probability(signals) if model is not None and sufficient else None
        strength = model.band(confidence) if model is not None and confidence is not None else ""
        if strength == STRONG and signals["coverage"] < STRONG_MIN_COVERAGE:
            strength = POSSIBLE  # strong means the evidence covers the essentials of the need, not a name
        return Match(
            org_id=index.org_key(int(found.orgs[position])),
            score=score,
            parts={
                name: float(found.org[name][position])
                for name in (*FEATURE_NAMES, *CONTEXT_FEATURES)
                if name in found.org
            },
            passages=passages,
            evidence_ids=tuple(index.doc_id(r) for r in rows),
            sufficient=sufficient,
            strength=strength or (WEAK if not sufficient else ""),
            confidence=confidence,
            signals=signals,
        )
