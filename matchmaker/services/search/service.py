"""Search use case: validate a query, rank organisations, join the rows the UI and API show."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.errors import InvalidQuery
from matchmaker.geo import all_regions, canonical_region
from matchmaker.models import Organisation
from matchmaker.ranking import Match
from matchmaker.ranking.intent import OUTSIDE_HEALTH, SOUGHT, NeedIntent, parse_intent
from matchmaker.ranking.strength import STRONG
from matchmaker.ranking.text import fold
from matchmaker.services.certifications import verified_organisation_keys
from matchmaker.services.livret.matching import Requirement, RequirementMet, how_met, prefer_declared, requirements
from matchmaker.services.pages import Page
from matchmaker.services.search.engine import SearchEngine
from matchmaker.services.search.facets import OrganisationFacets
from matchmaker.vocabulary import (
    CERTIFICATION_PATTERNS,
    CERTIFICATIONS,
    ORGANISATION_KINDS,
    PROFILE_KINDS,
    RESEARCH_KINDS,
)

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

# Buyers post needs; by default a search looks for those who can answer them (outside-health companies only
# when the need itself is outside health, see NeedIntent.kinds).
DEFAULT_KINDS = tuple(k for k in PROFILE_KINDS if k != OUTSIDE_HEALTH)
# Profiles too thin to judge shown apart ("Profils à compléter") on the first page.
THIN_BLOCK = 5

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
    kinds: tuple[str, ...] = DEFAULT_KINDS  # buyers post needs: by default, look for those who answer them
    regions: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0
    sought: str | None = None
    kinds_chosen: bool = False
    excluded: frozenset[str] = frozenset()  # organisation keys never to return (rejected by staff for a need)
    verified_only: bool = False  # the certifications asked for must be verified by staff, not only declared
    near_region: str | None = None
    """The searcher's region: a soft proximity prior (same-region organisations rank a little higher)."""


