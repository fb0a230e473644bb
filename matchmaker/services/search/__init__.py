"""The search wing: everything between a need and its ranked organisations.

- ``engine``: the per-process SearchEngine (encoder and index, loaded lazily and once);
- ``indexing``: incremental indexing of catalogue changes (IncrementalSearchEngine);
- ``matcher_changes``: changing a fitted matcher without refitting it;
- ``vectors``: evidence embeddings in PostgreSQL + pgvector;
- ``service``: the search use case (request parsing, filters, ranking, rows); its names are re-exported here;
- ``competences``: the competence map drawn from the same dense space;
- ``evaluation``: leave-one-out evaluation of the served ranking.
"""

from matchmaker.services.search.service import (
    CERTIFICATION_CUES,
    DEFAULT_KINDS,
    KIND_CUES,
    RERANK_WINDOW,
    THIN_BLOCK,
    SearchHit,
    SearchRequest,
    SearchResults,
    SuggestedFilters,
    candidate_keys,
    certification_met,
    need_intent,
    parse_search_request,
    prefer_regions,
    ranked_kinds,
    region_choices,
    search_organisations,
    search_request_from_args,
    suggest_filters,
)

__all__ = [
    "CERTIFICATION_CUES",
    "DEFAULT_KINDS",
    "KIND_CUES",
    "RERANK_WINDOW",
    "THIN_BLOCK",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "SuggestedFilters",
    "candidate_keys",
    "certification_met",
    "need_intent",
    "parse_search_request",
    "prefer_regions",
    "ranked_kinds",
    "region_choices",
    "search_organisations",
    "search_request_from_args",
    "suggest_filters",
]
