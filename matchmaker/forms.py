"""Forms used by more than one user area: the need (buyers and staff), the organisation profile (start-ups
and staff) and the answer to an introduction (organisations and staff)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from matchmaker.formtools import MultiCheckboxField, options
from matchmaker.geo import all_regions
from matchmaker.labels import CONFIDENTIALITY_LABELS, KIND_LABELS, SOUGHT_KIND_LABELS
from matchmaker.models import Confidentiality, Need, Organisation
from matchmaker.services.needs import MAX_DESCRIPTION_CHARS, NeedInput
from matchmaker.services.profiles import ProfileInput
from matchmaker.vocabulary import CERTIFICATIONS, PROFILE_KINDS, SOUGHT_KINDS

_EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"


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


class ProfileForm(FlaskForm):
    """Describe an organisation: what it does, its competences and certifications."""

    name = StringField(_l("Nom de l'organisation"), validators=[DataRequired(), Length(min=2, max=300)])
    kind = SelectField(_l("Type d'organisation"), default="startup")
    description = TextAreaField(_l("Activité et projet"), validators=[DataRequired(), Length(min=20, max=5000)])
    competences = TextAreaField(_l("Compétences (une par ligne)"), validators=[Optional(), Length(max=5000)])
    certifications = MultiCheckboxField(_l("Certifications"), choices=options((c, c) for c in CERTIFICATIONS))
    region = SelectField(_l("Région"), default="")
    city = StringField(_l("Ville"), validators=[Optional(), Length(max=120)])
    website = StringField(
        _l("Site web"),
        validators=[Optional(), Length(max=500), Regexp(r"^https?://\S+$", message=_l("Adresse web en https://..."))],
    )
    contact_email = EmailField(
        _l("E-mail de contact (transmis seulement après une mise en relation acceptée)"),
        validators=[Optional(), Length(max=254), Regexp(_EMAIL_PATTERN, message=_l("Adresse e-mail invalide."))],
    )
    message = TextAreaField(_l("Message à l'équipe (facultatif)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = options((k, KIND_LABELS[k]) for k in PROFILE_KINDS)
        self.region.choices = options([("", _l("Non précisée"))] + [(r, r) for r in all_regions()])

    @classmethod
    def for_edit(cls, org: Organisation, proposed: Mapping[str, Any] | None = None) -> ProfileForm:
        """Return the form that edits a stored profile, without the message to staff.

        Until it is submitted the form shows the profile, or the changes still waiting for staff when given.
        """
        form = cls()
        del form.message
        if not form.is_submitted():
            if proposed is not None:
                form.fill_values(proposed)
            else:
                form.fill(org)
        return form

    def to_input(self) -> ProfileInput:
        """Return the submitted values as a service input."""
        competences = [c for c in re.split(r"[\n;]", self.competences.data or "") if c.strip()]
        return ProfileInput(
            name=self.name.data or "", kind=self.kind.data or "startup", description=self.description.data or "",
            competences=tuple(competences), certifications=tuple(self.certifications.data or ()),
            region=self.region.data or None, city=self.city.data or None, website=self.website.data or None,
            contact_email=self.contact_email.data or None,
        )

    def fill(self, org: Organisation) -> None:
        """Prefill the form with a stored profile."""
        self.name.data, self.kind.data = org.name, org.kind if org.kind in PROFILE_KINDS else "startup"
        self.description.data = org.description_fr or org.description_en or ""
        self.competences.data = "\n".join(org.keywords or ())
        self.certifications.data = list(org.certifications or ())
        self.region.data, self.city.data = org.region or "", org.city or ""
        self.website.data, self.contact_email.data = org.website or "", org.contact_email or ""

    def fill_values(self, values: Mapping[str, Any]) -> None:
        """Prefill the form with profile values as a revision holds them (a pending proposal, say)."""
        kind = values.get("kind")
        self.name.data, self.kind.data = values.get("name") or "", kind if kind in PROFILE_KINDS else "startup"
        self.description.data = values.get("description") or ""
        self.competences.data = "\n".join(values.get("competences") or ())
        self.certifications.data = list(values.get("certifications") or ())
        self.region.data, self.city.data = values.get("region") or "", values.get("city") or ""
        self.website.data, self.contact_email.data = values.get("website") or "", values.get("contact_email") or ""


class IntroductionResponseForm(FlaskForm):
    """The organisation's answer (or staff's, on behalf of an organisation without an account)."""

    answer = RadioField(
        _l("Votre réponse"),
        choices=options([("accept", _l("Accepter : mes coordonnées seront transmises")), ("decline", _l("Décliner"))]),
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("Message (facultatif)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Envoyer ma réponse"))
