"""Start-up pages: profile claim and edit, matching labs and platforms, saved searches and alerts."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.errors import Conflict, InvalidQuery, NotFound
from matchmaker.extensions import db
from matchmaker.forms import ProfileForm
from matchmaker.formtools import ActionForm, filter_tags, offset_arg, reset_url, service_call
from matchmaker.labels import KIND_LABELS
from matchmaker.members import bp
from matchmaker.members.forms import ClaimForm, SavedSearchForm
from matchmaker.services.alerts import (
    create_saved_search,
    delete_saved_search,
    get_saved_search,
    list_saved_searches,
    user_messages,
)
from matchmaker.services.profiles import (
    claim_profile,
    find_claimable,
    get_organisation,
    project_matches,
    propose_profile,
    user_claims,
)
from matchmaker.services.revisions import latest_revision, pending_revision, propose_revision
from matchmaker.services.search import get_engine
from matchmaker.services.shortlists import list_shortlists
from matchmaker.vocabulary import PROJECT_MATCH_KINDS


@bp.get("/")
def index():
    """Show the start-up's profile status, pending claims and latest alerts."""
    user = current_account()
    return render_template("members/index.html", org=user.organisation, claims=user_claims(db.session, user),
                           alerts=user_messages(db.session, user, kind="alert", limit=5))


@bp.get("/revendiquer")
def find():
    """Look for the auto-built profile of the user's organisation."""
    query = request.args.get("q", "")
    found = find_claimable(db.session, query) if query else []
    return render_template("members/find.html", query=query, found=found)


@bp.route("/revendiquer/<path:key>", methods=["GET", "POST"])
def claim(key: str):
    """Claim an auto-built profile; staff validate the claim."""
    org = get_organisation(db.session, key)
    form = ClaimForm()
    if form.validate_on_submit():
        with service_call(form, fallback="message", catch=(Conflict,)) as call:
            claim_profile(db.session, current_account(), org, form.message.data or "")
        if call.ok:
            flash(_("Demande envoyée : l'équipe vérifie votre lien avec l'organisation."), "success")
            return redirect(url_for("members.index"))
    return render_template("members/claim.html", org=org, form=form), 400 if form.errors else 200


@bp.route("/creer", methods=["GET", "POST"])
def create():
    """Propose a new profile when none exists; staff validate it."""
    form = ProfileForm()
    if form.validate_on_submit():
        with service_call(form, fallback="name", catch=(InvalidQuery, Conflict)) as call:
            propose_profile(db.session, current_account(), form.to_input(), form.message.data or "")
        if call.ok:
            flash(_("Profil proposé : il sera visible après validation par l'équipe."), "success")
            return redirect(url_for("members.index"))
    return render_template("members/profile_form.html", form=form, org=None), 400 if form.errors else 200


@bp.route("/profil", methods=["GET", "POST"])
def profile():
    """Propose changes to the organisation's profile: staff review them, the live profile stays until then."""
    user = current_account()
    org = user.organisation
    if org is None:
        raise NotFound(_("Votre compte n'est rattaché à aucune organisation."))
    pending = pending_revision(db.session, org)
    form = ProfileForm.for_edit(org, pending.proposed if pending is not None else None)
    if form.validate_on_submit():
        with service_call(form, catch=(InvalidQuery,)) as call:
            propose_revision(db.session, user, org, form.to_input())
        if call.ok:
            flash(_("Modification envoyée : elle est en attente de validation par l'équipe ; la fiche en ligne reste "
                    "inchangée d'ici là."), "success")
            return redirect(url_for("members.profile"))
    return render_template(
        "members/profile_form.html", form=form, org=org, pending=pending,
        last=None if pending is not None else latest_revision(db.session, org),
    ), 400 if form.errors else 200


@bp.get("/correspondances")
def matches():
    """Show the labs and platforms matched to the start-up's project."""
    user = current_account()
    org = user.organisation
    if org is None:
        raise NotFound(_("Votre compte n'est rattaché à aucune organisation."))
    config = current_app.config
    # on by default (the start-up's region counts); the form sends 0 and, when ticked, 1
    switch = request.args.getlist("proximite")
    near_own_region = "1" in switch if switch else True
    results = project_matches(
        get_engine(), db.session, org, kinds=request.args.getlist("kind"),
        offset=offset_arg(), limit=config["PAGE_SIZE"], max_chars=config["MAX_QUERY_CHARS"],
        max_results=config["MAX_RESULTS"], near_own_region=near_own_region,
    )
    return render_template(
        "members/matches.html", org=org, results=results, kinds=PROJECT_MATCH_KINDS, near_own_region=near_own_region,
        selected_kinds=request.args.getlist("kind"), filter_tags=filter_tags({"kind": KIND_LABELS}),
        reset_filters_url=reset_url(("kind",)), shortlists=list_shortlists(db.session, user),
    )


def _render_searches(form: SavedSearchForm, status: int = 200):
    user = current_account()
    return render_template("members/searches.html", form=form, searches=list_saved_searches(db.session, user),
                           alerts=user_messages(db.session, user, kind="alert"), action_form=ActionForm()), status


@bp.get("/recherches")
def searches():
    """List saved searches and alerts; the form is prefilled from a search page's parameters."""
    form = SavedSearchForm(formdata=None)
    form.query.data = request.args.get("q", "")
    form.kinds.data = request.args.getlist("kind")
    form.certifications.data = request.args.getlist("certification")
    form.region.data = request.args.get("region", "")
    return _render_searches(form)


@bp.post("/recherches")
def save_search():
    """Keep a search with alerts."""
    form = SavedSearchForm()
    if form.validate_on_submit():
        config = current_app.config
        with service_call(form, fallback="query", catch=(InvalidQuery,)) as call:
            create_saved_search(
                get_engine(), db.session, current_account(), name=form.name.data or "",
                query=form.query.data or "", kinds=form.kinds.data or (), certifications=form.certifications.data or (),
                regions=[form.region.data] if form.region.data else [], alerts_enabled=bool(form.alerts_enabled.data),
                max_chars=config["MAX_QUERY_CHARS"], max_results=config["MAX_RESULTS"],
            )
        if call.ok:
            flash(_("Recherche enregistrée : vous serez alerté des nouveaux résultats."), "success")
            return redirect(url_for("members.searches"))
    return _render_searches(form, 400)


@bp.post("/recherches/<public_id>/supprimer")
def delete_search(public_id: str):
    """Forget a saved search."""
    user = current_account()
    saved = get_saved_search(db.session, user, public_id)
    if ActionForm().validate_on_submit():
        delete_saved_search(db.session, user, saved)
        flash(_("Recherche supprimée."), "info")
    return redirect(url_for("members.searches"))
