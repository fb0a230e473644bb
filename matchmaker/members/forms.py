"""Forms of the members' area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from matchmaker.formtools import MultiCheckboxField, options
from matchmaker.geo import all_regions
from matchmaker.labels import KIND_LABELS
from matchmaker.vocabulary import CERTIFICATIONS, ORGANISATION_KINDS


class ClaimForm(FlaskForm):
    """Claim an auto-built profile."""

    message = TextAreaField(
        _l("Votre lien avec cette organisation"),
        validators=[DataRequired(), Length(min=10, max=2000)],
    )
    submit = SubmitField(_l("Revendiquer cette fiche"))


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


class ColleagueInviteForm(FlaskForm):
    """Invite a colleague to complete the organisation's livret: they receive a link to choose a password."""

    email = EmailField(_l("Adresse e-mail professionnelle"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Nom"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Inviter"))
