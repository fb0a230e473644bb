"""Forms of the introductions area."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from matchmaker.formtools import options
from matchmaker.models import Need


class IntroductionRequestForm(FlaskForm):
    """Ask to be introduced to an organisation."""

    organisation = HiddenField(validators=[DataRequired(), Length(max=120)])
    need = SelectField(_l("Au sujet de"), choices=[], validate_choice=False, validators=[Optional(), Length(max=24)])
    message = TextAreaField(
        _l("Votre message à l'organisation"), validators=[DataRequired(), Length(min=10, max=2000)]
    )
    submit = SubmitField(_l("Demander la mise en relation"))

    def offer_needs(self, needs: Sequence[Need]) -> None:
        """Let the requester say which of their validated needs the introduction is about."""
        self.need.choices = options([("", _l("Aucun besoin en particulier"))] + [(n.public_id, n.title) for n in needs])
