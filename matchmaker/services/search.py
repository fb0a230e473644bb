"""Search use case: validate a query, rank organisations, join the rows the UI and API show."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.errors import InvalidQuery
from matchmaker.geo import all_regions, canonical_region
from matchmaker.models import Organisation
from matchmaker.ranking import Match
from matchmaker.ranking.text import fold
from matchmaker.services.engine import OrganisationFacet, SearchEngine
from matchmaker.services.pages import Page
from matchmaker.vocabulary import CERTIFICATION_PATTERNS, ORGANISATION_KINDS, PROFILE_KINDS

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

# Matches the curation re-ranker reorders (the same window for every page).
RERANK_WINDOW = 50

# Words of a need (accents folded) that name the kind of partner sought, in French or English.
KIND_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("subcontractor", r"\bsous[- ]?trait|\bsubcontract|\bsub-contract|\bfaconn|\bcontract manufactur|\bcdmo\b"),
        ("service_provider", r"\bprestataire|\bservice provider|\bcro\b|\bbureau d.etudes"),
        ("manufacturer", r"\bfabricant|\bmanufacturer\b|\bindustriel\b"),
        ("lab", r"\blaboratoire (de recherche|academique|public)|\bequipe de recherche|\bresearch (lab|team|group)|"
                r"\bacademic (lab|partner)"),
        ("platform", r"\bplateforme (technologique|d.imagerie|d.analyse|de criblage|de sequencage)|\bplateau technique|"
                     r"\bcore facilit|\btechnology platform"),
        ("startup", r"\bstart-?ups?\b|\bjeunes? pousses?\b"),
    )
)
# Certifications a need names unambiguously: the importer's patterns, the MDR classes left to the filter panel.
CERTIFICATION_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern)) for pattern, label in CERTIFICATION_PATTERNS if not label.startswith("MDR")
)


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: the text and the filters to apply."""

    query: str
    kinds: tuple[str, ...] = PROFILE_KINDS  # buyers post needs: by default, look for those who answer them
    regions: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class SearchHit:
    """One ranked organisation with the match that explains it."""

    rank: int
    organisation: Organisation
    match: Match


