"""Participants' pages: events, registration, suggested meetings, requests, agenda and feedback."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from matchmaker.access import current_account
from matchmaker.downloads import attachment
from matchmaker.errors import Forbidden, NotFound
from matchmaker.events import bp
from matchmaker.events.forms import FeedbackForm, MeetingRequestForm, RegistrationForm
from matchmaker.extensions import db
from matchmaker.formtools import ActionForm, service_call
from matchmaker.models import Event, EventRegistration, RegistrationStatus, Role
from matchmaker.services import events as service
from matchmaker.services.search import get_engine


def _event(public_id: str) -> Event:
    return service.get_event(db.session, current_account(), public_id)


def _own_registration(event: Event) -> EventRegistration:
    registration = service.registration_of(db.session, event, current_account())
    if registration is None:
        raise NotFound(_("Vous n'êtes pas inscrit à cet événement."))
    return registration


@bp.get("/")
def index():
    """List the events the user may attend (and drafts for staff)."""
    user = current_account()
    events = service.list_events(db.session, user)
    mine = {event.id: service.registration_of(db.session, event, user) for event in events}
    return render_template("events/index.html", events=events, mine=mine)


@bp.get("/<public_id>")
def detail(public_id: str):
    """Show an event: practical details, the user's registration and what to do next."""
    event = _event(public_id)
    registration = service.registration_of(db.session, event, current_account())
    return render_template(
        "events/detail.html",
        event=event,
        registration=registration,
        counts=service.registration_counts(event),
        registration_open=service.registration_open(event),
    )


def _identity(user) -> str | None:
    """Return who the user registers as: their organisation, or for a buyer without one, themselves."""
    if user.organisation is not None:
        return user.organisation.name
    if user.role == Role.BUYER:
        return _("En votre nom (%(name)s)", name=user.name or user.email)
    return None


@bp.route("/<public_id>/inscription", methods=["GET", "POST"])
def register(public_id: str):
    """Register the user's organisation (or need) with what it offers and seeks here."""
    event = _event(public_id)
    user = current_account()
    service.require_participant(user)
    registration = service.registration_of(db.session, event, user)
    form = RegistrationForm()
    form.setup(_identity(user), service.registrable_needs(db.session, user), event.slots)
    if request.method == "GET" and registration is not None:
        form.fill(registration)
    if form.validate_on_submit():
        with service_call(form, fallback="offer_text", passes=(Forbidden, NotFound)) as call:
            registration = service.register(db.session, user, event, form.to_input())
        if call.ok:
            if registration.status == RegistrationStatus.PENDING.value:
                flash(_("Inscription enregistrée : l'équipe du réseau va la valider."), "success")
            else:
                flash(_("Inscription enregistrée. Découvrez les participants à rencontrer."), "success")
            return redirect(url_for("events.detail", public_id=event.public_id))
    return render_template(
        "events/register.html",
        event=event,
        form=form,
        registration=registration,
        registration_open=service.registration_open(event),
    ), 400 if form.errors or form.form_errors else 200


@bp.get("/<public_id>/suggestions")
def suggestions(public_id: str):
    """Show the participants worth meeting, best first, with why."""
    event = _event(public_id)
    registration = _own_registration(event)
    ranked = []
    if registration.status == RegistrationStatus.VALIDATED.value:
        ranked = service.suggest_meetings(get_engine(), db.session, registration)
    return render_template(
        "events/suggestions.html",
        event=event,
        registration=registration,
        suggestions=ranked,
        form=MeetingRequestForm(),
    )


@bp.get("/<public_id>/demandes")
def requests(public_id: str):
    """Show the meeting requests the participant received and sent."""
    event = _event(public_id)
    registration = _own_registration(event)
    received, sent = service.requests_of(db.session, registration)
    return render_template(
        "events/requests.html",
        event=event,
        registration=registration,
        received=received,
        sent=sent,
        action_form=ActionForm(),
        accepted=service.accepted_count(db.session, registration),
    )


