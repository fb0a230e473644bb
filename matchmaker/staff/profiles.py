"""Staff pages for profiles: review members' proposed edits and verify the certifications they declare."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.errors import Conflict, InvalidQuery
from matchmaker.extensions import db
from matchmaker.formtools import ActionForm, service_call
from matchmaker.services import certifications
from matchmaker.services.audit import object_history
from matchmaker.services.livret import verification
from matchmaker.services.profiles import get_organisation
from matchmaker.services.revisions import approve_revision, changes, get_revision, reject_revision
from matchmaker.services.search import get_engine
from matchmaker.staff import bp
from matchmaker.staff.forms import CertificationCheckForm, ReasonForm


def _render_revision(public_id: str, reason_form: ReasonForm | None = None, status: int = 200):
    revision = get_revision(db.session, public_id)
    return render_template(
        "staff/revision.html", revision=revision, changes=changes(revision), action_form=ActionForm(),
        reason_form=reason_form or ReasonForm(),
        history=object_history(db.session, "organisation", revision.organisation.key),
    ), status


@bp.get("/modifications/<public_id>")
def revision(public_id: str):
    """Review a member's proposed edit: each changed field, live value beside the proposed one."""
    return _render_revision(public_id)


@bp.post("/modifications/<public_id>/valider")
def approve_revision_view(public_id: str):
    """Publish a proposed edit: the profile and the index take the new values."""
    item = get_revision(db.session, public_id)
    if ActionForm().validate_on_submit():
        with service_call(catch=(Conflict, InvalidQuery)) as call:
            approve_revision(get_engine(), db.session, current_account(), item)
        if call.ok:
            flash(_("Modification publiée : vérifiez les certifications déclarées si besoin."), "success")
            return redirect(url_for("staff.edit_organisation", key=item.organisation.key))
    return redirect(url_for("staff.revision", public_id=public_id))


@bp.post("/modifications/<public_id>/refuser")
def reject_revision_view(public_id: str):
    """Refuse a proposed edit with the reason sent to its author."""
    item = get_revision(db.session, public_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with service_call(form, fallback="reason", catch=(Conflict, InvalidQuery)) as call:
            reject_revision(db.session, current_account(), item, form.reason.data or "")
        if call.ok:
            flash(_("Modification refusée : son auteur en est informé."), "info")
            return redirect(url_for("staff.queue", tab="revisions"))
    return _render_revision(public_id, reason_form=form, status=400)


@bp.post("/organisations/<path:key>/certifications")
def verify_certification(key: str):
    """Mark a declared certification verified (document seen) or declared again."""
    org = get_organisation(db.session, key)
    form = CertificationCheckForm()
    if not form.validate_on_submit():
        flash(_("Vérification non enregistrée : formulaire incomplet."), "error")
    else:
        with service_call(catch=(InvalidQuery,)) as call:
            if form.action.data == "verify":
                verification.verify_certification(
                    get_engine(), db.session, current_account(), org, form.label.data or "",
                    note=form.note.data or "", expires_on=form.expires_on.data)
            else:
                certifications.unverify(db.session, current_account(), org, form.label.data or "",
                                        note=form.note.data or "")
        if call.ok:
            flash(_("Certification « %(label)s » : %(state)s.", label=form.label.data,
                    state=_("vérifiée") if form.action.data == "verify" else _("déclarée")), "success")
    return redirect(url_for("staff.edit_organisation", key=org.key))
