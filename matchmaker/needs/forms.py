"""Forms of the buyers' area."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from matchmaker.formtools import MultiCheckboxField, options
from matchmaker.geo import all_regions
from matchmaker.labels import CONFIDENTIALITY_LABELS, SOUGHT_KIND_LABELS
from matchmaker.models import Confidentiality, Need
from matchmaker.services.needs import MAX_DESCRIPTION_CHARS, NeedInput
from matchmaker.vocabulary import CERTIFICATIONS, SOUGHT_KINDS


class NeedForm(FlaskForm):
    """The guided need form: what, for what, under which constraints."""

    title = StringField(_l("Titre du besoin"), validators=[DataRequired(), Length(min=3, max=200)])
    description = TextAreaField(
        _l("Description du besoin"), validators=[DataRequired(), Length(max=MAX_DESCRIPTION_CHARS)]
    )
    sought_kinds = MultiCheckboxField(
        _l("Ce que vous cherchez"), choices=options((k, SOUGHT_KIND_LABELS[k]) for k in SOUGHT_KINDS)
    )
    certifications = MultiCheckboxField(_l("Certifications exigées"), choices=options((c, c) for c in CERTIFICATIONS))
    region = SelectField(_l("Région"), choices=options([("", _l("Partout (pas de contrainte)"))]), default="")
    deadline = DateField(_l("Échéance souhaitée"), validators=[Optional()])
    confidentiality = RadioField(
        _l("Confidentialité"),
        choices=options((c.value, CONFIDENTIALITY_LABELS[c.value]) for c in Confidentiality),
        default=Confidentiality.PUBLIC.value,
    )
    submit = SubmitField(_l("Enregistrer le brouillon"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = options([("", _l("Partout (pas de contrainte)"))] + [(r, r) for r in all_regions()])

    def validate_deadline(self, field: DateField) -> None:
        """Refuse a deadline in the past."""
        if field.data and field.data < date.today():
            raise ValidationError(_l("L'échéance ne peut pas être dans le passé."))

    def to_input(self) -> NeedInput:
        """Return the submitted values as a service input."""
        return NeedInput(
            title=self.title.data or "",
            description=self.description.data or "",
            sought_kinds=tuple(self.sought_kinds.data or ()),
            certifications=tuple(self.certifications.data or ()),
            region=self.region.data or None,
            deadline=self.deadline.data,
            confidentiality=self.confidentiality.data or Confidentiality.PUBLIC.value,
        )

    def fill(self, need: Need) -> None:
        """Prefill the form with a stored need."""
        self.title.data, self.description.data = need.title, need.description
        self.sought_kinds.data, self.certifications.data = list(need.sought_kinds), list(need.certifications)
        self.region.data, self.deadline.data = need.region or "", need.deadline
        self.confidentiality.data = need.confidentiality


class SubmitNeedForm(FlaskForm):
    """Send a draft to review, acknowledging the quality warnings if any."""

    acknowledge = BooleanField(_l("J'ai lu les remarques et je soumets le besoin tel quel"))
    submit = SubmitField(_l("Soumettre à l'équipe"))
