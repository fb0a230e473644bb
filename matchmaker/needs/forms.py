"""Forms of the buyers' area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class SubmitNeedForm(FlaskForm):
    """Send a draft to review, acknowledging the quality warnings if any."""

    acknowledge = BooleanField(_l("J'ai lu les remarques et je soumets le besoin tel quel"))
    submit = SubmitField(_l("Soumettre à l'équipe"))
