"""Forms of the admin area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from matchmaker.formtools import options

ROLE_LABELS = {
    "buyer": _l("Donneur d'ordre"),
    "member": _l("Membre (organisation)"),
    "staff": _l("Équipe du réseau"),
    "admin": _l("Administrateur"),
}


def role_options() -> list:
    """Return the roles as select choices, with their labels."""
    return options(ROLE_LABELS.items())


class InviteForm(FlaskForm):
    """Open an account for someone: they receive a link to choose their password."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Nom"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Rôle"), default="buyer")
    submit = SubmitField(_l("Envoyer l'invitation"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_options()


class RoleForm(FlaskForm):
    """Change an account's role."""

    role = SelectField(_l("Rôle"), validators=[DataRequired()], validate_choice=False)
    submit = SubmitField(_l("Changer le rôle"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_options()
