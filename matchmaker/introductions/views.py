"""Introduction pages: ask, follow, and answer as the organisation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account, roles_required
from matchmaker.errors import Conflict, InvalidQuery
from matchmaker.extensions import db
from matchmaker.forms import IntroductionResponseForm
from matchmaker.introductions import bp
from matchmaker.introductions.forms import IntroductionRequestForm
from matchmaker.models import NeedStatus, Role
from matchmaker.services.introductions import (
    can_respond,
    contact_for,
    get_introduction,
    list_for_user,
    request_introduction,
    respond,
)
from matchmaker.services.needs import get_own_need, list_needs
from matchmaker.services.profiles import get_organisation


@bp.get("/")
def index():
    """List the introductions the user asked for and those addressed to their organisation."""
    return render_template("introductions/index.html", lists=list_for_user(db.session, current_account()))


@bp.route("/nouvelle", methods=["GET", "POST"])
@roles_required(Role.BUYER.value, Role.MEMBER.value)
def new():
    """Ask staff to introduce the user to an organisation."""
    user = current_account()
    form = IntroductionRequestForm()
    form.offer_needs(list_needs(db.session, user, statuses=[NeedStatus.VALIDATED.value], limit=50)[0])
    if request.method == "GET":
        form.organisation.data = request.args.get("organisation", "")
        form.need.data = request.args.get("need", "")
    org = get_organisation(db.session, form.organisation.data or "")
    need = get_own_need(db.session, user, form.need.data) if form.need.data else None
    if form.validate_on_submit():
        try:
            intro = request_introduction(db.session, user, org, form.message.data or "", need)
        except (InvalidQuery, Conflict) as exc:
            form.message.errors = [*form.message.errors, exc.message]
        else:
            flash(_("Demande envoyée : l'équipe la relit puis la transmet à l'organisation."), "success")
            return redirect(url_for("introductions.detail", public_id=intro.public_id))
    return render_template("introductions/new.html", form=form, org=org, need=need), 400 if form.errors else 200


def _render_detail(public_id: str, form: IntroductionResponseForm, status: int = 200):
    user = current_account()
    intro = get_introduction(db.session, user, public_id)
    return render_template(
        "introductions/detail.html", intro=intro, contact=contact_for(db.session, user, intro),
        form=form if can_respond(db.session, user, intro) else None,
        on_behalf=user.organisation_id != intro.organisation_id,
    ), status


@bp.get("/<public_id>")
def detail(public_id: str):
    """Show an introduction, its timeline and, once accepted, the contacts."""
    return _render_detail(public_id, IntroductionResponseForm())


@bp.post("/<public_id>/repondre")
def answer(public_id: str):
    """Accept or decline an introduction on behalf of the organisation."""
    user = current_account()
    intro = get_introduction(db.session, user, public_id)
    form = IntroductionResponseForm()
    if not form.validate_on_submit():
        return _render_detail(public_id, form, 400)
    respond(db.session, user, intro, accept=form.answer.data == "accept", note=form.note.data or "")
    flash(_("Réponse enregistrée."), "success")
    return redirect(url_for("introductions.detail", public_id=public_id))
