"""The search wing: everything between a need and its ranked organisations.

- ``engine``: the per-process SearchEngine (encoder and index loaded lazily and once; pure reads,
  refresh on writes, in the CLI and in the background) and ``get_engine()`` for views and commands;
- ``indexing``: which evidence changed since the served index (incremental indexing);
- ``facets``: organisation kinds, regions and certifications as arrays, for filters;
- ``vectors``: evidence embeddings in PostgreSQL + pgvector;
- ``service``: the search use case (request parsing, filters, ranking, rows); its names are re-exported here;
- ``competences``: the competence map drawn from the same dense space;
- ``evaluation``: leave-one-out evaluation of the served ranking.
"""

from flask import current_app

from matchmaker.services.search.engine import SearchEngine
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
    candidate_mask,
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


def get_engine() -> SearchEngine:
    """Return the search engine of the current application (created by the factory)."""
    return current_app.extensions["matchmaker"]


__all__ = [
    "SearchEngine",
    "get_engine",
    "CERTIFICATION_CUES",
    "DEFAULT_KINDS",
    "KIND_CUES",
    "RERANK_WINDOW",
    "THIN_BLOCK",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "SuggestedFilters",
    "candidate_mask",
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
