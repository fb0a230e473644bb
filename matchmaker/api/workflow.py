"""JSON endpoints for needs, matches, shortlists, curation decisions and introductions.

Same rules as the pages: a login (session cookie) is required, roles are checked on every
endpoint, and other users' objects are 404. Writes only accept ``application/json`` bodies, which
a cross-site HTML form cannot send, so the API needs no CSRF token.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from matchmaker.access import STAFF_ROLES, current_account, roles_required
from matchmaker.api import bp
from matchmaker.api.views import hit_json, organisation_summary
from matchmaker.errors import Conflict, InvalidQuery
from matchmaker.extensions import db
from matchmaker.models import (
    CurationDecision,
    Introduction,
    Need,
    NeedStatus,
    Role,
    Shortlist,
    Suggestion,
)
from matchmaker.services import curation
from matchmaker.services.introductions import contact_for, get_introduction, list_for_user, request_introduction
from matchmaker.services.needs import NeedInput, create_need, get_need, list_needs, rank_need, submit_need
from matchmaker.services.profiles import get_organisation
from matchmaker.services.search import get_engine
from matchmaker.services.shortlists import add_entry, create_shortlist, get_shortlist, list_shortlists

BUYER = Role.BUYER.value
MEMBERS = (Role.BUYER.value, Role.MEMBER.value)


def _body() -> dict[str, Any]:
    if not request.is_json:
        abort(415)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidQuery(_l("Le corps de la requête doit être un objet JSON."))
    return data


def _text(data: dict[str, Any], name: str, default: str = "") -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise InvalidQuery(_l("« %(name)s » doit être une chaîne.", name=name), field=name)
    return value


def _strings(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidQuery(_l("« %(name)s » doit être une liste de chaînes.", name=name), field=name)
    return value


def _date(data: dict[str, Any], name: str) -> date | None:
    value = _text(data, name) if data.get(name) else ""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(_l("« %(name)s » doit être une date AAAA-MM-JJ.", name=name), field=name) from None


def need_json(need: Need) -> dict[str, Any]:
    """Return a need as JSON."""
    return {
        "id": need.public_id,
        "title": need.title,
        "description": need.description,
        "sought_kinds": list(need.sought_kinds or ()),
        "certifications": list(need.certifications or ()),
        "region": need.region,
        "deadline": need.deadline.isoformat() if need.deadline else None,
        "confidentiality": need.confidentiality,
        "status": need.status,
        "review_note": need.review_note,
        "published": need.published_at is not None,
        "created_at": need.created_at.isoformat(),
    }


def suggestion_json(suggestion: Suggestion) -> dict[str, Any]:
    """Return a curation suggestion as JSON."""
    return {
        "id": suggestion.id,
        "position": suggestion.position,
        "status": suggestion.status,
        "source": suggestion.source,
        "engine_rank": suggestion.engine_rank,
        "score": suggestion.score,
        "score_parts": dict(suggestion.score_parts or {}),
        "organisation": organisation_summary(suggestion.organisation),
    }


def decision_json(decision: CurationDecision) -> dict[str, Any]:
    """Return a curation label as JSON."""
    return {
        "id": decision.id,
        "need": decision.suggestion.need.public_id,
        "organisation": decision.organisation.key,
        "decision": decision.decision,
        "reason_category": decision.reason_category,
        "reason_text": decision.reason_text,
        "staff": decision.staff.email if decision.staff else None,
        "rank_position": decision.rank_position,
        "engine_rank": decision.engine_rank,
        "score": decision.score,
        "score_parts": dict(decision.score_parts or {}),
        "created_at": decision.created_at.isoformat(),
        "updated_at": decision.updated_at.isoformat(),
    }


def shortlist_json(shortlist: Shortlist, *, entries: bool = False) -> dict[str, Any]:
    """Return a shortlist as JSON, with its entries on request."""
    payload: dict[str, Any] = {"id": shortlist.public_id, "name": shortlist.name, "size": len(shortlist.entries)}
    if entries:
        payload["entries"] = [
            {"organisation": organisation_summary(e.organisation), "note": e.note, "added_at": e.added_at.isoformat()}
            for e in shortlist.entries
        ]
    return payload


def introduction_json(session: Session, intro: Introduction) -> dict[str, Any]:
    """Return an introduction as JSON; the contact is only present once the organisation accepted."""
    contact = contact_for(session, current_account(), intro)
    return {
        "id": intro.public_id,
        "organisation": organisation_summary(intro.organisation),
        "need": intro.need.public_id if intro.need and intro.need.owner_id == current_account().id else None,
        "status": intro.status,
        "message": intro.message,
        "created_at": intro.created_at.isoformat(),
        "contact": None if contact is None else {
            "organisation_email": contact.organisation_email, "website": contact.website,
            "people": [{"name": name, "email": email} for name, email in contact.people],
            "requester": {"name": contact.requester[0], "email": contact.requester[1]},
        },
    }


@bp.get("/needs")
@roles_required(BUYER, *STAFF_ROLES)
def needs_index():
    """List the user's needs (staff: every need, filtered by ?status=)."""
    user = current_account()
    statuses = [s for s in request.args.getlist("status") if s in {n.value for n in NeedStatus}]
    needs, total = list_needs(db.session, None if user.is_staff else user, statuses=statuses, limit=100)
    return jsonify({"total": total, "needs": [need_json(n) for n in needs]})


