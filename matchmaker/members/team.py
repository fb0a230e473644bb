"""The organisation's team: its owner invites and removes colleagues and can hand the account over."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.errors import Conflict, InvalidQuery, NotFound
from matchmaker.extensions import db
from matchmaker.formtools import ActionForm, service_call
from matchmaker.links import external_url
from matchmaker.members import bp
from matchmaker.members.forms import ColleagueInviteForm
from matchmaker.models import Organisation
from matchmaker.services import memberships


def _organisation() -> Organisation:
    org = current_account().organisation
    if org is None:
        raise NotFound(_("Votre compte n'est rattaché à aucune organisation."))
    return org


def _render_team(form: ColleagueInviteForm | None = None, status: int = 200):
    org, user = _organisation(), current_account()
    return render_template("members/team.html", org=org, members=memberships.team(db.session, org),
                           owner=memberships.is_owner(user, org), form=form or ColleagueInviteForm(),
                           action_form=ActionForm()), status


@bp.get("/equipe")
def team():
    """List the people who speak for the organisation; the owner manages them here."""
    return _render_team()


@bp.post("/equipe/inviter")
def invite_colleague():
    """Open an account for a colleague, who gets a link to choose a password."""
    form = ColleagueInviteForm()
    if form.validate_on_submit():
        with service_call(form, fallback="email", catch=(InvalidQuery,)) as call:
            invited = memberships.invite_colleague(
                db.session, current_account(), _organisation(), email=form.email.data or "",
                name=form.name.data or "", link=lambda token: external_url("auth.set_password", token=token),
                secret=current_app.config["SECRET_KEY"])
        if call.ok:
            flash(_("Invitation envoyée à %(email)s.", email=invited.email), "success")
            return redirect(url_for("members.team"))
    return _render_team(form, 400)


@bp.post("/equipe/<public_id>/retirer")
def remove_colleague(public_id: str):
    """Take a colleague off the organisation."""
    if ActionForm().validate_on_submit():
        with service_call(catch=(Conflict,)) as call:
            memberships.remove_colleague(db.session, current_account(), _organisation(), public_id)
        if call.ok:
            flash(_("Cette personne ne fait plus partie de l'équipe."), "info")
    return redirect(url_for("members.team"))


@bp.post("/equipe/<public_id>/responsable")
def transfer_ownership(public_id: str):
    """Hand the organisation's account over to a colleague."""
    if ActionForm().validate_on_submit():
        with service_call(catch=(Conflict,)) as call:
            memberships.transfer_ownership(db.session, current_account(), _organisation(), public_id)
        if call.ok:
            flash(_("La responsabilité du compte est transmise."), "success")
    return redirect(url_for("members.team"))
