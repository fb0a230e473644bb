"""Staff pages for needs: review (validate, refuse, edit) and curation of the suggested organisations."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.errors import Conflict, InvalidQuery, NotFound
from matchmaker.extensions import db
from matchmaker.forms import NeedForm
from matchmaker.formtools import ActionForm, service_call
from matchmaker.models import Need, NeedStatus, User
from matchmaker.services import curation
from matchmaker.services.audit import object_history
from matchmaker.services.needs import (
    get_need,
    must_haves,
    need_input,
    quality_warnings,
    reject_need,
    update_need,
    validate_need,
)
from matchmaker.services.profiles import get_organisation
from matchmaker.services.search import get_engine
from matchmaker.staff import bp
from matchmaker.staff.forms import AddSuggestionForm, CurationDecisionForm, MoveForm, ReasonForm


def _engine():
    return get_engine()


def _limits() -> dict[str, int]:
    return {"max_chars": current_app.config["MAX_QUERY_CHARS"], "max_results": current_app.config["MAX_RESULTS"]}


def _staff_and_need(public_id: str) -> tuple[User, Need]:
    staff = current_account()
    return staff, get_need(db.session, staff, public_id)


def _render_need(item: Need, reason_form: ReasonForm, status: int = 200):
    return render_template(
        "staff/need.html", need=item, warnings=quality_warnings(need_input(item)), action_form=ActionForm(),
        reason_form=reason_form, history=object_history(db.session, "need", item.public_id),
    ), status


@bp.get("/besoins/<public_id>")
def need(public_id: str):
    """Review a need: its text, the quality check, its history; validate or refuse it."""
    return _render_need(get_need(db.session, current_account(), public_id), ReasonForm())


@bp.post("/besoins/<public_id>/valider")
def validate(public_id: str):
    """Validate a need and propose the engine's best matches for curation."""
    staff, item = _staff_and_need(public_id)
    if ActionForm().validate_on_submit():
        validate_need(_engine(), db.session, staff, item)
        count = curation.propose_suggestions(_engine(), db.session, item, **_limits())
        flash(_("Besoin validé : %(n)s suggestions à examiner.", n=count), "success")
        return redirect(url_for("staff.curate", public_id=public_id))
    return redirect(url_for("staff.need", public_id=public_id))


@bp.post("/besoins/<public_id>/refuser")
def reject(public_id: str):
    """Send a need back to its owner with a reason."""
    staff, item = _staff_and_need(public_id)
    form = ReasonForm()
    if form.validate_on_submit():
        reject_need(db.session, staff, item, form.reason.data or "")
        flash(_("Besoin renvoyé à son auteur."), "info")
        return redirect(url_for("staff.queue"))
    return _render_need(item, form, 400)


@bp.route("/besoins/<public_id>/modifier", methods=["GET", "POST"])
def edit_need(public_id: str):
    """Edit a need's text or constraints before or after validating it."""
    staff, item = _staff_and_need(public_id)
    form = NeedForm()
    if request.method == "GET":
        form.fill(item)
    elif form.validate_on_submit():
        with service_call(form, fallback="title", catch=(InvalidQuery, Conflict)) as call:
            update_need(db.session, staff, item, form.to_input())
        if call.ok:
            flash(_("Besoin modifié."), "success")
            return redirect(url_for("staff.need", public_id=public_id))
    return render_template("staff/need_form.html", form=form, need=item), 400 if form.errors else 200


