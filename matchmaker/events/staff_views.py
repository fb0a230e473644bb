"""Organisers' pages: create and edit events, review registrations, manage meetings, schedule, export."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from matchmaker.access import STAFF_ROLES, current_account, roles_required
from matchmaker.downloads import attachment
from matchmaker.events import bp
from matchmaker.events.forms import AddMeetingForm, EventForm, ReviewRegistrationForm, ScheduleForm
from matchmaker.extensions import db
from matchmaker.formtools import ActionForm, service_call
from matchmaker.models import Event, RegistrationStatus
from matchmaker.services import events as service
from matchmaker.services.search import get_engine


def _event(public_id: str) -> Event:
    return service.get_event(db.session, current_account(), public_id)


def _add_meeting_form(event: Event) -> AddMeetingForm:
    """Return the form that pairs two validated participants of the event."""
    form = AddMeetingForm()
    form.setup(service.list_registrations(db.session, event, RegistrationStatus.VALIDATED.value))
    return form


@bp.route("/nouveau", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def create():
    """Create an event (staff)."""
    form = EventForm()
    if form.validate_on_submit():
        with service_call(form, fallback="name") as call:
            event = service.create_event(db.session, current_account(), form.to_input())
        if call.ok:
            flash(_("Événement créé."), "success")
            return redirect(url_for("events.detail", public_id=event.public_id))
    return render_template("events/form.html", form=form, event=None), 400 if form.errors or form.form_errors else 200


@bp.route("/<public_id>/modifier", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit(public_id: str):
    """Edit an event (staff); meetings in removed slots or at removed tables go back to unscheduled."""
    event = _event(public_id)
    form = EventForm()
    if not form.is_submitted():
        form.fill(event)
    elif form.validate():
        with service_call(form, fallback="name") as call:
            dropped = service.update_event(db.session, current_account(), event, form.to_input())
        if call.ok:
            flash(_("Événement mis à jour."), "success")
            if dropped:
                flash(
                    _("%(n)s rendez-vous ont perdu leur créneau ou leur table : relancez la planification.", n=dropped),
                    "warning",
                )
            return redirect(url_for("events.detail", public_id=event.public_id))
    return render_template("events/form.html", form=form, event=event), 400 if form.errors or form.form_errors else 200


@bp.get("/<public_id>/inscriptions")
@roles_required(*STAFF_ROLES)
def registrations(public_id: str):
    """List the registrations, pending first, with validate / refuse buttons (staff)."""
    event = _event(public_id)
    return render_template("events/registrations.html", event=event, review_form=ReviewRegistrationForm(),
                           registrations=service.list_registrations(db.session, event))


@bp.post("/<public_id>/inscriptions/<registration_id>/examiner")
@roles_required(*STAFF_ROLES)
def review(public_id: str, registration_id: str):
    """Validate or refuse one registration (staff)."""
    event = _event(public_id)
    registration = service.get_registration(db.session, event, registration_id)
    form = ReviewRegistrationForm()
    if form.validate_on_submit():
        approve = bool(form.approve.data)
        service.review_registration(db.session, current_account(), registration, approve, form.note.data or "")
        flash(_("Inscription validée.") if approve else _("Inscription refusée."), "success")
    return redirect(url_for("events.registrations", public_id=event.public_id))


@bp.get("/<public_id>/rendez-vous")
@roles_required(*STAFF_ROLES)
def meetings(public_id: str):
    """List every request and meeting, add a meeting, run the scheduler (staff)."""
    event = _event(public_id)
    return render_template(
        "events/meetings.html",
        event=event,
        requests=service.event_requests(db.session, event),
        add_form=_add_meeting_form(event),
        schedule_form=ScheduleForm(),
        action_form=ActionForm(),
    )


@bp.post("/<public_id>/rendez-vous/ajouter")
@roles_required(*STAFF_ROLES)
def add_meeting(public_id: str):
    """Add an accepted meeting between two participants (staff)."""
    event = _event(public_id)
    form = _add_meeting_form(event)
    if form.validate_on_submit():
        with service_call() as call:
            service.add_meeting(
                db.session,
                get_engine(),
                current_account(),
                event,
                form.first.data or "",
                form.second.data or "",
            )
        if call.ok:
            flash(_("Rendez-vous ajouté ; il sera placé à la prochaine planification."), "success")
    else:
        flash(_("Choisissez deux participants validés."), "error")
    return redirect(url_for("events.meetings", public_id=event.public_id))


@bp.post("/<public_id>/planifier")
@roles_required(*STAFF_ROLES)
def schedule(public_id: str):
    """Place the accepted meetings in slots and tables (staff)."""
    event = _event(public_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        time_limit = float(current_app.config.get("EVENT_SCHEDULER_SECONDS", 30.0))
        with service_call() as call:
            report = service.run_scheduler(db.session, current_account(), event,
                                           keep_existing=bool(form.keep_existing.data), time_limit=time_limit)
        if call.ok:
            flash(
                _(
                    "%(placed)s rendez-vous placés, %(unplaced)s non placés.",
                    placed=report["placed"],
                    unplaced=len(report["unplaced"]),
                ),
                "success" if not report["unplaced"] else "warning",
            )
            return redirect(url_for("events.grid", public_id=event.public_id))
    return redirect(url_for("events.meetings", public_id=event.public_id))


@bp.get("/<public_id>/grille")
@roles_required(*STAFF_ROLES)
def grid(public_id: str):
    """Show the organiser's grid of tables × slots and the last scheduling report (staff)."""
    event = _event(public_id)
    return render_template("events/grid.html", event=event, rows=service.grid(db.session, event),
                           unplaced=service.unplaced_requests(db.session, event), report=event.schedule_report or {})


@bp.get("/<public_id>/rendez-vous.csv")
@roles_required(*STAFF_ROLES)
def export_csv(public_id: str):
    """Download every meeting of the event as CSV (staff)."""
    event = _event(public_id)
    unplaced = service.unplaced_requests(db.session, event)
    body = service.meetings_csv(event, service.scheduled_meetings(db.session, event), unplaced)
    return attachment(body, filename=f"rendez-vous-{event.public_id}.csv", mimetype="text/csv")
