"""Default ranking settings, in one place so the app records them in the index manifest."""

from __future__ import annotations

from typing import Any

# 2: sous-traitant is one token; 3: need phrasing and certification words are stopwords; 4: identifier tokens,
# short words unstemmed, generic record words; 5: EvidenceIndex directory (memory-mapped columns, tantivy);
# 6: hospital words (CHU, pôle, DMU) generic in records
INDEX_FORMAT_VERSION = 6

KIND_GROUPS = ("project", "field", "funded", "record")
"""Evidence kind groups that get their own features; unknown kinds count as "project" text."""

GROUP_OF_KIND = {
    "directory_record": "record",
    "research_fields": "field",
    "devices": "field",
    "medicines": "field",
    "funded_projects": "funded",
    "funded_topics": "funded",
}

DEFAULT_SETTINGS: dict[str, Any] = {
    # lexical (BM25 over stemmed, accent-folded French+English tokens)
    "k1": 1.2,
    "b": 0.75,
    "org_b": 0.5,
    # an English need's lexical query gets the French words of its key terms (ranking/bilingual.py)
    "translate_queries": True,
    # dense: characters of each evidence text given to the encoder (None = all); 500 keeps quality, ~1.5x faster
    "dense_max_chars": 500,
    # first stage: evidence rows (lexical, tantivy), organisation profiles (lexical) and evidence rows (dense,
    # exact or ANN) whose organisations are scored; the features are then computed for those organisations only
    "candidate_rows": 1000,
    "candidate_profiles": 400,
    "dense_top_n": 1000,
    # ... of which the organisations of the best rows are kept, up to this many distinct ones per signal;
    # a pool (filters) of at most ``exhaustive_rows`` evidence documents is scored whole instead
    "first_stage_orgs": 600,
    "exhaustive_rows": 5000,
    # from this many evidence documents, the index builds an HNSW graph (faiss) and finds dense candidates
    # through it instead of scoring every embedding (PostgreSQL then uses its own pgvector HNSW index)
    "ann_min_docs": 200_000,
    # evidence -> organisation aggregation: max + damping**j * the j-th next best
    "damping": 0.3,
    "aggregate_depth": 5,
    # candidates: union of the best scored organisations under each of these signals
    "candidate_depth": 200,
    "candidate_features": ["lexical", "lexical_org", "cosine", "dense", "hybrid"],
    # second stage: linear fusion of the features standardised over the candidates;
    # None = the weights learned for this encoder (matchmaker.ranking.learned_weights)
    "weights": None,
    # fusion weights of a supplier search (only companies and start-ups compete: a buyer's or a hospital's need
    # for a product, a service or a subcontractor; the company pool of the evaluation). None = the weights learned
    # on the supplier validation queries for this encoder ("<encoder>/suppliers"), else the weights above
    "supplier_weights": None,
    # an organisation with fewer content tokens than this outside its directory record (and hidden machine
    # text) is "insufficient": too thin to judge, ranked after every sufficient one. One contract won or one
    # project pitch is enough ("Maintenance des automates d'immunoanalyse" won at a CHU is evidence).
    "min_profile_tokens": 2,
    "max_passages": 3,
    # True: a match on an organisation's directory record (its name) counts only with support from its other
    # evidence. Off: on the validation queries it lowered MRR (0.353 -> 0.332, 400 held-out i-Lab rows), since a
    # lab's RNSR record describes its field; names still never make a match "strong" (see HybridMatcher._match)
    "name_needs_support": False,
}


def merge_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the default settings updated with ``overrides``."""
    merged = dict(DEFAULT_SETTINGS)
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_SETTINGS:
            raise ValueError(f"unknown ranking setting: {key!r}")
        merged[key] = dict(value) if key in ("weights", "supplier_weights") and value is not None else value
    return merged


SUPPLIERS = "/suppliers"
"""Suffix of the learned weights of supplier searches (``e5/suppliers``)."""


def resolve_weights(settings: dict[str, Any], encoder_name: str | None) -> dict[str, Any]:
    """Return ``settings`` with the learned weights of ``encoder_name`` filled in where weights are None.

    A supplier search uses the supplier weights learned for that encoder, else the general ones.
    """
    from matchmaker.ranking.learned_weights import LEARNED_WEIGHTS

    key = "lexical" if encoder_name is None else encoder_name if encoder_name in LEARNED_WEIGHTS else "e5"
    weights = settings["weights"] if settings["weights"] is not None else dict(LEARNED_WEIGHTS[key])
    suppliers = settings["supplier_weights"]
    if suppliers is None:
        suppliers = dict(LEARNED_WEIGHTS.get(key + SUPPLIERS) or weights)
    return {**settings, "weights": weights, "supplier_weights": suppliers}
