"""Buyers' pages: their needs, the guided need form, and the ranked organisations for a validated need."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.forms import NeedForm
from matchmaker.formtools import ActionForm, filter_tags, offset_arg, reset_url, service_call
from matchmaker.geo import all_regions
from matchmaker.labels import KIND_LABELS
from matchmaker.models import Need, NeedStatus
from matchmaker.needs import bp
from matchmaker.needs.forms import SubmitNeedForm
from matchmaker.services.curation import curated_selection, engine_list_exclusions
from matchmaker.services.needs import (
    close_need,
    create_need,
    get_own_need,
    list_needs,
    must_haves,
    need_input,
    quality_warnings,
    rank_need,
    submit_need,
    update_need,
)
from matchmaker.services.search import get_engine
from matchmaker.services.shortlists import list_shortlists
from matchmaker.vocabulary import CERTIFICATIONS, SOUGHT_KINDS

FILTERS = ("kind", "region", "certification", "verified")


@bp.get("/")
def index():
    """List the buyer's needs with their status."""
    offset = offset_arg()
    limit = current_app.config["PAGE_SIZE"]
    needs, total = list_needs(db.session, current_account(), offset=offset, limit=limit)
    return render_template("needs/index.html", needs=needs, offset=offset, limit=limit,
                           has_next=offset + len(needs) < total, total=total)


@bp.route("/nouveau", methods=["GET", "POST"])
def new():
    """Write a new need (saved as a draft, checked, then submitted)."""
    form = NeedForm()
    if request.method == "GET" and request.args.get("q"):  # "confier ce besoin à l'équipe" from a search
        form.description.data = request.args["q"][:4000]
    if form.validate_on_submit():
        with service_call(form, catch=(InvalidQuery,)) as call:
            need = create_need(db.session, current_account(), form.to_input())
        if call.ok:
            flash(_("Brouillon enregistré. Relisez les remarques éventuelles puis soumettez-le à l'équipe."), "success")
            return redirect(url_for("needs.detail", public_id=need.public_id))
    return render_template("needs/form.html", form=form, need=None), 400 if form.errors else 200


@bp.route("/<public_id>/modifier", methods=["GET", "POST"])
def edit(public_id: str):
    """Edit a draft or a need sent back by staff."""
    need = get_own_need(db.session, current_account(), public_id)
    form = NeedForm()
    if request.method == "GET":
        form.fill(need)
    elif form.validate_on_submit():
        with service_call(form, catch=(InvalidQuery,)) as call:
            update_need(db.session, current_account(), need, form.to_input())
        if call.ok:
            flash(_("Besoin mis à jour."), "success")
            return redirect(url_for("needs.detail", public_id=need.public_id))
    return render_template("needs/form.html", form=form, need=need), 400 if form.errors else 200


def _render_detail(need: Need, submit_form: SubmitNeedForm, status: int = 200):
    config = current_app.config
    results = error = None
    if need.status == NeedStatus.VALIDATED:
        try:
            results = rank_need(
                get_engine(), db.session, need,
                kinds=request.args.getlist("kind"), regions=request.args.getlist("region"),
                certifications=request.args.getlist("certification"), offset=offset_arg(),
                limit=config["PAGE_SIZE"], max_chars=config["MAX_QUERY_CHARS"], max_results=config["MAX_RESULTS"],
                exclude=engine_list_exclusions(need), verified_only=request.args.get("verified") == "1",
            )
        except InvalidQuery as exc:
            error, status = exc, 400
    selection = [(s, must_haves(need, s.organisation)) for s in curated_selection(need)] if need.published_at else []
    warnings = quality_warnings(need_input(need)) if need.status in (NeedStatus.DRAFT, NeedStatus.REJECTED) else []
    return render_template(
        "needs/detail.html", need=need, results=results, error=error, warnings=warnings, submit_form=submit_form,
        action_form=ActionForm(), selection=selection,
        shortlists=list_shortlists(db.session, current_account()),
        filter_tags=filter_tags({"kind": KIND_LABELS, "region": None, "certification": None}),
        reset_filters_url=reset_url(FILTERS), kinds=SOUGHT_KINDS, regions=all_regions(),
        certifications=CERTIFICATIONS, selected={name: request.args.getlist(name) for name in FILTERS},
    ), status


@bp.get("/<public_id>")
def detail(public_id: str):
    """Show a need: its status, the quality check before submission, then the ranked organisations."""
    need = get_own_need(db.session, current_account(), public_id)
    return _render_detail(need, SubmitNeedForm())


@bp.post("/<public_id>/soumettre")
def submit(public_id: str):
    """Submit a draft to staff review."""
    need = get_own_need(db.session, current_account(), public_id)
    form = SubmitNeedForm()
    if form.validate_on_submit():
        with service_call(form, fallback="acknowledge", catch=(InvalidQuery,)) as call:
            submit_need(db.session, current_account(), need, acknowledge_warnings=bool(form.acknowledge.data))
        if call.ok:
            flash(_("Besoin soumis : l'équipe le relit avant de le proposer aux organisations."), "success")
            return redirect(url_for("needs.detail", public_id=need.public_id))
    return _render_detail(need, form, 400)


@bp.post("/<public_id>/clore")
def close(public_id: str):
    """Close a need that is answered or abandoned."""
    need = get_own_need(db.session, current_account(), public_id)
    if ActionForm().validate_on_submit():
        close_need(get_engine(), db.session, current_account(), need)
        flash(_("Besoin clos."), "info")
    return redirect(url_for("needs.detail", public_id=need.public_id))
