"""Per-query organisation features: lexical, dense and prior signals, leave-one-out aware."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking.backends import dense_doc_scores
from matchmaker.ranking.bilingual import lexical_query
from matchmaker.ranking.lexical import bm25_scores, cosine_scores, query_terms
from matchmaker.ranking.scoring import aggregate, segment_max, zscore
from matchmaker.ranking.settings import KIND_GROUPS
from matchmaker.ranking.text import analyse

if TYPE_CHECKING:
    from matchmaker.ranking.matcher import HybridMatcher

SIGNALS = ("lexical", "dense")
PRIORS = ("prior_projects", "prior_funded", "prior_fields", "prior_length")
LEXICAL_FEATURES = (
    *(name for signal in ("lexical", "cosine") for name in (signal, *(f"{signal}_{g}" for g in KIND_GROUPS))),
    "lexical_org",
)
DENSE_FEATURES = (
    *(name for signal in ("dense", "hybrid") for name in (signal, *(f"{signal}_{g}" for g in KIND_GROUPS))),
    "dense_org",
)
FEATURE_NAMES = (*LEXICAL_FEATURES, *DENSE_FEATURES, *PRIORS)
"""Text features: what the ranker measures without knowing who searches."""
CONTEXT_FEATURES = ("same_region",)
"""The searcher's declared context, a soft prior added to the text score (raw 0/1, not standardised)."""


@dataclass
class QueryFeatures:
    """Everything one query computes over the index.

    Attributes:
        org: feature name -> (n_orgs,) float32 feature, standardised over the candidates.
        raw: feature name -> (n_orgs,) float32 feature before standardisation.
        candidates: (n_orgs,) bool, organisations retrieved by a first-stage signal (rankable).
        valid_docs: (n_docs,) bool, evidence not left out.
        doc_combined: (n_docs,) float32 evidence relevance used to pick explanations.
        sufficient: (n_orgs,) bool, profile has enough text outside its directory record.
        term_weights: query stem -> idf, for highlighting.
        coverage: (n_orgs,) float32 share of the query's idf weight found in the organisation's evidence
            outside its directory record (a name alone covers nothing), leave-one-out aware.
        coverage_rare: (n_orgs,) the same over the rarer half of the query's words (the specific part).
    """

    org: dict[str, np.ndarray]
    raw: dict[str, np.ndarray]
    candidates: np.ndarray
    valid_docs: np.ndarray
    doc_combined: np.ndarray
    sufficient: np.ndarray
    term_weights: dict[str, float]
    coverage: np.ndarray
    coverage_rare: np.ndarray


def content_coverage(
    matcher: HybridMatcher, columns: np.ndarray, idf: np.ndarray, removed: np.ndarray
) -> np.ndarray:
    """Return the (n_orgs,) share of query idf weight present in each organisation's non-record evidence."""
    n_orgs = matcher.table_.n_orgs
    total = float(idf.sum())
    if columns.size == 0 or total <= 0:
        return np.zeros(n_orgs, np.float32)
    present = matcher.org_content_counts_[:, columns].toarray()
    content_removed = removed[~matcher.is_directory_[removed]] if removed.size else removed
    if content_removed.size:
        local = matcher.counts_rows_[content_removed][:, columns].toarray()
        np.subtract.at(present, matcher.table_.owner[content_removed], local)
    return ((present > 0) @ idf / total).astype(np.float32)


def _removed_counts(
    matcher: HybridMatcher, removed: np.ndarray, columns: np.ndarray
) -> tuple[sp.csr_matrix | None, sp.csr_matrix | None]:
    """Return the left-out term counts per evidence row and per organisation, restricted to columns."""
    if removed.size == 0 or columns.size == 0:
        return None, None
    table = matcher.table_
    local = matcher.counts_rows_[removed][:, columns]
    ones = np.ones(removed.size, np.float32)
    place = sp.csr_matrix((ones, (removed, np.arange(removed.size))), shape=(table.n_docs, removed.size))
    group = sp.csr_matrix((ones, (table.owner[removed], np.arange(removed.size))), shape=(table.n_orgs, removed.size))
    return (place @ local).tocsr(), (group @ local).tocsr()


