"""Forms of the accounts area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Rester connecté"))
    submit = SubmitField(_l("Se connecter"))


class SetPasswordForm(FlaskForm):
    """Choose a password from an invitation or reset link."""

    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[DataRequired(), EqualTo("password", message=_l("Les deux mots de passe diffèrent."))],
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))
