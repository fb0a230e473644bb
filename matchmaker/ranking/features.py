"""Per-query organisation features: lexical, dense and prior signals, leave-one-out aware."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking.lexical import bm25_scores, query_terms
from matchmaker.ranking.scoring import aggregate, zscore
from matchmaker.ranking.text import analyse

if TYPE_CHECKING:
    from matchmaker.ranking.matcher import HybridMatcher

FEATURE_NAMES = ("lexical", "lexical_org", "dense", "prior")


@dataclass
class QueryFeatures:
    """Everything one query computes over the index.

    Attributes:
        org: feature name -> (n_orgs,) float32 standardised organisation feature.
        candidates: (n_orgs,) bool, organisations that may be returned.
        valid_docs: (n_docs,) bool, evidence not left out.
        doc_combined: (n_docs,) float32 evidence relevance used to pick explanations.
        sufficient: (n_orgs,) bool, profile has enough text outside its directory record.
        term_weights: query stem -> idf, for highlighting.
    """

    org: dict[str, np.ndarray]
    candidates: np.ndarray
    valid_docs: np.ndarray
    doc_combined: np.ndarray
    sufficient: np.ndarray
    term_weights: dict[str, float]


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
    group = sp.csr_matrix(
        (ones, (table.owner[removed], np.arange(removed.size))), shape=(table.n_orgs, removed.size)
    )
    return (place @ local).tocsr(), (group @ local).tocsr()


def compute_features(
    matcher: HybridMatcher,
    query: str,
    candidate_orgs: Collection[str] | None,
    exclude_source_refs: Collection[str],
) -> QueryFeatures:
    """Score every organisation of a fitted matcher for one query."""
    settings = matcher.settings_
    table = matcher.table_
    n_docs, n_orgs = table.n_docs, table.n_orgs
    removed = table.excluded_rows(exclude_source_refs)
    valid = np.ones(n_docs, bool)
    valid[removed] = False
    candidates = table.org_mask(candidate_orgs)

    columns, weights = query_terms(analyse(query), matcher.vocabulary_)
    doc_removed, org_removed = _removed_counts(matcher, removed, columns)
    removed_lengths = np.zeros(n_docs, np.float32)
    removed_lengths[removed] = matcher.lengths_[removed]
    org_removed_lengths = np.bincount(
        table.owner[removed], weights=matcher.lengths_[removed], minlength=n_orgs
    ).astype(np.float32)
    k1, b = settings["k1"], settings["b"]
    lexical_doc = bm25_scores(
        matcher.counts_, matcher.lengths_, columns, weights, doc_removed, removed_lengths, k1, b
    )
    lexical_org = bm25_scores(
        matcher.org_counts_,
        matcher.org_lengths_,
        columns,
        weights,
        org_removed,
        org_removed_lengths,
        k1,
        settings["org_b"],
    )
    damping, depth = settings["damping"], settings["aggregate_depth"]
    lexical, _ = aggregate(lexical_doc, table.owner, n_orgs, valid, damping, depth)

    live_orgs = np.bincount(table.owner[valid], minlength=n_orgs) > 0
    lexical_z = zscore(lexical_doc, valid)
    features = {
        "lexical": zscore(np.nan_to_num(lexical), live_orgs),
        "lexical_org": zscore(lexical_org, live_orgs),
    }
    doc_combined = np.where(lexical_doc > 0, lexical_z, 0.0).astype(np.float32)
    vector = matcher.query_vector(query)
    if vector is not None and matcher.embeddings_ is not None:
        dense_doc = zscore(matcher.embeddings_ @ vector, valid)
        dense, _ = aggregate(dense_doc, table.owner, n_orgs, valid, damping, depth)
        features["dense"] = zscore(np.nan_to_num(dense), live_orgs)
        doc_combined = doc_combined + dense_doc

    content = np.where(valid & ~matcher.is_directory_, matcher.lengths_, 0.0)
    content_per_org = np.bincount(table.owner, weights=content, minlength=n_orgs)
    evidence_per_org = np.bincount(table.owner[valid & ~matcher.is_directory_], minlength=n_orgs)
    features["prior"] = zscore(np.log1p(evidence_per_org).astype(np.float32), live_orgs)

    n_live = max(int(valid.sum()), 1)
    idf = np.log1p((n_live - matcher.doc_frequency_[columns] + 0.5) / (matcher.doc_frequency_[columns] + 0.5))
    term_weights = {matcher.terms_[c]: float(w) for c, w in zip(columns, idf, strict=True)}
    for name in features:
        features[name][~live_orgs] = 0.0
    return QueryFeatures(
        org=features,
        candidates=candidates & live_orgs,
        valid_docs=valid,
        doc_combined=np.where(valid, doc_combined, -np.inf).astype(np.float32),
        sufficient=content_per_org >= settings["min_profile_tokens"],
        term_weights=term_weights,
    )
