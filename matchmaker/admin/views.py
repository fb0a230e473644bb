"""Admin pages: the list of accounts with their login state, one account's page, and the actions on it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.admin import bp
from matchmaker.admin.forms import ROLE_LABELS, InviteForm, RoleForm
from matchmaker.errors import Conflict, InvalidQuery
from matchmaker.extensions import db
from matchmaker.formtools import ActionForm, offset_arg, service_call
from matchmaker.links import external_url
from matchmaker.services import users
from matchmaker.services.audit import object_history
from matchmaker.services.throttle import LoginThrottle


def _throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


def _password_link(token: str) -> str:
    return external_url("auth.set_password", token=token)


@bp.get("/")
def users_index():
    """List accounts with their role, status and recent login failures."""
    query, role, status = (request.args.get(name, "")[:254] for name in ("q", "role", "status"))
    page = users.list_users(db.session, _throttle(), query=query, role=role, status=status, offset=offset_arg(),
                            limit=current_app.config["PAGE_SIZE"])
    return render_template("admin/users.html", page=page, query=query, role=role, status=status,
                           roles=ROLE_LABELS, statuses=users.STATUSES, site=_throttle().site_state(),
                           action_form=ActionForm())


@bp.route("/inviter", methods=["GET", "POST"])
def invite():
    """Open an account: its owner gets a link (on the configured public address) to choose a password."""
    form = InviteForm()
    if form.validate_on_submit():
        with service_call(form, fallback="email", catch=(InvalidQuery,)) as call:
            user = users.invite_user(db.session, current_account(), email=form.email.data or "",
                                     name=form.name.data or "", role=form.role.data or "buyer",
                                     link=_password_link, secret=current_app.config["SECRET_KEY"])
        if call.ok:
            flash(_("Invitation envoyée à %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.user", public_id=user.public_id))
    return render_template("admin/invite.html", form=form), 400 if form.errors else 200


@bp.get("/utilisateurs/<public_id>")
def user(public_id: str):
    """Show one account: role, status, login failures, the actions and their history."""
    account = users.get_user(db.session, public_id)
    return _render_user(account)


def _render_user(account, role_form: RoleForm | None = None, status: int = 200):
    role_form = role_form or RoleForm(formdata=None, data={"role": account.role})
    return render_template(
        "admin/user.html", account=account, state=_throttle().account_state(account.email), roles=ROLE_LABELS,
        role_form=role_form, action_form=ActionForm(), history=object_history(db.session, "user", account.public_id),
    ), status


def _act(public_id: str, action, done: str):
    """Run one action on an account from a one-button form, then go back to its page."""
    account = users.get_user(db.session, public_id)
    if ActionForm().validate_on_submit():
        with service_call(catch=(Conflict,), passes=(Conflict,)):  # a refused action is a 409 page
            action(account)
        flash(done, "success")
    return redirect(url_for("admin.user", public_id=account.public_id))


@bp.post("/utilisateurs/<public_id>/desactiver")
def deactivate(public_id: str):
    """Close an account; its sessions end at once."""
    return _act(public_id, lambda a: users.set_active(db.session, current_account(), a, False),
                _("Compte désactivé : ses sessions sont fermées."))


@bp.post("/utilisateurs/<public_id>/reactiver")
def reactivate(public_id: str):
    """Reopen a closed account."""
    return _act(public_id, lambda a: users.set_active(db.session, current_account(), a, True), _("Compte réactivé."))


@bp.post("/utilisateurs/<public_id>/role")
def change_role(public_id: str):
    """Give an account another role."""
    account = users.get_user(db.session, public_id)
    form = RoleForm()
    if form.validate_on_submit():
        with service_call(form, fallback="role", catch=(InvalidQuery, Conflict), passes=(Conflict,)) as call:
            users.change_role(db.session, current_account(), account, form.role.data or "")
        if call.ok:
            flash(_("Rôle mis à jour."), "success")
            return redirect(url_for("admin.user", public_id=account.public_id))
    return _render_user(account, role_form=form, status=400)


@bp.post("/utilisateurs/<public_id>/mot-de-passe")
def reset_password(public_id: str):
    """Make the password unusable, end the sessions and mail a link to choose a new one."""
    return _act(public_id, lambda a: users.force_password_reset(
        db.session, current_account(), a, link=_password_link, secret=current_app.config["SECRET_KEY"]),
        _("Mot de passe réinitialisé : un lien a été envoyé."))


@bp.post("/utilisateurs/<public_id>/debloquer")
def unlock(public_id: str):
    """Forget the login failures counted on an account."""
    return _act(public_id, lambda a: users.unlock(db.session, current_account(), a, _throttle()),
                _("Échecs de connexion effacés : le compte est débloqué."))
