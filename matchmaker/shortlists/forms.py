"""Forms of the shortlists area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ShortlistForm(FlaskForm):
    """Create a named shortlist."""

    name = StringField(_l("Nom de la liste"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Créer la liste"))


class AddToShortlistForm(FlaskForm):
    """Save an organisation to an existing list or to a new one."""

    organisation = HiddenField(validators=[DataRequired(), Length(max=120)])
    need = HiddenField(validators=[Optional(), Length(max=24)])
    next = HiddenField(validators=[Optional(), Length(max=2000)])
    shortlist = SelectField(_l("Liste"), choices=[], validate_choice=False)
    new_name = StringField(_l("ou nouvelle liste"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Enregistrer dans la liste"))


class NoteForm(FlaskForm):
    """Annotate a saved organisation."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Enregistrer la note"))