@bp.post("/needs")
@roles_required(BUYER)
def needs_create():
    """Create a draft need from a JSON body."""
    data = _body()
    need = create_need(db.session, current_account(), NeedInput(
        title=_text(data, "title"), description=_text(data, "description"),
        sought_kinds=tuple(_strings(data, "sought_kinds")), certifications=tuple(_strings(data, "certifications")),
        region=_text(data, "region") or None, deadline=_date(data, "deadline"),
        confidentiality=_text(data, "confidentiality", "public"),
    ))
    return jsonify(need_json(need)), 201


@bp.get("/needs/<public_id>")
@roles_required(BUYER, *STAFF_ROLES)
def needs_detail(public_id: str):
    """Return one need."""
    return jsonify(need_json(get_need(db.session, current_account(), public_id)))


@bp.post("/needs/<public_id>/submit")
@roles_required(BUYER)
def needs_submit(public_id: str):
    """Submit a draft; warnings must be acknowledged with {"acknowledge_warnings": true}."""
    user = current_account()
    need = get_need(db.session, user, public_id)
    warnings = submit_need(db.session, user, need, acknowledge_warnings=bool(_body().get("acknowledge_warnings")))
    return jsonify({**need_json(need), "warnings": warnings})


@bp.get("/needs/<public_id>/matches")
@roles_required(BUYER, *STAFF_ROLES)
def needs_matches(public_id: str):
    """Rank organisations for a validated need, with must-haves checked.

    "selection" is the team's published selection; "results" are the engine's other organisations,
    never one that staff rejected for this need.
    """
    need = get_need(db.session, current_account(), public_id)
    if need.status != NeedStatus.VALIDATED:
        raise Conflict(_l("Les organisations ne sont classées que pour un besoin validé."))
    config = current_app.config
    results = rank_need(
        get_engine(), db.session, need, kinds=request.args.getlist("kind"),
        regions=request.args.getlist("region"), certifications=request.args.getlist("certification"),
        offset=request.args.get("offset"), limit=request.args.get("limit") or 20,
        max_chars=config["MAX_QUERY_CHARS"], max_results=config["MAX_RESULTS"],
        exclude=curation.engine_list_exclusions(need), verified_only=request.args.get("verified") == "1",
    )
    return jsonify({
        "need": need.public_id,
        "has_more": results.has_next,
        "results": [
            {**hit_json(hit), "must_haves": [{"label": m.label, "met": m.met} for m in hit.must_haves]}
            for hit in results.items
        ],
        "selection": [suggestion_json(s) for s in curation.curated_selection(need)] if need.published_at else [],
    })


