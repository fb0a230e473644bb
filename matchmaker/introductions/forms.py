"""Forms of the introductions area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from matchmaker.formtools import options


class IntroductionRequestForm(FlaskForm):
    """Ask to be introduced to an organisation."""

    organisation = HiddenField(validators=[DataRequired(), Length(max=120)])
    need = HiddenField(validators=[Optional(), Length(max=24)])
    message = TextAreaField(
        _l("Votre message à l'organisation"), validators=[DataRequired(), Length(min=10, max=2000)]
    )
    submit = SubmitField(_l("Demander la mise en relation"))


class IntroductionResponseForm(FlaskForm):
    """The organisation's answer (or staff's, on behalf of an organisation without an account)."""

    answer = RadioField(
        _l("Votre réponse"),
        choices=options([("accept", _l("Accepter : mes coordonnées seront transmises")), ("decline", _l("Décliner"))]),
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("Message (facultatif)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Envoyer ma réponse"))
