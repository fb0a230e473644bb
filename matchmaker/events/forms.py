"""Forms of the events area."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from matchmaker.formtools import MultiCheckboxField, options
from matchmaker.labels import KIND_LABELS
from matchmaker.models import Event, EventRegistration, EventSlot, FeedbackVerdict, Need
from matchmaker.services.events import EventInput, RegistrationInput
from matchmaker.services.events.registrations import MAX_TEXT_CHARS
from matchmaker.vocabulary import ORGANISATION_KINDS

TEXT_LIMIT = [Length(max=MAX_TEXT_CHARS)]


class EventForm(FlaskForm):
    """Everything staff set up for a meeting day."""

    name = StringField(_l("Nom de l'événement"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Présentation"), validators=[Optional(), Length(max=5000)])
    place = StringField(_l("Lieu"), validators=[Optional(), Length(max=300)])
    starts_on = DateField(_l("Premier jour"), validators=[DataRequired()])
    ends_on = DateField(_l("Dernier jour"), validators=[DataRequired()])
    meeting_minutes = IntegerField(
        _l("Durée d'un rendez-vous (minutes)"), default=30, validators=[InputRequired(), NumberRange(5, 240)]
    )
    break_minutes = IntegerField(
        _l("Pause entre deux rendez-vous (minutes)"), default=0, validators=[Optional(), NumberRange(0, 120)]
    )
    slot_ranges = TextAreaField(
        _l("Plages de rendez-vous"), validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 4}
    )
    tables = IntegerField(
        _l("Nombre de tables"), default=20,
        validators=[InputRequired(), NumberRange(1, 1000, message=_l("Il faut au moins 1 table (1000 au plus)."))],
    )
    registration_deadline = DateTimeLocalField(
        _l("Clôture des inscriptions"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    allowed_kinds = MultiCheckboxField(
        _l("Types d'organisation admis"),
        choices=options((k, KIND_LABELS[k]) for k in ORGANISATION_KINDS),
        default=list(ORGANISATION_KINDS),
    )
    requires_validation = BooleanField(_l("L'équipe valide chaque inscription"), default=True)
    max_requests = IntegerField(
        _l("Demandes en cours par participant (au plus)"), default=10, validators=[InputRequired(), NumberRange(1, 200)]
    )
    max_meetings = IntegerField(
        _l("Rendez-vous par participant (au plus)"), default=16, validators=[InputRequired(), NumberRange(1, 200)]
    )
    published = BooleanField(_l("Publier (visible des membres)"))
    submit = SubmitField(_l("Enregistrer l'événement"))

    def fill(self, event: Event) -> None:
        """Load an event into the form."""
        self.process(obj=event)
        self.slot_ranges.data = "\n".join(event.slot_ranges)
        self.allowed_kinds.data = list(event.allowed_kinds)

    def to_input(self) -> EventInput:
        """Return the submitted values as a service input."""
        return EventInput(
            name=self.name.data or "",
            description=self.description.data or "",
            place=self.place.data or "",
            starts_on=self.starts_on.data,  # type: ignore[arg-type]
            ends_on=self.ends_on.data,  # type: ignore[arg-type]
            meeting_minutes=self.meeting_minutes.data or 30,
            break_minutes=self.break_minutes.data or 0,
            slot_ranges=(self.slot_ranges.data or "").splitlines(),
            tables=self.tables.data or 1,
            registration_deadline=self.registration_deadline.data,  # type: ignore[arg-type]
            allowed_kinds=tuple(self.allowed_kinds.data or ()),
            requires_validation=bool(self.requires_validation.data),
            max_requests=self.max_requests.data or 1,
            max_meetings=self.max_meetings.data or 1,
            published=bool(self.published.data),
        )


class RegistrationForm(FlaskForm):
    """What a participant offers and seeks at this event, and the slots they will miss."""

    need = SelectField(_l("Vous vous inscrivez au titre de"), default="")
    offer_text = TextAreaField(
        _l("Ce que vous proposez à cet événement"), validators=[DataRequired(), *TEXT_LIMIT], render_kw={"rows": 4}
    )
    seek_text = TextAreaField(
        _l("Ce que vous cherchez à cet événement"), validators=[DataRequired(), *TEXT_LIMIT], render_kw={"rows": 4}
    )
    unavailable = MultiCheckboxField(_l("Créneaux où vous n'êtes pas disponible"), coerce=int)
    submit = SubmitField(_l("Enregistrer mon inscription"))

    def setup(self, identity: str | None, needs: Sequence[Need], slots: Sequence[EventSlot]) -> None:
        """Offer the user's own identity (organisation, or a buyer's own name) and needs, and the event's slots."""
        choices = [("", identity)] if identity else []
        choices += [(need.public_id, _l("Pour le besoin : %(title)s", title=need.title)) for need in needs]
        self.need.choices = options(choices)
        self.unavailable.choices = options(
            (slot.id, f"{slot.starts_at:%d/%m %H:%M}–{slot.ends_at:%H:%M}") for slot in slots
        )

    def fill(self, registration: EventRegistration) -> None:
        """Load an existing registration."""
        self.offer_text.data = registration.offer_text
        self.seek_text.data = registration.seek_text
        self.unavailable.data = list(registration.unavailable_slot_ids)
        self.need.data = registration.need.public_id if registration.need is not None else ""

    def to_input(self) -> RegistrationInput:
        """Return the submitted values as a service input."""
        return RegistrationInput(
            offer_text=self.offer_text.data or "",
            seek_text=self.seek_text.data or "",
            need_public_id=self.need.data or None,
            unavailable_slot_ids=tuple(self.unavailable.data or ()),
        )


class MeetingRequestForm(FlaskForm):
    """Ask a participant for a meeting, with an optional word."""

    target = HiddenField(validators=[DataRequired()])
    message = TextAreaField(_l("Message (facultatif)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Demander un rendez-vous"))


class ReviewRegistrationForm(FlaskForm):
    """Staff validate or refuse a registration."""

    note = StringField(_l("Note au participant (facultatif)"), validators=[Optional(), Length(max=2000)])
    approve = SubmitField(_l("Valider"))
    reject = SubmitField(_l("Refuser"))


class AddMeetingForm(FlaskForm):
    """Staff add a meeting between two participants."""

    first = SelectField(_l("Premier participant"), validators=[DataRequired()])
    second = SelectField(_l("Second participant"), validators=[DataRequired()])
    submit = SubmitField(_l("Ajouter le rendez-vous"))

    def setup(self, registrations: Sequence[EventRegistration]) -> None:
        """Offer the validated participants."""
        choices = options((r.public_id, r.display_name) for r in registrations)
        self.first.choices = choices
        self.second.choices = list(choices)


class ScheduleForm(FlaskForm):
    """Run the scheduler."""

    keep_existing = BooleanField(_l("Garder les rendez-vous déjà placés quand c'est possible"), default=True)
    submit = SubmitField(_l("Planifier les rendez-vous acceptés"))


class FeedbackForm(FlaskForm):
    """One click after a meeting: useful, not useful, follow-up planned."""

    verdict = SelectField(choices=options((v.value, v.value) for v in FeedbackVerdict), validators=[DataRequired()])
