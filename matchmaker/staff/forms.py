"""Forms of the staff area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from matchmaker.formtools import options
from matchmaker.labels import REJECTION_REASON_LABELS


class ReasonForm(FlaskForm):
    """Refuse something, saying why."""

    reason = TextAreaField(
        _l("Raison du refus (envoyée à l'utilisateur)"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Refuser"))


class CurationDecisionForm(FlaskForm):
    """Accept or reject one suggestion; a rejection needs a reason category."""

    decision = HiddenField(validators=[AnyOf(("accept", "reject"))])
    reason_category = SelectField(
        _l("Raison"), choices=options([("", _l("— choisir —")), *REJECTION_REASON_LABELS.items()]),
        validators=[Optional()], default="",
    )
    reason_text = StringField(_l("Précision"), validators=[Optional(), Length(max=2000)])


class MoveForm(FlaskForm):
    """Move a suggestion up or down."""

    direction = HiddenField(validators=[AnyOf(("up", "down"))])


class AddSuggestionForm(FlaskForm):
    """Add an organisation the engine did not propose."""

    organisation = StringField(
        _l("Identifiant de l'organisation (clé affichée sur sa fiche, ex. rnsr:…)"),
        validators=[DataRequired(), Length(max=120)],
    )
    reason_text = StringField(_l("Pourquoi l'ajouter"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Ajouter à la sélection"))


class IntroductionReviewForm(FlaskForm):
    """Forward a request to the organisation or refuse it."""

    decision = RadioField(
        _l("Décision"), choices=options([("approve", _l("Transmettre à l'organisation")), ("reject", _l("Refuser"))]),
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("Note (obligatoire pour un refus)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Enregistrer la décision"))


class IntroductionMessageForm(FlaskForm):
    """Reword a request before forwarding it."""

    message = TextAreaField(_l("Message transmis"), validators=[DataRequired(), Length(min=10, max=2000)])
    submit = SubmitField(_l("Modifier le message"))


class CertificationCheckForm(FlaskForm):
    """Verify a declared certification (document seen, expiry date known) or take the verification back."""

    label = HiddenField(validators=[DataRequired(), Length(max=60)])
    action = HiddenField(validators=[AnyOf(("verify", "unverify"))])
    expires_on = DateField(_l("Expire le (lu sur le certificat)"), validators=[Optional()])
    note = StringField(_l("Justificatif vu (facultatif)"), validators=[Optional(), Length(max=2000)])


class MemberListForm(FlaskForm):
    """Upload a cluster's member list (the template, CSV or XLSX)."""

    file = FileField(_l("Fichier des membres (CSV ou XLSX, d'après le modèle)"),
                     validators=[FileRequired(_l("Choisissez un fichier.")),
                                 FileAllowed(["csv", "xlsx"], _l("Fichier CSV ou XLSX attendu."))])
    skip_invalid = BooleanField(_l("Enregistrer les lignes valides même si d'autres sont refusées"))
    invite = BooleanField(_l("Inviter les personnes de la colonne member_email à compléter le livret"), default=True)
    submit = SubmitField(_l("Importer"))
