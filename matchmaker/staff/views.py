"""Staff pages: the review queue, profile claims, introductions, organisation edits and the audit log."""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.errors import Conflict, InvalidQuery
from matchmaker.extensions import db
from matchmaker.forms import IntroductionResponseForm, ProfileForm
from matchmaker.formtools import ActionForm, offset_arg, service_call
from matchmaker.models import NeedStatus
from matchmaker.services import curation
from matchmaker.services.audit import list_events, object_history
from matchmaker.services.introductions import (
    can_respond,
    edit_message,
    get_introduction,
    members,
    open_requests,
    staff_review,
)
from matchmaker.services.needs import list_needs
from matchmaker.services.profiles import (
    approve_claim,
    get_claim,
    get_organisation,
    pending_claims,
    reject_claim,
    update_profile,
)
from matchmaker.services.revisions import pending_revision, pending_revisions
from matchmaker.services.search import get_engine
from matchmaker.staff import bp
from matchmaker.staff.forms import IntroductionMessageForm, IntroductionReviewForm, ReasonForm

TABS = ("needs", "curation", "profiles", "revisions", "introductions")


@bp.get("/")
def queue():
    """Show what waits for staff: new needs, needs to curate, profile claims and edits, introduction requests."""
    tab = request.args.get("tab", "needs")
    if tab not in TABS:
        tab = "needs"
    offset, limit = offset_arg(), current_app.config["PAGE_SIZE"]
    counts = {
        "needs": list_needs(db.session, statuses=[NeedStatus.SUBMITTED.value], limit=0)[1],
        "curation": list_needs(db.session, statuses=[NeedStatus.VALIDATED.value], limit=0)[1],
        "profiles": pending_claims(db.session, limit=0)[1],
        "revisions": pending_revisions(db.session, limit=0).total,
        "introductions": open_requests(db.session, limit=0)[1],
    }
    if tab in ("needs", "curation"):
        status = NeedStatus.SUBMITTED if tab == "needs" else NeedStatus.VALIDATED
        items, total = list_needs(db.session, statuses=[status.value], offset=offset, limit=limit)
    elif tab == "profiles":
        items, total = pending_claims(db.session, offset=offset, limit=limit)
    elif tab == "revisions":
        page = pending_revisions(db.session, offset=offset, limit=limit)
        items, total = list(page.items), page.total
    else:
        items, total = open_requests(db.session, offset=offset, limit=limit)
    return render_template("staff/queue.html", tab=tab, items=items, counts=counts, offset=offset, limit=limit,
                           has_next=offset + len(items) < total)


@bp.get("/revendications/<public_id>")
def claim(public_id: str):
    """Review a profile claim or a proposed new profile."""
    item = get_claim(db.session, public_id)
    return render_template("staff/claim.html", claim=item, action_form=ActionForm(), reason_form=ReasonForm())


@bp.post("/revendications/<public_id>/valider")
def approve(public_id: str):
    """Validate a claim: the user now speaks for the organisation, whose profile is marked claimed."""
    item = get_claim(db.session, public_id)
    if ActionForm().validate_on_submit():
        with service_call(catch=(Conflict,)) as call:
            org = approve_claim(get_engine(), db.session, current_account(), item)
        if call.ok:
            flash(_("Fiche « %(org)s » validée.", org=org.name), "success")
            return redirect(url_for("staff.queue", tab="profiles"))
    return redirect(url_for("staff.claim", public_id=public_id))


@bp.post("/revendications/<public_id>/refuser")
def refuse(public_id: str):
    """Refuse a claim with a reason."""
    item = get_claim(db.session, public_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with service_call(catch=(Conflict, InvalidQuery)) as call:
            reject_claim(db.session, current_account(), item, form.reason.data or "")
        if call.ok:
            flash(_("Demande refusée."), "info")
            return redirect(url_for("staff.queue", tab="profiles"))
    return render_template("staff/claim.html", claim=item, action_form=ActionForm(), reason_form=form), 400


@bp.route("/organisations/<path:key>/modifier", methods=["GET", "POST"])
def edit_organisation(key: str):
    """Edit any organisation's profile (corrections, unclaimed profiles)."""
    org = get_organisation(db.session, key)
    form = ProfileForm.for_edit(org)
    if form.validate_on_submit():
        with service_call(form, catch=(InvalidQuery,)) as call:
            update_profile(get_engine(), db.session, current_account(), org, form.to_input())
        if call.ok:
            flash(_("Profil mis à jour."), "success")
            return redirect(url_for("main.organisation", key=org.key))
    return render_template(
        "staff/organisation_form.html", form=form, org=org, pending=pending_revision(db.session, org),
        today=date.today(),
    ), 400 if form.errors else 200


def _render_introduction(public_id: str, *, review_form=None, message_form=None, status: int = 200):
    staff = current_account()
    intro = get_introduction(db.session, staff, public_id)
    message_form = message_form or IntroductionMessageForm(formdata=None, data={"message": intro.message})
    return render_template(
        "staff/introduction.html", intro=intro, review_form=review_form or IntroductionReviewForm(),
        message_form=message_form, members=members(db.session, intro.organisation),
        response_form=IntroductionResponseForm() if can_respond(db.session, staff, intro) else None,
        history=object_history(db.session, "introduction", intro.public_id),
    ), status


@bp.get("/mises-en-relation/<public_id>")
def introduction(public_id: str):
    """Review an introduction request; answer for an organisation without an account once forwarded."""
    return _render_introduction(public_id)


@bp.post("/mises-en-relation/<public_id>/examiner")
def review_introduction(public_id: str):
    """Forward or refuse an introduction request."""
    intro = get_introduction(db.session, current_account(), public_id)
    form = IntroductionReviewForm()
    if form.validate_on_submit():
        with service_call(form, fallback="note", catch=(InvalidQuery, Conflict)) as call:
            staff_review(db.session, current_account(), intro, approve=form.decision.data == "approve",
                         note=form.note.data or "")
        if call.ok:
            flash(_("Décision enregistrée."), "success")
            return redirect(url_for("staff.introduction", public_id=public_id))
    return _render_introduction(public_id, review_form=form, status=400)


@bp.post("/mises-en-relation/<public_id>/message")
def edit_introduction(public_id: str):
    """Reword a request before forwarding it."""
    intro = get_introduction(db.session, current_account(), public_id)
    form = IntroductionMessageForm()
    if form.validate_on_submit():
        with service_call(form, fallback="message", catch=(InvalidQuery, Conflict)) as call:
            edit_message(db.session, current_account(), intro, form.message.data or "")
        if call.ok:
            flash(_("Message modifié."), "success")
            return redirect(url_for("staff.introduction", public_id=public_id))
    return _render_introduction(public_id, message_form=form, status=400)


@bp.get("/journal")
def audit_log():
    """Read the audit log, newest first, optionally for one kind of object or action."""
    object_type = request.args.get("type") or None
    action = request.args.get("action") or None
    page = list_events(db.session, object_type=object_type, object_id=request.args.get("id") or None,
                       action=action, offset=offset_arg(), limit=50)
    return render_template("staff/audit.html", page=page, object_type=object_type or "", action=action or "")


@bp.get("/etiquettes")
def labels():
    """List the curation labels (who decided what, when and why) that train the re-ranker."""
    return render_template("staff/labels.html", decisions=curation.decisions(db.session, limit=500))
