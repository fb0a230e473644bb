"""Forms of the members' area."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from matchmaker.catalogue.livret import CertificationEntry, LivretInput
from matchmaker.formtools import MultiCheckboxField, options
from matchmaker.geo import all_regions
from matchmaker.labels import KIND_LABELS
from matchmaker.livret_vocabulary import VOCABULARIES
from matchmaker.vocabulary import CERTIFICATIONS, ORGANISATION_KINDS

CERTIFICATION_ROWS = 3


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


class CertificationRowForm(Form):
    """One certification of the livret: label, number, certifying body, expiry date."""

    label = SelectField(_l("Certification"), default="", validators=[Optional()])
    number = StringField(_l("Numéro du certificat"), validators=[Optional(), Length(max=100)])
    body = StringField(_l("Organisme certificateur"), validators=[Optional(), Length(max=200)])
    expires_on = DateField(_l("Date d'expiration"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.label.choices = options([("", _l("—")), *((c, c) for c in CERTIFICATIONS)])


def _term_choices(section: str) -> list:
    lang = str(get_locale() or "fr")[:2]
    return options((t.code, t.label(lang)) for t in VOCABULARIES[section])


class LivretForm(FlaskForm):
    """The livret de compétences: every section optional, saved as a draft or sent to staff review."""

    activities = MultiCheckboxField(_l("Activités et procédés"))
    activities_note = TextAreaField(_l("Précisions sur vos procédés"), validators=[Optional(), Length(max=2000)])
    materials = MultiCheckboxField(_l("Matériaux"))
    materials_note = TextAreaField(_l("Précisions sur les matériaux"), validators=[Optional(), Length(max=2000)])
    certifications = FieldList(FormField(CertificationRowForm), min_entries=CERTIFICATION_ROWS,
                               max_entries=CERTIFICATION_ROWS + 10)
    equipment = TextAreaField(_l("Équipements (un par ligne)"), validators=[Optional(), Length(max=8000)])
    batch_min = IntegerField(_l("Taille de série minimale (unités)"),
                             validators=[Optional(), NumberRange(min=1, max=1_000_000_000)])
    batch_max = IntegerField(_l("Taille de série maximale (unités)"),
                             validators=[Optional(), NumberRange(min=1, max=1_000_000_000)])
    lead_time_weeks = IntegerField(_l("Délai habituel (semaines)"),
                                   validators=[Optional(), NumberRange(min=0, max=260)])
    capacity_note = TextAreaField(_l("Précisions sur la capacité"), validators=[Optional(), Length(max=2000)])
    sectors = MultiCheckboxField(_l("Secteurs servis"))
    client_types = MultiCheckboxField(_l("Types de clients"))
    references_note = TextAreaField(_l("Références (sans nom confidentiel)"), validators=[Optional(), Length(max=2000)])
    description_fr = TextAreaField(_l("Présentation en français"), validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Présentation en anglais"), validators=[Optional(), Length(max=5000)])
    message = TextAreaField(_l("Message à l'équipe (facultatif)"), validators=[Optional(), Length(max=2000)])
    save = SubmitField(_l("Enregistrer le brouillon"))
    send = SubmitField(_l("Envoyer à l'équipe pour publication"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for section in ("activities", "materials", "sectors", "client_types"):
            self[section].choices = _term_choices(section)

    def to_input(self) -> LivretInput:
        """Return the submitted livret as a service input."""
        rows = [row.form for row in self.certifications]
        return LivretInput(
            activities=tuple(self.activities.data or ()), activities_note=self.activities_note.data or "",
            materials=tuple(self.materials.data or ()), materials_note=self.materials_note.data or "",
            certifications=tuple(CertificationEntry(r.label.data, r.number.data or "", r.body.data or "",
                                                    r.expires_on.data) for r in rows if r.label.data),
            equipment=tuple(line for line in (self.equipment.data or "").splitlines() if line.strip()),
            batch_min=self.batch_min.data, batch_max=self.batch_max.data, lead_time_weeks=self.lead_time_weeks.data,
            capacity_note=self.capacity_note.data or "", sectors=tuple(self.sectors.data or ()),
            client_types=tuple(self.client_types.data or ()), references_note=self.references_note.data or "",
            description_fr=self.description_fr.data or "", description_en=self.description_en.data or "",
        )

    def fill(self, data: LivretInput) -> None:
        """Prefill the form with a livret (the working draft or the live one)."""
        for name in ("activities", "materials", "sectors", "client_types"):
            self[name].data = list(getattr(data, name))
        for name in ("activities_note", "materials_note", "batch_min", "batch_max", "lead_time_weeks",
                     "capacity_note", "references_note", "description_fr", "description_en"):
            self[name].data = getattr(data, name)
        self.equipment.data = "\n".join(data.equipment)
        while len(self.certifications) < len(data.certifications) + 2:
            self.certifications.append_entry()
        for row, entry in zip(self.certifications, data.certifications, strict=False):
            row.form.label.data, row.form.number.data = entry.label, entry.number
            row.form.body.data, row.form.expires_on.data = entry.body, entry.expires_on