@bp.get("/needs/<public_id>/suggestions")
@roles_required(*STAFF_ROLES)
def suggestions_index(public_id: str):
    """List the curation suggestions of a need (staff)."""
    need = get_need(db.session, current_account(), public_id)
    return jsonify({"need": need.public_id, "suggestions": [suggestion_json(s) for s in need.suggestions]})


@bp.post("/needs/<public_id>/suggestions/<int:suggestion_id>/decision")
@roles_required(*STAFF_ROLES)
def suggestions_decide(public_id: str, suggestion_id: int):
    """Accept or reject a suggestion: {"decision": "reject", "reason_category": "off_topic", "reason_text": ""}.

    201 for a new label, 200 when it replaces this staff member's earlier decision (the last one wins).
    """
    staff = current_account()
    suggestion = curation.get_suggestion(get_need(db.session, staff, public_id), suggestion_id)
    data = _body()
    decision = curation.decide(db.session, staff, suggestion, _text(data, "decision"),
                               reason_category=_text(data, "reason_category") or None,
                               reason_text=_text(data, "reason_text"))
    revised = decision.updated_at != decision.created_at  # the staff member's label existed: updated in place
    return jsonify(decision_json(decision)), 200 if revised else 201


@bp.get("/curation/decisions")
@roles_required(*STAFF_ROLES)
def decisions_index():
    """List the curation labels, newest first (staff)."""
    return jsonify({"decisions": [decision_json(d) for d in curation.decisions(db.session, limit=1000)]})


@bp.get("/shortlists")
@roles_required(*MEMBERS)
def shortlists_index():
    """List the user's shortlists."""
    return jsonify({"shortlists": [shortlist_json(s) for s in list_shortlists(db.session, current_account())]})


@bp.post("/shortlists")
@roles_required(*MEMBERS)
def shortlists_create():
    """Create a shortlist: {"name": "..."}."""
    shortlist = create_shortlist(db.session, current_account(), _text(_body(), "name"))
    return jsonify(shortlist_json(shortlist, entries=True)), 201


@bp.get("/shortlists/<public_id>")
@roles_required(*MEMBERS)
def shortlists_detail(public_id: str):
    """Return a shortlist with its entries."""
    return jsonify(shortlist_json(get_shortlist(db.session, current_account(), public_id), entries=True))


@bp.post("/shortlists/<public_id>/entries")
@roles_required(*MEMBERS)
def shortlists_add(public_id: str):
    """Add an organisation: {"organisation": "<key>", "note": "..."}."""
    user = current_account()
    shortlist = get_shortlist(db.session, user, public_id)
    data = _body()
    add_entry(db.session, user, shortlist, get_organisation(db.session, _text(data, "organisation")),
              _text(data, "note"))
    return jsonify(shortlist_json(shortlist, entries=True)), 201


@bp.get("/introductions")
@roles_required()
def introductions_index():
    """List the user's introduction requests and those addressed to their organisation."""
    lists = list_for_user(db.session, current_account())
    return jsonify({
        "outgoing": [introduction_json(db.session, i) for i in lists.outgoing],
        "incoming": [introduction_json(db.session, i) for i in lists.incoming],
    })


@bp.post("/introductions")
@roles_required(*MEMBERS)
def introductions_create():
    """Ask for an introduction: {"organisation": "<key>", "message": "...", "need": "<need id>"}."""
    user = current_account()
    data = _body()
    need = get_need(db.session, user, _text(data, "need")) if data.get("need") else None
    intro = request_introduction(db.session, user, get_organisation(db.session, _text(data, "organisation")),
                                 _text(data, "message"), need)
    return jsonify(introduction_json(db.session, intro)), 201


@bp.get("/introductions/<public_id>")
@roles_required()
def introductions_detail(public_id: str):
    """Return one introduction (with the contact once accepted)."""
    return jsonify(introduction_json(db.session, get_introduction(db.session, current_account(), public_id)))
