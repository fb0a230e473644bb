"""HybridMatcher: BM25 + dense evidence retrieval, aggregated per organisation and fused."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking import store
from matchmaker.ranking.backends import DenseBackend, NumpyDenseBackend
from matchmaker.ranking.cache import embed_passages
from matchmaker.ranking.encoders import Encoder
from matchmaker.ranking.errors import IndexStaleError, NotFittedError
from matchmaker.ranking.explain import passages_for
from matchmaker.ranking.features import CONTEXT_FEATURES, FEATURE_NAMES, QueryFeatures, compute_features
from matchmaker.ranking.lexical import build_vocabulary, term_counts, tfidf_rows
from matchmaker.ranking.match import EvidenceDoc, Match
from matchmaker.ranking.profile import DIRECTORY_KIND, EvidenceTable, data_hash
from matchmaker.ranking.scoring import fuse, top_k
from matchmaker.ranking.settings import GROUP_OF_KIND, KIND_GROUPS, merge_settings, resolve_weights
from matchmaker.ranking.strength import POSSIBLE, STRONG, STRONG_MIN_COVERAGE, WEAK, StrengthModel, model_for
from matchmaker.ranking.text import HIDDEN_KINDS, analyse, analyse_evidence

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

    def fit(self, docs: Sequence[EvidenceDoc], cache_dir: Path | None = None, progress: bool = False) -> HybridMatcher:
        """Index evidence documents: term counts, embeddings (cached on disk) and organisation profiles."""
        self.settings_ = merge_settings(self.settings)
        table = EvidenceTable.from_docs(docs)
        tokens = [analyse_evidence(text, kind) for text, kind in zip(table.texts, table.kinds, strict=True)]
        vocabulary = build_vocabulary(tokens)
        counts = term_counts(tokens, vocabulary)
        embeddings = None
        if self.encoder is not None:
            limit = self.settings_["dense_max_chars"]
            texts = [t[:limit] if limit else t for t in table.texts]
            embeddings = embed_passages(self.encoder, texts, cache_dir=cache_dir, progress=progress)
        encoder_name = self.encoder.name if embeddings is not None and self.encoder is not None else None
        self.settings_ = resolve_weights(self.settings_, encoder_name)
        self._set_index(table, list(vocabulary), counts, embeddings, data_hash(docs))
        return self

    def _set_index(
        self,
        table: EvidenceTable,
        terms: list[str],
        counts: sp.csc_matrix,
        embeddings: np.ndarray | None,
        hash_: str,
    ) -> None:
        self.table_ = table
        self.terms_ = terms
        self.vocabulary_ = {term: i for i, term in enumerate(terms)}
        self.counts_ = counts.tocsc()
        self.counts_rows_ = counts.tocsr()
        self.tfidf_, self.idf_ = tfidf_rows(self.counts_)
        self.lengths_ = np.asarray(counts.sum(axis=1)).ravel().astype(np.float32)
        ownership = table.ownership()
        self.org_counts_ = (ownership @ self.counts_rows_).tocsc()
        self.org_lengths_ = np.asarray(self.org_counts_.sum(axis=1)).ravel().astype(np.float32)
        self.is_directory_ = np.array([k == DIRECTORY_KIND for k in table.kinds], bool)
        self.is_hidden_ = np.array([k in HIDDEN_KINDS for k in table.kinds], bool)
        content = sp.diags((~self.is_directory_).astype(np.float32))
        self.org_content_counts_ = (ownership @ (content @ self.counts_rows_)).tocsc()
        groups = [KIND_GROUPS.index(GROUP_OF_KIND.get(k, "project")) for k in table.kinds]
        self.doc_group_ = np.asarray(groups, np.int64)
        segment = table.owner * len(KIND_GROUPS) + self.doc_group_
        self.segment_order_ = np.argsort(segment, kind="stable")
        ordered = segment[self.segment_order_]
        self.segment_starts_ = np.flatnonzero(np.r_[True, np.diff(ordered) != 0]) if ordered.size else ordered
        self.segment_org_ = ordered[self.segment_starts_] // len(KIND_GROUPS)
        self.segment_group_ = ordered[self.segment_starts_] % len(KIND_GROUPS)
        self.embeddings_ = embeddings
        self.dense_backend_: DenseBackend | None = None
        if embeddings is not None:
            self.dense_backend_ = NumpyDenseBackend(embeddings)
            self.org_embedding_sums_ = np.asarray(ownership @ np.asarray(embeddings, np.float32), np.float32)
            self.org_embedding_norms_ = np.linalg.norm(self.org_embedding_sums_, axis=1)
        self.data_hash_ = hash_
        encoder_name = self.encoder.name if self.encoder is not None and embeddings is not None else None
        self.strength_model_: StrengthModel | None = model_for(encoder_name)
        self.doc_frequency_ = np.diff(self.counts_.indptr).astype(np.float32)
        order = np.argsort(table.owner, kind="stable")
        bounds = np.searchsorted(table.owner[order], np.arange(table.n_orgs + 1))
        self.org_rows_ = [order[bounds[i] : bounds[i + 1]] for i in range(table.n_orgs)]
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    # ---------------------------------------------------------------- persist

    @property
    def manifest(self) -> dict[str, Any]:
        """Describe what built this index: encoder, dims, settings, data hash, format version."""
        self._check_fitted()
        return store.manifest_for(self)

    def save(self, path: Path) -> Path:
        """Write the index as .npy arrays and JSON files in ``path``."""
        self._check_fitted()
        return store.save(self, Path(path))

    @classmethod
    def load(cls, path: Path, encoder: Encoder | None = None) -> HybridMatcher:
        """Load an index saved by ``save``; raise IndexMissingError / IndexStaleError if unusable."""
        manifest, table, terms, counts, embeddings = store.load(Path(path), encoder)
        try:
            matcher = cls(encoder=encoder, **manifest["settings"])
            matcher.settings_ = merge_settings(manifest["settings"])
        except (TypeError, ValueError) as error:
            raise IndexStaleError(f"index in {path} has settings this version cannot use: {error}") from error
        matcher._set_index(table, terms, counts, embeddings, manifest["data_hash"])
        return matcher

    # ----------------------------------------------------------------- search

    def _check_fitted(self) -> None:
        if not hasattr(self, "table_"):
            raise NotFittedError("HybridMatcher is not fitted: call fit() or HybridMatcher.load()")

    def use_dense_backend(self, backend: DenseBackend) -> None:
        """Score evidence embeddings through ``backend`` (e.g. pgvector or HNSW) instead of numpy."""
        self._check_fitted()
        if backend.n_docs != self.table_.n_docs:
            raise ValueError(f"dense backend serves {backend.n_docs} rows, the index has {self.table_.n_docs}")
        self.dense_backend_ = backend

    def query_vector(self, query: str) -> np.ndarray | None:
        """Return the (dim,) query embedding (memoised), or None without encoder."""
        if self.encoder is None or self.embeddings_ is None:
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
        if self.encoder is None or self.embeddings_ is None:
            return
        texts = list(dict.fromkeys(queries))
        vectors = embed_passages(self.encoder, texts, cache_dir=cache_dir, progress=progress, queries=True)
        self._query_vectors.update(zip(texts, vectors, strict=True))
        while len(self._query_vectors) > max(_QUERY_CACHE_SIZE, len(texts)):
            self._query_vectors.popitem(last=False)

    def features(
        self,
        query: str,
        candidate_orgs: Collection[str] | None = None,
        exclude_source_refs: Collection[str] = (),
        near: Collection[str] | None = None,
    ) -> QueryFeatures:
        """Compute every organisation feature for one query (used by search and learning to rank)."""
        self._check_fitted()
        return compute_features(self, query, candidate_orgs, exclude_source_refs, near)

    def search(
        self,
        query: str,
        k: int = 10,
        candidate_orgs: Collection[str] | None = None,
        exclude_source_refs: Collection[str] = (),
        explain: bool = True,
        near: Collection[str] | None = None,
    ) -> list[Match]:
        """Return the ``k`` best organisations for ``query``, best first.

        Args:
            query: free-text need (French or English).
            k: number of matches.
            candidate_orgs: restrict the pool to these organisation ids (None = all).
            exclude_source_refs: ignore evidence with these source refs (leave-one-out).
            explain: compute the passages (False skips them, e.g. for evaluation).
            near: organisations in the searcher's region (context prior, learned weight ``same_region``);
                None searches on the text alone.
        """
        ranked, _ = self.search_with_thin(query, k, 0, candidate_orgs, exclude_source_refs, explain, near)
        return ranked

    def search_with_thin(
        self,
        query: str,
        k: int = 10,
        k_thin: int = 5,
        candidate_orgs: Collection[str] | None = None,
        exclude_source_refs: Collection[str] = (),
        explain: bool = True,
        near: Collection[str] | None = None,
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
        scores = fuse(found.org, self.settings_["weights"])
        best = top_k(scores, k, found.candidates & found.sufficient)
        if best.size < k:
            best = np.r_[best, top_k(scores, k - best.size, found.candidates & ~found.sufficient)]
        # thin profiles shown apart are those whose record shares a (non-generic) word with the need
        named = found.raw["lexical_record"] > 0 if "lexical_record" in found.raw else found.candidates
        thin_pool = found.candidates & ~found.sufficient & named
        thin = top_k(scores, k_thin, thin_pool) if k_thin else np.zeros(0, np.int64)
        return (
            [self._match(found, int(i), float(scores[i]), explain, rank) for rank, i in enumerate(best, 1)],
            [self._match(found, int(i), float(scores[i]), explain, rank) for rank, i in enumerate(thin, 1)],
        )

    def strength_signals(self, found: QueryFeatures, org: int, score: float, rank: int) -> dict[str, float]:
        """Return the absolute signals the strength calibration reads for one ranked organisation."""
        return {
            "coverage": float(found.coverage[org]),
            "coverage_rare": float(found.coverage_rare[org]),
            "fused": score,
            "dense_org": float(found.raw["dense_org"][org]) if "dense_org" in found.raw else 0.0,
            "rank": float(np.log(rank)),
        }

    def _match(self, found: QueryFeatures, org: int, score: float, explain: bool = True, rank: int = 1) -> Match:
        rows = self.org_rows_[org]
        rows = rows[found.valid_docs[rows]]
        doc_scores = found.doc_combined[rows]
        order = rows[np.argsort(-doc_scores, kind="stable")]
        contributing = [r for r in order if found.doc_combined[r] > 0] or list(order[:1])
        shown = [r for r in contributing if self.table_.kinds[r] not in HIDDEN_KINDS]
        evidence = [(self.table_.ids[r], self.table_.texts[r]) for r in shown]
        # the strength reads the text alone: a context prior (the searcher's region) moves ranks, not confidence
        prior = sum(
            float(self.settings_["weights"].get(name, 0.0)) * float(found.org[name][org])
            for name in CONTEXT_FEATURES
            if name in found.org
        )
        signals = self.strength_signals(found, org, score - prior, rank)
        sufficient = bool(found.sufficient[org])
        model = self.strength_model_
        confidence = model.probability(signals) if model is not None and sufficient else None
        strength = model.band(confidence) if model is not None and confidence is not None else ""
        if strength == STRONG and signals["coverage"] < STRONG_MIN_COVERAGE:
            strength = POSSIBLE  # strong means the evidence covers the essentials of the need, not a name
        return Match(
            org_id=self.table_.org_ids[org],
            score=score,
            parts={
                name: float(found.org[name][org]) for name in (*FEATURE_NAMES, *CONTEXT_FEATURES) if name in found.org
            },
            passages=passages_for(evidence, found.term_weights, self.settings_["max_passages"]) if explain else (),
            evidence_ids=tuple(self.table_.ids[r] for r in contributing),
            sufficient=sufficient,
            strength=strength or (WEAK if not sufficient else ""),
            confidence=confidence,
            signals=signals,
        )