def _render_curation(public_id: str, add_form: AddSuggestionForm | None = None, status: int = 200):
    item = get_need(db.session, current_account(), public_id)
    if item.status != NeedStatus.VALIDATED:
        flash(_("Validez le besoin avant d'en sélectionner les organisations."), "warning")
        return redirect(url_for("staff.need", public_id=public_id))
    suggestions = sorted(item.suggestions, key=lambda s: (s.position, s.id))
    matches = curation.suggestion_matches(_engine(), db.session, item, **_limits())
    scored = [m.score for m in matches.values() if m.sufficient]
    return render_template(
        "staff/curate.html", need=item, suggestions=suggestions, matches=matches, best=max(scored, default=None),
        must_haves={s.id: must_haves(item, s.organisation) for s in suggestions},
        decision_form=CurationDecisionForm(), move_form=MoveForm(), add_form=add_form or AddSuggestionForm(),
        action_form=ActionForm(), decisions=curation.decisions(db.session, item),
    ), status


@bp.get("/besoins/<public_id>/curation")
def curate(public_id: str):
    """Show the suggestions for a need, explained as the search explains them, to accept, reject, reorder or add."""
    return _render_curation(public_id)


@bp.post("/besoins/<public_id>/suggestions/<int:suggestion_id>/decision")
def decide(public_id: str, suggestion_id: int):
    """Accept or reject one suggestion (stored as a curation label)."""
    staff, item = _staff_and_need(public_id)
    suggestion = curation.get_suggestion(item, suggestion_id)
    form = CurationDecisionForm()
    if form.validate_on_submit():
        with service_call(catch=(InvalidQuery,)) as call:
            curation.decide(db.session, staff, suggestion, form.decision.data or "",
                            reason_category=form.reason_category.data or None, reason_text=form.reason_text.data or "")
        if call.ok:
            flash(_("Décision enregistrée pour « %(org)s ».", org=suggestion.organisation.name), "success")
    else:
        flash(_("Décision non valide."), "error")
    return redirect(url_for("staff.curate", public_id=public_id, _anchor=f"suggestion-{suggestion_id}"))


@bp.post("/besoins/<public_id>/suggestions/<int:suggestion_id>/deplacer")
def move(public_id: str, suggestion_id: int):
    """Move a suggestion up or down."""
    staff, item = _staff_and_need(public_id)
    suggestion = curation.get_suggestion(item, suggestion_id)
    form = MoveForm()
    if form.validate_on_submit():
        curation.move(db.session, staff, suggestion, -1 if form.direction.data == "up" else 1)
    return redirect(url_for("staff.curate", public_id=public_id, _anchor=f"suggestion-{suggestion_id}"))


@bp.post("/besoins/<public_id>/suggestions/ajouter")
def add_suggestion(public_id: str):
    """Add an organisation by hand."""
    staff, item = _staff_and_need(public_id)
    form = AddSuggestionForm()
    if form.validate_on_submit():
        with service_call(form, fallback="organisation", catch=(NotFound, Conflict)) as call:
            org = get_organisation(db.session, (form.organisation.data or "").strip())
            curation.add_by_hand(_engine(), db.session, staff, item, org, form.reason_text.data or "")
        if call.ok:
            flash(_("« %(org)s » ajoutée à la sélection.", org=org.name), "success")
            return redirect(url_for("staff.curate", public_id=public_id))
    return _render_curation(public_id, form, 400)


@bp.post("/besoins/<public_id>/suggestions/proposer")
def propose(public_id: str):
    """Ask the engine again for suggestions (after the need or the catalogue changed)."""
    item = get_need(db.session, current_account(), public_id)
    if ActionForm().validate_on_submit():
        count = curation.propose_suggestions(_engine(), db.session, item, **_limits())
        flash(_("%(n)s nouvelles suggestions.", n=count), "info")
    return redirect(url_for("staff.curate", public_id=public_id))


@bp.post("/besoins/<public_id>/publier")
def publish(public_id: str):
    """Publish the accepted suggestions to the buyer."""
    staff, item = _staff_and_need(public_id)
    if ActionForm().validate_on_submit():
        with service_call(catch=(Conflict,)) as call:
            curation.publish(db.session, staff, item)
        if call.ok:
            flash(_("Sélection publiée : le donneur d'ordre la voit sur la page de son besoin."), "success")
    return redirect(url_for("staff.curate", public_id=public_id))
