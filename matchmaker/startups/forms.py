"""Forms of the start-ups' area."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from matchmaker.formtools import MultiCheckboxField, options
from matchmaker.geo import all_regions
from matchmaker.main.presenters import KIND_LABELS
from matchmaker.models import Organisation
from matchmaker.services.profiles import ProfileInput
from matchmaker.vocabulary import CERTIFICATIONS, ORGANISATION_KINDS, PROFILE_KINDS

_EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ClaimForm(FlaskForm):
    """Claim an auto-built profile."""

    message = TextAreaField(
        _l("Votre lien avec cette organisation"),
        validators=[DataRequired(), Length(min=10, max=2000)],
    )
    submit = SubmitField(_l("Revendiquer cette fiche"))


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


class SavedSearchForm(FlaskForm):
    """Keep a search and be alerted of new matches."""

    name = StringField(_l("Nom de la recherche"), validators=[Optional(), Length(max=120)])
    query = TextAreaField(_l("Recherche"), validators=[DataRequired(), Length(max=4000)])
    kinds = MultiCheckboxField(
        _l("Types d'organisation"), choices=options((k, KIND_LABELS[k]) for k in ORGANISATION_KINDS)
    )
    certifications = MultiCheckboxField(_l("Certifications"), choices=options((c, c) for c in CERTIFICATIONS))
    region = SelectField(_l("Région"), default="")
    alerts_enabled = BooleanField(_l("M'alerter des nouveaux profils et besoins correspondants"), default=True)
    submit = SubmitField(_l("Enregistrer la recherche"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = options([("", _l("Toutes"))] + [(r, r) for r in all_regions()])