@dataclass(frozen=True)
class SearchHit:
    """One ranked organisation with the match that explains it.

    ``origin_labs`` are the (key, name) of the labs a start-up comes from ("issue du laboratoire X");
    ``region_met`` says whether it is in a region the need names (None when the need names none);
    ``certifications_met`` pairs each certification the need requires with whether the organisation declares it
    or its evidence names it.
    """

    rank: int
    organisation: Organisation
    match: Match
    origin_labs: tuple[tuple[str, str], ...] = ()
    region_met: bool | None = None
    certifications_met: tuple[tuple[str, bool], ...] = ()
    capabilities_met: tuple[RequirementMet, ...] = ()  # processes and materials the need names (livret or evidence)


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
    intent: NeedIntent = field(default_factory=NeedIntent)
    kinds: tuple[str, ...] = DEFAULT_KINDS
    thin: list[SearchHit] = field(default_factory=list)

    @property
    def hits(self) -> Sequence[SearchHit]:
        """Return the ranked organisations of this page."""
        return self.items

    @property
    def ranked(self) -> bool:
        """Return False when the need holds nothing to match on (no ranking is given)."""
        return self.intent.meaningful

    @property
    def strong_match(self) -> bool:
        """Return True when at least one organisation matches strongly (else: "aucune correspondance forte")."""
        return any(hit.match.strength == STRONG for hit in self.hits)


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
    sought: str | None = None,
    verified_only: bool = False,
    near_region: str | None = None,
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
    if sought and sought not in SOUGHT:
        raise InvalidQuery(_l("Intention inconnue : %(value)s.", value=sought[:40]), field="intent")
    wanted_certifications = tuple(dict.fromkeys(c for c in certifications if c))
    unknown_certifications = [c for c in wanted_certifications if c not in CERTIFICATIONS]
    if unknown_certifications:
        raise InvalidQuery(
            _l("Certification inconnue : %(names)s (connues : %(known)s).",
               names=", ".join(unknown_certifications)[:100], known=", ".join(CERTIFICATIONS)),
            field="certification",
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
    near = canonical_region(near_region) if near_region else None
    if near_region and near is None:
        raise InvalidQuery(_l("Région inconnue : %(region)s.", region=near_region[:60]), field="near_region")
    return SearchRequest(
        query=text,
        kinds=wanted_kinds or DEFAULT_KINDS,
        regions=tuple(wanted_regions),
        certifications=wanted_certifications,
        verified_only=verified_only,
        limit=size,
        offset=start,
        sought=sought or None,
        kinds_chosen=bool(wanted_kinds),
        near_region=near,
    )


def search_request_from_args(
    args: MultiDict[str, str],
    *,
    limit: int | str | None = None,
    max_chars: int,
    max_results: int,
) -> SearchRequest:
    """Validate a search given as query-string arguments: q, kind, region, certification, verified, intent,
    near_region, ...

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
        sought=args.get("intent"),
        verified_only=args.get("verified", "") in ("1", "on", "true", "yes"),
        near_region=args.get("near_region"),
    )


def suggest_filters(facets: OrganisationFacets, request: SearchRequest) -> SuggestedFilters:
    """Return the kinds and certifications named in the need that are not filtered on yet (and that exist)."""
    text = fold(request.query)
    kinds = [k for k, cue in KIND_CUES if cue.search(text) and not (request.kinds_chosen and k in request.kinds)]
    certifications = [c for c, cue in CERTIFICATION_CUES if cue.search(text) and c not in request.certifications]
    if not kinds and not certifications:
        return SuggestedFilters()
    kind_counts, certification_counts = facets.kind_counts, facets.certification_counts
    return SuggestedFilters(
        kinds=tuple((k, kind_counts[k]) for k in kinds if kind_counts.get(k)),
        certifications=tuple((c, certification_counts[c]) for c in certifications if certification_counts.get(c)),
    )


def need_intent(request: SearchRequest) -> NeedIntent:
    """Return the intent of a request's need, with the user's correction applied."""
    intent = parse_intent(request.query, CERTIFICATION_PATTERNS)
    return intent.with_sought(request.sought) if request.sought else intent


def ranked_kinds(request: SearchRequest, intent: NeedIntent) -> tuple[str, ...]:
    """Return the kinds ranked: those the user picked, else those the need's intent calls for."""
    return request.kinds if request.kinds_chosen else intent.kinds


def candidate_mask(
    facets: OrganisationFacets, request: SearchRequest, kinds: Sequence[str] | None = None
) -> np.ndarray | None:
    """Return the (n_orgs,) mask of the organisations that pass the filters and are not excluded (None: all)."""
    kinds = tuple(kinds if kinds is not None else request.kinds)
    mask = facets.mask(kinds, request.regions, request.certifications)
    if request.excluded:
        mask = facets.without(mask, request.excluded)
    return mask


def _candidates(
    session: Session, facets: OrganisationFacets, request: SearchRequest, kinds: Sequence[str]
) -> np.ndarray | None:
    """Return the organisations a search may rank: the filters' mask, narrowed to verified certifications on demand."""
    mask = candidate_mask(facets, request, kinds)
    if not (request.verified_only and request.certifications):
        return mask
    verified = facets.only(verified_organisation_keys(session, request.certifications))
    return verified if mask is None else mask & verified


def _band_order(match: Match) -> int:
    return {"strong": 0, "possible": 1}.get(match.strength, 2)


def prefer_regions(matches: list[Match], facets: OrganisationFacets, regions: Collection[str]) -> list[Match]:
    """Within each strength band, put the organisations of the regions the need names first (stable)."""
    if not regions:
        return matches
    wanted = set(regions)

    def outside(match: Match) -> int:
        facet = facets.facet(match.org_id)
        return 0 if facet is not None and facet.region in wanted else 1

    return sorted(matches, key=lambda m: (_band_order(m), outside(m)))


def certification_met(organisation: Organisation, label: str) -> bool:
    """Return True when the organisation declares a certification or one of its evidence texts names it."""
    if label in (organisation.certifications or ()):
        return True
    patterns = [pattern for pattern, known in CERTIFICATION_PATTERNS if known == label]
    return any(re.search(p, fold(e.text)) for e in organisation.evidence for p in patterns)


def _hits(
    session: Session, matches: Sequence[Match], first_rank: int, regions: Collection[str],
    certifications: Sequence[str] = (), requested: Sequence[Requirement] = (),
) -> list[SearchHit]:
    """Join matches to their organisation rows (evidence eager-loaded) and their start-ups' labs."""
    rows = {
        org.key: org
        for org in session.scalars(
            select(Organisation)
            .where(Organisation.key.in_([m.org_id for m in matches]))
            .options(selectinload(Organisation.evidence), selectinload(Organisation.links),
                     selectinload(Organisation.livret))
        )
    }
    lab_keys = {link.to_key for org in rows.values() if org.kind == "startup" for link in org.links}
    lab_names = dict(
        session.execute(select(Organisation.key, Organisation.name).where(Organisation.key.in_(lab_keys))).all()
    ) if lab_keys else {}
    wanted = set(regions)
    hits = []
    for i, match in enumerate(m for m in matches if m.org_id in rows):
        org = rows[match.org_id]
        origin = tuple((link.to_key, lab_names[link.to_key]) for link in org.links if link.to_key in lab_names)
        hits.append(
            SearchHit(
                rank=first_rank + i, organisation=org, match=match,
                origin_labs=origin if org.kind == "startup" else (),
                region_met=(org.region in wanted) if wanted else None,
                certifications_met=tuple((c, certification_met(org, c)) for c in certifications),
                capabilities_met=how_met(org, requested) if requested else (),
            )
        )
    return hits


def is_supplier_search(kinds: Collection[str]) -> bool:
    """Return True when only companies and start-ups compete (no lab, no platform): a need for a supplier."""
    return bool(kinds) and not set(kinds) & set(RESEARCH_KINDS)


def search_organisations(engine: SearchEngine, session: Session, request: SearchRequest) -> SearchResults:
    """Rank organisations for a request and return one page of hits with their rows.

    The need's intent decides which kinds are ranked unless the user picked kinds; regions it names are
    preferred within a strength band; profiles too thin to judge come apart, in ``thin``.
    """
    intent = need_intent(request)
    kinds = ranked_kinds(request, intent)
    if not intent.meaningful:
        return SearchResults(request=request, intent=intent, kinds=kinds, offset=request.offset, limit=request.limit)
    snapshot = engine.snapshot(session)  # one freshness check: the matcher and facets of one catalogue state
    matcher, facets = snapshot.matcher, snapshot.facets
    depth = request.offset + request.limit
    reranker = engine.reranker()
    # The curation re-ranker and the region preference reorder a fixed window, whatever the page, so pages
    # never overlap or skip.
    matches, thin = matcher.search_with_thin(
        request.query,
        k=max(depth + 1, RERANK_WINDOW),
        k_thin=THIN_BLOCK if request.offset == 0 else 0,
        candidate_orgs=_candidates(session, facets, request, kinds),
        explain=False,  # passages are quoted for the page only, below
        near=facets.in_region(request.near_region) if request.near_region else None,
        suppliers=is_supplier_search(kinds),
    )
    matches = [m for m in matches if m.sufficient]  # thin profiles are shown apart, never in the ranking
    if reranker is not None:
        matches = [*reranker.rerank(matches[:RERANK_WINDOW]), *matches[RERANK_WINDOW:]]
    matches = [*prefer_regions(matches[:RERANK_WINDOW], facets, intent.regions), *matches[RERANK_WINDOW:]]
    matches = [*prefer_declared(session, matches[:RERANK_WINDOW], intent, _band_order), *matches[RERANK_WINDOW:]]
    page = matcher.explain(request.query, matches[request.offset : depth])
    thin = matcher.explain(request.query, thin)
    return SearchResults(
        request=request,
        items=_hits(session, page, request.offset + 1, intent.regions, intent.certifications,
                    requirements(intent)),
        total=len(matches),
        offset=request.offset,
        limit=request.limit,
        suggestions=suggest_filters(facets, request),
        intent=intent,
        kinds=kinds,
        thin=_hits(session, thin, 1, intent.regions),
    )


def region_choices() -> list[str]:
    """Return the regions a user can filter on."""
    return all_regions()