@dataclass(frozen=True)
class SuggestedFilters:
    """Filters the text of a need names but the search does not apply yet, with how many organisations pass each.

    Suggested, never applied silently: "un sous-traitant" in a sentence may be context, not a constraint.
    """

    kinds: tuple[tuple[str, int], ...] = ()
    certifications: tuple[tuple[str, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.kinds or self.certifications)


@dataclass(kw_only=True)
class SearchResults(Page[SearchHit]):
    """A page of hits, the request it answers and the filters the need suggests."""

    request: SearchRequest
    suggestions: SuggestedFilters = field(default_factory=SuggestedFilters)

    @property
    def hits(self) -> Sequence[SearchHit]:
        """Return the ranked organisations of this page."""
        return self.items


def parse_search_request(
    query: str | None,
    kinds: Sequence[str] = (),
    regions: Sequence[str] = (),
    certifications: Sequence[str] = (),
    limit: int | str | None = None,
    offset: int | str | None = None,
    *,
    max_chars: int,
    max_results: int,
) -> SearchRequest:
    """Validate raw parameters and return a SearchRequest, or raise InvalidQuery with a clear message."""
    text = " ".join((query or "").split())
    if not text:
        raise InvalidQuery(_l("Décrivez votre besoin : la recherche est vide."), field="q")
    if len(text) > max_chars:
        raise InvalidQuery(
            _l("La recherche est trop longue (%(length)d caractères, %(max)d au plus).", length=len(text),
               max=max_chars),
            field="q",
        )
    wanted_kinds = tuple(k for k in kinds if k)
    unknown = [k for k in wanted_kinds if k not in ORGANISATION_KINDS]
    if unknown:
        raise InvalidQuery(
            _l("Type d'organisation inconnu : %(kinds)s.", kinds=", ".join(unknown)[:100]), field="kind"
        )
    wanted_regions = []
    for value in regions:
        if not value:
            continue
        region = canonical_region(value)
        if region is None:
            raise InvalidQuery(_l("Région inconnue : %(region)s.", region=value[:60]), field="region")
        wanted_regions.append(region)
    try:
        size = int(limit) if limit not in (None, "") else 20
        start = int(offset) if offset not in (None, "") else 0
    except (TypeError, ValueError):
        raise InvalidQuery(_l("limit et offset doivent être des nombres entiers."), field="limit") from None
    if not 1 <= size <= max_results:
        raise InvalidQuery(_l("limit doit être entre 1 et %(max)d.", max=max_results), field="limit")
    if not 0 <= start <= 10 * max_results:
        raise InvalidQuery(_l("offset doit être entre 0 et %(max)d.", max=10 * max_results), field="offset")
    return SearchRequest(
        query=text,
        kinds=wanted_kinds or PROFILE_KINDS,
        regions=tuple(wanted_regions),
        certifications=tuple(c for c in certifications if c),
        limit=size,
        offset=start,
    )


def search_request_from_args(
    args: MultiDict[str, str],
    *,
    limit: int | str | None = None,
    max_chars: int,
    max_results: int,
) -> SearchRequest:
    """Validate a search given as query-string arguments: q, kind, region, certification, limit, offset.

    ``limit`` fixes the page size (the search page); by default the ``limit`` argument gives it (the API).
    """
    return parse_search_request(
        args.get("q"),
        kinds=args.getlist("kind"),
        regions=args.getlist("region"),
        certifications=args.getlist("certification"),
        limit=args.get("limit") if limit is None else limit,
        offset=args.get("offset"),
        max_chars=max_chars,
        max_results=max_results,
    )


def suggest_filters(facets: Mapping[str, OrganisationFacet], request: SearchRequest) -> SuggestedFilters:
    """Return the kinds and certifications named in the need that are not filtered on yet (and that exist)."""
    text = fold(request.query)
    explicit_kinds = set(request.kinds) != set(PROFILE_KINDS)
    kinds = [k for k, cue in KIND_CUES if cue.search(text) and not (explicit_kinds and k in request.kinds)]
    certifications = [c for c, cue in CERTIFICATION_CUES if cue.search(text) and c not in request.certifications]
    if not kinds and not certifications:
        return SuggestedFilters()
    kind_counts = Counter(f.kind for f in facets.values())
    certification_counts = Counter(c for f in facets.values() for c in f.certifications)
    return SuggestedFilters(
        kinds=tuple((k, kind_counts[k]) for k in kinds if kind_counts[k]),
        certifications=tuple((c, certification_counts[c]) for c in certifications if certification_counts[c]),
    )


def candidate_keys(facets: Mapping[str, OrganisationFacet], request: SearchRequest) -> Collection[str] | None:
    """Return the organisation keys that pass the filters (None means every organisation)."""
    if set(request.kinds) == set(ORGANISATION_KINDS) and not request.regions and not request.certifications:
        return None
    regions = set(request.regions)
    needed = set(request.certifications)
    return {
        key
        for key, facet in facets.items()
        if facet.kind in request.kinds
        and (not regions or facet.region in regions)
        and needed <= set(facet.certifications)
    }


def search_organisations(engine: SearchEngine, session: Session, request: SearchRequest) -> SearchResults:
    """Rank organisations for a request and return one page of hits with their rows."""
    matcher = engine.matcher(session)
    facets = engine.facets(session)
    depth = request.offset + request.limit
    reranker = engine.reranker()
    # The curation re-ranker reorders a fixed window, whatever the page, so pages never overlap or skip.
    matches = matcher.search(
        request.query,
        k=max(depth + 1, RERANK_WINDOW) if reranker is not None else depth + 1,
        candidate_orgs=candidate_keys(facets, request),
    )
    if reranker is not None:
        matches = [*reranker.rerank(matches[:RERANK_WINDOW]), *matches[RERANK_WINDOW:]]
    page = matches[request.offset : depth]
    rows = {
        org.key: org
        for org in session.scalars(
            select(Organisation)
            .where(Organisation.key.in_([m.org_id for m in page]))
            .options(selectinload(Organisation.evidence))
        )
    }
    hits = [
        SearchHit(rank=request.offset + i + 1, organisation=rows[m.org_id], match=m)
        for i, m in enumerate(page)
        if m.org_id in rows
    ]
    return SearchResults(
        request=request, items=hits, total=len(matches), offset=request.offset, limit=request.limit,
        suggestions=suggest_filters(facets, request),
    )


def region_choices() -> list[str]:
    """Return the regions a user can filter on."""
    return all_regions()
