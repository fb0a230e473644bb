"""Forms of the personal data area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class DeleteDataForm(FlaskForm):
    """Erase the organisation's data: retype the confirmation word and the password."""

    confirmation = StringField(_l("Tapez SUPPRIMER pour confirmer"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("Votre mot de passe"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Supprimer définitivement nos données"))