def _lexical(matcher: HybridMatcher, query: str, removed: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return BM25 per evidence, BM25 per organisation profile, query columns (leave-one-out)."""
    settings, table = matcher.settings_, matcher.table_
    text = lexical_query(query) if settings["translate_queries"] else query
    columns, weights = query_terms(analyse(text), matcher.vocabulary_)
    doc_removed, org_removed = _removed_counts(matcher, removed, columns)
    removed_lengths = np.zeros(table.n_docs, np.float32)
    removed_lengths[removed] = matcher.lengths_[removed]
    org_removed_lengths = np.bincount(
        table.owner[removed], weights=matcher.lengths_[removed], minlength=table.n_orgs
    ).astype(np.float32)
    k1 = settings["k1"]
    per_doc = bm25_scores(
        matcher.counts_, matcher.lengths_, columns, weights, doc_removed, removed_lengths, k1, settings["b"]
    )
    per_org = bm25_scores(
        matcher.org_counts_,
        matcher.org_lengths_,
        columns,
        weights,
        org_removed,
        org_removed_lengths,
        k1,
        settings["org_b"],
    )
    cosine = cosine_scores(matcher.tfidf_, matcher.idf_, columns, weights)
    return per_doc, per_org, cosine, columns


def _signal(matcher: HybridMatcher, name: str, scores: np.ndarray, valid: np.ndarray) -> dict[str, np.ndarray]:
    """Aggregate one evidence-level signal per organisation and per kind group."""
    settings, table = matcher.settings_, matcher.table_
    best = aggregate(scores, table.owner, table.n_orgs, valid, settings["damping"], settings["aggregate_depth"])
    floor = float(np.nanmin(best)) if np.isfinite(best).any() else 0.0
    out = {name: np.nan_to_num(best, nan=floor)}
    per_segment = segment_max(scores, matcher.segment_order_, matcher.segment_starts_, valid)
    for g, group in enumerate(KIND_GROUPS):
        values = np.full(table.n_orgs, floor, np.float32)
        here = matcher.segment_group_ == g
        values[matcher.segment_org_[here]] = np.nan_to_num(per_segment[here], nan=floor)
        out[f"{name}_{group}"] = values
    return out


def _profile_cosine(matcher: HybridMatcher, vector: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """Return the cosine between the query and each organisation's mean evidence embedding (leave-one-out)."""
    sums, norms = matcher.org_embedding_sums_, matcher.org_embedding_norms_
    dots = sums @ vector
    if removed.size:
        # only the organisations that lose evidence need their profile vector recomputed
        owners = matcher.table_.owner[removed]
        touched = np.unique(owners)
        local = sums[touched].copy()
        np.subtract.at(local, np.searchsorted(touched, owners), np.asarray(matcher.embeddings_[removed]))
        dots, norms = dots.copy(), norms.copy()
        dots[touched], norms[touched] = local @ vector, np.linalg.norm(local, axis=1)
    return np.where(norms > 1e-6, dots / np.maximum(norms, 1e-6), 0.0).astype(np.float32)


def _candidates(raw: dict[str, np.ndarray], pool: np.ndarray, depth: int, names: list[str]) -> np.ndarray:
    """Return the union of the ``depth`` best pool organisations under each first-stage signal.

    Only organisations with a positive signal qualify, so a small pool (filters) never ranks profiles that
    share nothing with the query.
    """
    chosen = np.zeros(pool.size, bool)
    for name in names:
        if name not in raw:
            continue
        rows = np.flatnonzero(pool & (raw[name] > 0))
        if rows.size == 0:
            continue
        values = raw[name][rows]
        take = min(depth, rows.size)
        chosen[rows[np.argpartition(-values, take - 1)[:take]]] = True
    return chosen


def compute_features(
    matcher: HybridMatcher,
    query: str,
    candidate_orgs: Collection[str] | None,
    exclude_source_refs: Collection[str],
    near: Collection[str] | None = None,
) -> QueryFeatures:
    """Score every organisation of a fitted matcher for one query.

    ``near``: organisations in the searcher's region (None: no context); they get the ``same_region`` prior.
    """
    settings, table = matcher.settings_, matcher.table_
    removed = table.excluded_rows(exclude_source_refs)
    valid = np.ones(table.n_docs, bool)
    valid[removed] = False
    live = np.bincount(table.owner[valid], minlength=table.n_orgs) > 0
    pool = table.org_mask(candidate_orgs) & live

    lexical_doc, lexical_org, cosine_doc, columns = _lexical(matcher, query, removed)
    raw = _signal(matcher, "lexical", lexical_doc, valid)
    raw.update(_signal(matcher, "cosine", cosine_doc, valid))
    raw["lexical_org"] = lexical_org
    doc_combined = np.where(lexical_doc > 0, zscore(lexical_doc, valid), 0.0).astype(np.float32)
    vector = matcher.query_vector(query)
    if vector is not None and matcher.dense_backend_ is not None:
        dense_doc = dense_doc_scores(matcher.dense_backend_, vector, valid, settings["dense_top_n"])
        raw.update(_signal(matcher, "dense", dense_doc, valid))
        raw["dense_org"] = _profile_cosine(matcher, vector, removed)
        hybrid_doc = zscore(cosine_doc, valid) + dense_doc
        raw.update(_signal(matcher, "hybrid", hybrid_doc, valid))
        doc_combined = doc_combined + dense_doc

    counted = valid & ~matcher.is_directory_ & ~matcher.is_hidden_
    content = np.bincount(table.owner[counted], weights=matcher.lengths_[counted], minlength=table.n_orgs)
    for prior, group in (("prior_projects", "project"), ("prior_funded", "funded"), ("prior_fields", "field")):
        rows = valid & (matcher.doc_group_ == KIND_GROUPS.index(group))
        count = np.bincount(table.owner[rows], minlength=table.n_orgs).astype(np.float32)
        raw[prior] = np.log1p(count) if prior == "prior_projects" else (count > 0).astype(np.float32)
    raw["prior_length"] = np.log1p(content).astype(np.float32)

    candidates = _candidates(raw, pool, settings["candidate_depth"], settings["candidate_features"])
    n_live = max(int(valid.sum()), 1)
    df = matcher.doc_frequency_[columns]
    idf = np.log1p((n_live - df + 0.5) / (df + 0.5))
    weights = np.asarray(idf, np.float32)
    coverage = content_coverage(matcher, columns, weights, removed)
    # the rarer half of the need's words says what is specific about it ("oxyde d'éthylène", not "dispositif")
    rare = weights >= np.median(weights) if weights.size else np.zeros(0, bool)
    coverage_rare = content_coverage(matcher, columns[rare], weights[rare], removed)
    if settings["name_needs_support"] and candidates.any():
        # a word of an organisation's name (its directory record) counts only when its other evidence shares
        # something with the need: unsupported records get the candidates' lowest record signal
        unsupported = (coverage <= 0) & (content >= settings["min_profile_tokens"])
        for name in [n for n in raw if n.endswith("_record")]:
            raw[name] = np.where(unsupported, float(raw[name][candidates].min()), raw[name]).astype(np.float32)
    org = {name: zscore(values, candidates) for name, values in raw.items()}
    if near is not None:
        raw["same_region"] = org["same_region"] = table.org_mask(near).astype(np.float32)
    return QueryFeatures(
        org=org,
        raw=raw,
        candidates=candidates,
        valid_docs=valid,
        doc_combined=np.where(valid, doc_combined, -np.inf).astype(np.float32),
        sufficient=content >= settings["min_profile_tokens"],
        term_weights={matcher.terms_[c]: float(w) for c, w in zip(columns, idf, strict=True)},
        coverage=coverage,
        coverage_rare=coverage_rare,
    )