@bp.post("/<public_id>/demandes")
def request_meeting(public_id: str):
    """Send a meeting request to another participant."""
    event = _event(public_id)
    _own_registration(event)
    form = MeetingRequestForm()
    if not form.validate_on_submit():
        flash(_("Demande incomplète : choisissez un participant."), "error")
        return redirect(url_for("events.suggestions", public_id=event.public_id))
    with service_call() as call:
        service.request_meeting(
            db.session,
            get_engine(),
            current_account(),
            event,
            form.target.data or "",
            form.message.data or "",
        )
    if not call.ok:
        return redirect(url_for("events.suggestions", public_id=event.public_id))
    flash(_("Demande envoyée. Vous serez prévenu de la réponse."), "success")
    return redirect(url_for("events.requests", public_id=event.public_id))


def _act_on_request(public_id: str, request_id: str, action: str):
    event = _event(public_id)
    user = current_account()
    meeting_request = service.get_request(db.session, user, event, request_id)
    if not ActionForm().validate_on_submit():
        flash(_("Le formulaire a expiré. Merci de recommencer."), "error")
    else:
        with service_call():
            if action == "cancel":
                service.cancel_request(db.session, user, meeting_request)
                flash(_("Rendez-vous annulé."), "info")
            else:
                service.answer_request(db.session, user, meeting_request, accept=action == "accept")
                flash(_("Demande acceptée.") if action == "accept" else _("Demande déclinée."), "success")
    if user.is_staff:
        return redirect(url_for("events.meetings", public_id=event.public_id))
    return redirect(url_for("events.requests", public_id=event.public_id))


@bp.post("/<public_id>/demandes/<request_id>/accepter")
def accept(public_id: str, request_id: str):
    """Accept a request addressed to the participant."""
    return _act_on_request(public_id, request_id, "accept")


@bp.post("/<public_id>/demandes/<request_id>/refuser")
def decline(public_id: str, request_id: str):
    """Decline a request addressed to the participant."""
    return _act_on_request(public_id, request_id, "decline")


@bp.post("/<public_id>/demandes/<request_id>/annuler")
def cancel(public_id: str, request_id: str):
    """Cancel a request or a meeting (either participant, or staff)."""
    return _act_on_request(public_id, request_id, "cancel")


def _agenda_owner(event: Event) -> EventRegistration:
    """Return whose agenda to show: the user's own, or for staff any participant's (?participant=)."""
    wanted = request.args.get("participant")
    user = current_account()
    if wanted:
        registration = service.get_registration(db.session, event, wanted)
        if not (user.is_staff or service.is_member(user, registration)):
            raise NotFound(_("Cet agenda n'existe pas."))
        return registration
    return _own_registration(event)


@bp.get("/<public_id>/agenda")
def agenda(public_id: str):
    """Show a participant's agenda, with one-click feedback once a meeting is over."""
    event = _event(public_id)
    registration = _agenda_owner(event)
    return render_template(
        "events/agenda.html",
        event=event,
        registration=registration,
        items=service.agenda(db.session, registration),
        waiting=service.unscheduled(db.session, registration),
        feedback_form=FeedbackForm(),
        now=service.local_now(),
        is_member=service.is_member(current_account(), registration),
    )


AGENDA_FORMATS = {
    "pdf": (service.agenda_pdf, "application/pdf"),
    "ics": (service.agenda_ics, "text/calendar"),
}


def _agenda_download(public_id: str, extension: str) -> Response:
    event = _event(public_id)
    registration = _agenda_owner(event)
    render, mimetype = AGENDA_FORMATS[extension]
    body = render(event, registration, service.agenda(db.session, registration))
    return attachment(body, filename=f"agenda-{event.public_id}.{extension}", mimetype=mimetype)


@bp.get("/<public_id>/agenda.pdf")
def agenda_pdf(public_id: str):
    """Download a participant's agenda as PDF."""
    return _agenda_download(public_id, "pdf")


@bp.get("/<public_id>/agenda.ics")
def agenda_ics(public_id: str):
    """Download a participant's agenda as an iCalendar file."""
    return _agenda_download(public_id, "ics")


@bp.post("/<public_id>/rendez-vous/<meeting_id>/avis")
def feedback(public_id: str, meeting_id: str):
    """Record a participant's one-click verdict on a meeting that took place."""
    event = _event(public_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        flash(_("Avis non reconnu."), "error")
    else:
        with service_call(passes=(NotFound,)) as call:
            service.record_feedback(db.session, current_account(), event, meeting_id, form.verdict.data or "")
        if call.ok:
            flash(_("Merci pour votre avis."), "success")
    return redirect(url_for("events.agenda", public_id=event.public_id))
