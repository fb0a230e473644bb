"""The livret columns of an import row (CSV, XLSX or JSON) and the downloadable template that lists them.

A cluster's member list is one row per organisation: its identity (the columns of the record format),
then the livret sections, then the person to invite. Controlled sections accept a term's code, its French
or English label, or a spelling that names one term only ("usinage 5 axes" is machining); certifications
accept the importer's spellings ("iso13485", "BPF"). A bad cell rejects its row with a reason that names the
column and the value. Framework-free: ``openpyxl`` writes the XLSX template, nothing here needs Flask.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from matchmaker.catalogue.livret import CertificationEntry, LivretInput, clean_livret, livret_to_json
from matchmaker.errors import InvalidQuery
from matchmaker.livret_vocabulary import ACTIVITY_GROUPS, MATERIAL_GROUPS, VOCABULARIES, resolve_term
from matchmaker.vocabulary import CERTIFICATIONS, ORGANISATION_KINDS, normalise_certification

CERTIFICATION_SLOTS = 3
IDENTITY_COLUMNS = ("key", "name", "kind", "siren", "rnsr_id", "region", "city", "postcode", "website",
                    "contact_email", "description_fr", "description_en", "keywords")
LIVRET_COLUMNS = (
    "activities", "activities_note", "materials", "materials_note", "certifications",
    *(f"certification_{i}{part}" for i in range(1, CERTIFICATION_SLOTS + 1)
      for part in ("", "_number", "_body", "_expires")),
    "equipment", "batch_min", "batch_max", "lead_time_weeks", "capacity_note",
    "sectors", "client_types", "references_note",
)
INVITATION_COLUMNS = ("member_name", "member_email")
TEMPLATE_COLUMNS = (*IDENTITY_COLUMNS, *LIVRET_COLUMNS, *INVITATION_COLUMNS)
"""Every column of the bulk-import template, in order (only ``name`` and ``kind`` are required)."""

_UNKNOWN_TERM = {
    "activities": _l("activité ou procédé inconnu '%(value)s' (voir la feuille « vocabulaire » du modèle)"),
    "materials": _l("matériau inconnu '%(value)s' (voir la feuille « vocabulaire » du modèle)"),
    "sectors": _l("secteur inconnu '%(value)s' (voir la feuille « vocabulaire » du modèle)"),
    "client_types": _l("type de client inconnu '%(value)s' (voir la feuille « vocabulaire » du modèle)"),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def split_cell(value: Any) -> list[str]:
    """Return the items of a multi-valued cell (separated by ``;``, ``|`` or new lines), or of a JSON list."""
    if value is None:
        return []
    items = [str(v) for v in value] if isinstance(value, list) else re.split(r"[;|\n]", str(value))
    return [" ".join(item.split()) for item in items if item and item.strip()]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def certification_label(value: str) -> str:
    """Return the canonical label of a certification cell, or raise ValueError naming it."""
    label = normalise_certification(value)
    if label is None:
        raise ValueError(_l("certification inconnue '%(value)s' (connues : %(known)s)", value=value[:40],
                            known=", ".join(CERTIFICATIONS)))
    return label


def _terms(section: str, value: Any) -> tuple[str, ...]:
    codes = []
    for item in split_cell(value):
        code = resolve_term(section, item)
        if code is None:
            raise ValueError(_UNKNOWN_TERM[section] % {"value": item[:60]})
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def _count(value: Any, column: str) -> int | None:
    text = re.sub(r"[\s\u202f\u00a0]", "", _cell(value))
    if not text:
        return None
    if not re.fullmatch(r"\d+", text):
        raise ValueError(_l("nombre entier attendu dans '%(column)s' : '%(value)s'", column=column, value=text[:20]))
    return int(text)


def _day(value: Any, column: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_l("date invalide dans '%(column)s' : '%(value)s' (AAAA-MM-JJ ou JJ/MM/AAAA)", column=column,
                        value=text[:20]))


def _certifications(raw: dict[str, Any]) -> tuple[CertificationEntry, ...]:
    entries: dict[str, CertificationEntry] = {}
    for i in range(1, CERTIFICATION_SLOTS + 1):
        prefix = f"certification_{i}"
        label_cell = _cell(raw.get(prefix))
        details = [raw.get(f"{prefix}{part}") for part in ("_number", "_body", "_expires")]
        if not label_cell:
            if any(_cell(d) for d in details):
                raise ValueError(_l("colonne '%(column)s' vide alors que son numéro, son organisme ou sa date "
                                    "sont remplis", column=prefix))
            continue
        label = certification_label(label_cell)
        entries[label] = CertificationEntry(label, _cell(details[0])[:100], _cell(details[1])[:200],
                                            _day(details[2], f"{prefix}_expires"))
    for item in split_cell(raw.get("certifications")):
        label = certification_label(item)
        entries.setdefault(label, CertificationEntry(label))
    return tuple(entries.values())


def _livret_input(raw: dict[str, Any]) -> LivretInput:
    """Build the livret of a flat row (the template's columns)."""
    return LivretInput(
        activities=_terms("activities", raw.get("activities")),
        activities_note=_cell(raw.get("activities_note")),
        materials=_terms("materials", raw.get("materials")),
        materials_note=_cell(raw.get("materials_note")),
        certifications=_certifications(raw),
        equipment=tuple(split_cell(raw.get("equipment"))),
        batch_min=_count(raw.get("batch_min"), "batch_min"),
        batch_max=_count(raw.get("batch_max"), "batch_max"),
        lead_time_weeks=_count(raw.get("lead_time_weeks"), "lead_time_weeks"),
        capacity_note=_cell(raw.get("capacity_note")),
        sectors=_terms("sectors", raw.get("sectors")),
        client_types=_terms("client_types", raw.get("client_types")),
        references_note=_cell(raw.get("references_note")),
        description_fr=_cell(raw.get("description_fr")),
        description_en=_cell(raw.get("description_en")),
    )


def _livret_from_object(raw: dict[str, Any]) -> LivretInput:
    """Build the livret of a JSON record's ``livret`` object (same names as the template's columns)."""
    livret = raw["livret"]
    if not isinstance(livret, dict):
        raise ValueError(_l("'livret' doit être un objet JSON"))
    flat = {**livret, "description_fr": livret.get("description_fr") or raw.get("description_fr"),
            "description_en": livret.get("description_en") or raw.get("description_en")}
    entries = []
    for item in livret.get("certifications") or ():
        if isinstance(item, dict):
            entries.append(CertificationEntry(certification_label(_cell(item.get("label"))), _cell(item.get("number")),
                                              _cell(item.get("body")), _day(item.get("expires_on"), "expires_on")))
        else:
            entries.append(CertificationEntry(certification_label(_cell(item))))
    return replace(_livret_input({**flat, "certifications": None}),
                   certifications=tuple({e.label: e for e in entries}.values()))


def has_livret_columns(raw: dict[str, Any]) -> bool:
    """Return True when a row fills a livret section beyond the record format's own fields.

    Descriptions, keywords and a bare certification list are fields of every record: a row with only those
    imports as before (description and competence evidence); any other livret column makes it a livret.
    """
    return isinstance(raw.get("livret"), dict) or any(
        _cell(raw.get(column)) for column in LIVRET_COLUMNS if column != "certifications"
    )


def read_livret(raw: dict[str, Any]) -> dict[str, Any] | None:
    """Return the validated livret of a row as JSON, None when the row has none, or raise ValueError."""
    if not has_livret_columns(raw):
        return None
    data = _livret_from_object(raw) if isinstance(raw.get("livret"), dict) else _livret_input(raw)
    try:
        return livret_to_json(clean_livret(data))
    except InvalidQuery as exc:
        raise ValueError(_l("rubrique '%(section)s' : %(reason)s", section=exc.field or "livret",
                            reason=exc.message)) from exc


def read_invitation(raw: dict[str, Any]) -> dict[str, str] | None:
    """Return the person to invite for the row's organisation (member_email, member_name), or None."""
    email = _cell(raw.get("member_email")).lower()
    name = " ".join(_cell(raw.get("member_name")).split())[:200]
    if not email:
        if name:
            raise ValueError(_l("'member_name' rempli sans 'member_email' : à qui envoyer l'invitation ?"))
        return None
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValueError(_l("adresse à inviter invalide '%(email)s'", email=email[:60]))
    return {"email": email, "name": name}


# ------------------------------------------------------------------ the template

EXAMPLE_ROW = {
    "key": "example:usinage-precision-rhone", "name": "Usinage Précision Rhône (exemple)", "kind": "subcontractor",
    "region": "Auvergne-Rhône-Alpes", "city": "Lyon", "postcode": "69007",
    "website": "https://usinage-precision-rhone.example", "contact_email": "contact@usinage-precision-rhone.example",
    "description_fr": "Sous-traitant en usinage de précision 5 axes de pièces en titane et PEEK pour implants "
                      "orthopédiques et instruments chirurgicaux.",
    "description_en": "Precision 5-axis machining of titanium and PEEK parts for orthopaedic implants and surgical "
                      "instruments.",
    "activities": "usinage; assemblage en salle blanche; nettoyage et décontamination de dispositifs",
    "activities_note": "Usinage 5 axes, pièces jusqu'à 300 mm, tolérances ± 5 µm.",
    "materials": "titane; PEEK; acier inoxydable",
    "certification_1": "ISO 13485", "certification_1_number": "FR-0000-EXEMPLE",
    "certification_1_body": "Organisme notifié", "certification_1_expires": "2027-06-30", "certification_2": "ISO 9001",
    "equipment": "Centres d'usinage 5 axes; Salle blanche ISO 7 de 120 m²; Machine de mesure tridimensionnelle",
    "batch_min": "10", "batch_max": "5000", "lead_time_weeks": "4",
    "sectors": "dispositifs médicaux; aéronautique", "client_types": "fabricants de dispositifs médicaux; start-up",
    "member_name": "Camille Exemple", "member_email": "camille@usinage-precision-rhone.example",
}
COLUMN_NOTES = {
    "key": "identifiant stable (facultatif) ; une clé existante met à jour la fiche",
    "name": "nom de l'organisation (obligatoire)",
    "kind": "type (obligatoire) : " + ", ".join(ORGANISATION_KINDS),
    "activities": "activités et procédés, séparés par ; (code, libellé français ou anglais : feuille « vocabulaire »)",
    "materials": "matériaux, séparés par ; (feuille « vocabulaire »)",
    "certifications": "autres certifications sans détail, séparées par ; (" + ", ".join(CERTIFICATIONS) + ")",
    "certification_1": "certification avec détails : libellé, puis numéro, organisme et date d'expiration",
    "certification_1_expires": "date d'expiration (AAAA-MM-JJ ou JJ/MM/AAAA)",
    "equipment": "équipements, séparés par ;",
    "batch_min": "taille de série minimale (nombre d'unités)", "batch_max": "taille de série maximale",
    "lead_time_weeks": "délai habituel en semaines",
    "sectors": "secteurs servis, séparés par ; (feuille « vocabulaire »)",
    "client_types": "types de clients, séparés par ; (feuille « vocabulaire »)",
    "member_email": "personne à inviter : elle reçoit un lien pour compléter le livret de son organisation",
}


def template_csv() -> bytes:
    """Return the CSV template: the header and one example row (UTF-8 with BOM, for spreadsheet software)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow([EXAMPLE_ROW.get(column, "") for column in TEMPLATE_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """Return the XLSX template: the member sheet, a notice per column and the controlled vocabulary."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "livret"
    sheet.append(list(TEMPLATE_COLUMNS))
    sheet.append([EXAMPLE_ROW.get(column, "") for column in TEMPLATE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    notice = book.create_sheet("notice")
    notice.append(["colonne", "contenu"])
    for column in TEMPLATE_COLUMNS:
        notice.append([column, COLUMN_NOTES.get(column, "")])
    vocabulary = book.create_sheet("vocabulaire")
    vocabulary.append(["rubrique (colonne)", "famille", "code", "libellé français", "English label", "sources"])
    groups = {**ACTIVITY_GROUPS, **MATERIAL_GROUPS}
    for section, terms in VOCABULARIES.items():
        for entry in terms:
            vocabulary.append([section, groups.get(entry.group, (entry.group,))[0], entry.code, entry.fr, entry.en,
                               " ; ".join(entry.sources)])
    for extra in (notice, vocabulary):
        for cell in extra[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
