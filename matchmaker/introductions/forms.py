"""Forms of the introductions area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class IntroductionRequestForm(FlaskForm):
    """Ask to be introduced to an organisation."""

    organisation = HiddenField(validators=[DataRequired(), Length(max=120)])
    need = HiddenField(validators=[Optional(), Length(max=24)])
    message = TextAreaField(
        _l("Votre message à l'organisation"), validators=[DataRequired(), Length(min=10, max=2000)]
    )
    submit = SubmitField(_l("Demander la mise en relation"))
