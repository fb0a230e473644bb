"""JSON endpoints mirroring the search pages."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.api import bp
from matchmaker.catalogue.titles import evidence_title
from matchmaker.errors import InvalidQuery, NotFound
from matchmaker.extensions import csrf, db
from matchmaker.health import health
from matchmaker.models import Organisation
from matchmaker.ranking.intent import NeedIntent
from matchmaker.ranking.text import HIDDEN_KINDS
from matchmaker.services.search import SearchHit, get_engine, search_organisations, search_request_from_args

csrf.exempt(bp)

# "lang" is the interface-language choice read by select_locale (error messages follow it).
ALLOWED_SEARCH_PARAMS = {
    "q", "kind", "region", "certification", "verified", "limit", "offset", "lang", "intent", "near_region",
}


ORGANISATION_FIELDS = ("key", "name", "kind", "acronym", "city", "region", "claimed")
"""The public fields of an organisation, as stored."""


def organisation_summary(org: Organisation) -> dict[str, Any]:
    """Return the public fields of an organisation, its certifications and the address of its page."""
    summary = {name: getattr(org, name) for name in ORGANISATION_FIELDS}
    summary["certifications"] = list(org.certifications or [])
    summary["certification_status"] = dict(org.certification_states())  # declared, or verified by staff
    summary["url"] = url_for("main.organisation", key=org.key, _external=False)
    return summary


def intent_json(intent: NeedIntent, kinds: tuple[str, ...]) -> dict[str, Any]:
    """Return what the need was understood to look for (correct it with ?intent=)."""
    return {
        "sought": intent.sought,
        "corrected": intent.corrected,
        "kinds": list(kinds),
        "asker": intent.asker,
        "certifications": list(intent.certifications),
        "regions": list(intent.regions),
        "capabilities": list(intent.capabilities),
        "processes": list(intent.processes),
        "materials": list(intent.materials),
        "health": intent.health,
        "meaningful": intent.meaningful,
    }


def hit_json(hit: SearchHit) -> dict[str, Any]:
    """Return one ranked result as JSON."""
    match = hit.match
    return {
        "rank": hit.rank,
        "organisation": organisation_summary(hit.organisation),
        "score": round(float(match.score), 4) if match.sufficient else None,
        "strength": match.strength or None,
        "confidence": round(match.confidence, 3) if match.confidence is not None else None,
        "sufficient_profile": match.sufficient,
        "origin_labs": [{"key": key, "name": name} for key, name in hit.origin_labs],
        "region_met": hit.region_met,
        "certifications_met": [{"certification": c, "met": met} for c, met in getattr(hit, "certifications_met", ())],
        "capabilities_met": [
            {"section": m.requirement.section, "code": m.requirement.code, "declared_in_livret": m.declared,
             "named_in_evidence": m.named, "met": m.met}
            for m in getattr(hit, "capabilities_met", ())
        ],
        "score_parts": {name: round(float(value), 4) for name, value in match.parts.items()},
        "evidence": [
            {
                "evidence_id": p.evidence_id,
                "text": p.text,
                "highlights": [list(span) for span in p.highlights],
            }
            for p in match.passages
        ],
    }


@bp.get("/search")
def search():
    """Rank organisations for a need: GET /api/search?q=&kind=&region=&near_region=&limit=&offset=.

    ``near_region`` (optional) is the searcher's region: a soft proximity prior, not a filter.
    """
    unknown = set(request.args) - ALLOWED_SEARCH_PARAMS
    if unknown:
        raise InvalidQuery(_("Paramètre(s) inconnu(s) : %(names)s.", names=", ".join(sorted(unknown))[:200]))
    search_request = search_request_from_args(
        request.args,
        max_chars=current_app.config["MAX_QUERY_CHARS"],
        max_results=current_app.config["MAX_RESULTS"],
    )
    results = search_organisations(get_engine(), db.session, search_request)
    return jsonify(
        {
            "query": search_request.query,
            "intent": intent_json(results.intent, results.kinds),
            "ranked": results.ranked,
            "strong_match": results.strong_match,
            "thin_profiles": [hit_json(hit) for hit in results.thin],
            "filters": {
                "kind": list(search_request.kinds),
                "region": list(search_request.regions),
                "certification": list(search_request.certifications),
                "verified": search_request.verified_only,
            },
            "context": {"near_region": search_request.near_region},
            "suggested_filters": {
                "kind": [{"value": k, "organisations": n} for k, n in results.suggestions.kinds],
                "certification": [{"value": c, "organisations": n} for c, n in results.suggestions.certifications],
            },
            "offset": search_request.offset,
            "limit": search_request.limit,
            "has_more": results.has_next,
            "results": [hit_json(hit) for hit in results.items],
        }
    )


@bp.get("/organisations/<path:key>")
def organisation(key: str):
    """Return one organisation with its evidence."""
    org = db.session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        raise NotFound(_("Organisation introuvable."))
    payload = organisation_summary(org)
    payload["evidence"] = [
        {"id": e.key, "kind": e.kind, "title": evidence_title(e.title), "text": e.text, "lang": e.lang}
        for e in org.evidence
        if e.kind not in HIDDEN_KINDS  # machine text ranks but is never shown
    ]
    payload["kind_source"] = (org.attributes or {}).get("kind_source")
    payload["region_source"] = (org.attributes or {}).get("region_source")
    return jsonify(payload)


bp.add_url_rule("/health", view_func=health)
