"""The livret record: its sections, their validation and the JSON form revisions and imports use.

Framework-free like the rest of the catalogue record format (no Flask app, no ORM): the member's form,
the staff review, the bulk import and the JSON import all validate a livret through ``clean_livret``,
which raises ``InvalidQuery`` naming the section at fault.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from matchmaker.errors import InvalidQuery
from matchmaker.livret_vocabulary import VOCABULARIES
from matchmaker.vocabulary import CERTIFICATIONS

MAX_TERMS = 40
MAX_NOTE_CHARS = 2000
MAX_DESCRIPTION_CHARS = 5000
MAX_EQUIPMENT = 40
MAX_EQUIPMENT_CHARS = 200
MAX_CERTIFICATIONS = 15
MAX_BATCH = 1_000_000_000
MAX_LEAD_TIME_WEEKS = 260
SECTIONS = ("activities", "materials", "certifications", "equipment", "capacity", "references", "description")
"""The sections of a livret, in the order the form and the completeness score list them."""


@dataclass(frozen=True)
class CertificationEntry:
    """A certification the livret declares, with what lets staff check it."""

    label: str
    number: str = ""
    body: str = ""
    expires_on: date | None = None

    def expired(self, today: date) -> bool:
        """Return True once the declared expiry date has passed."""
        return self.expires_on is not None and self.expires_on < today


@dataclass(frozen=True)
class LivretInput:
    """Every section of a livret; empty values mean "not filled in"."""

    activities: tuple[str, ...] = ()
    activities_note: str = ""
    materials: tuple[str, ...] = ()
    materials_note: str = ""
    certifications: tuple[CertificationEntry, ...] = ()
    equipment: tuple[str, ...] = ()
    batch_min: int | None = None
    batch_max: int | None = None
    lead_time_weeks: int | None = None
    capacity_note: str = ""
    sectors: tuple[str, ...] = ()
    client_types: tuple[str, ...] = ()
    references_note: str = ""
    description_fr: str = ""
    description_en: str = ""

    def filled(self) -> dict[str, bool]:
        """Return, for each section of ``SECTIONS``, whether it holds anything."""
        return {
            "activities": bool(self.activities or self.activities_note),
            "materials": bool(self.materials or self.materials_note),
            "certifications": bool(self.certifications),
            "equipment": bool(self.equipment),
            "capacity": any(v is not None for v in (self.batch_min, self.batch_max, self.lead_time_weeks))
            or bool(self.capacity_note),
            "references": bool(self.sectors or self.client_types or self.references_note),
            "description": bool(self.description_fr or self.description_en),
        }

    @property
    def empty(self) -> bool:
        """Return True when no section holds anything."""
        return not any(self.filled().values())


# ------------------------------------------------------------------ validation


def _text(value: str | None, limit: int, name: str) -> str:
    text = re.sub(r"[ \t]+", " ", (value or "").replace("\x00", "").replace("\r\n", "\n")).strip()
    if len(text) > limit:
        raise InvalidQuery(_l("Texte trop long (%(length)d caractères, %(max)d au plus).", length=len(text),
                              max=limit), field=name)
    return text


def _terms(section: str, values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    known = {t.code for t in VOCABULARIES[section]}
    chosen = tuple(dict.fromkeys(v for v in values if v))
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise InvalidQuery(_l("Valeur inconnue : %(values)s.", values=", ".join(unknown)[:100]), field=section)
    if len(chosen) > MAX_TERMS:
        raise InvalidQuery(_l("%(max)d choix au plus.", max=MAX_TERMS), field=section)
    return chosen


def _count(value: int | None, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not low <= value <= high:
        raise InvalidQuery(_l("Nombre attendu entre %(low)d et %(high)d.", low=low, high=high), field=name)
    return value


def _certifications(entries: tuple[CertificationEntry, ...]) -> tuple[CertificationEntry, ...]:
    seen: set[str] = set()
    clean = []
    for entry in entries:
        if entry.label not in CERTIFICATIONS:
            raise InvalidQuery(_l("Certification inconnue : %(label)s.", label=entry.label[:60]),
                               field="certifications")
        if entry.label in seen:
            raise InvalidQuery(_l("La certification %(label)s est déclarée deux fois.", label=entry.label),
                               field="certifications")
        seen.add(entry.label)
        clean.append(CertificationEntry(
            label=entry.label, number=_text(entry.number, 100, "certifications"),
            body=_text(entry.body, 200, "certifications"), expires_on=entry.expires_on,
        ))
    if len(clean) > MAX_CERTIFICATIONS:
        raise InvalidQuery(_l("%(max)d certifications au plus.", max=MAX_CERTIFICATIONS), field="certifications")
    return tuple(clean)


def clean_livret(data: LivretInput) -> LivretInput:
    """Return the livret normalised, or raise InvalidQuery naming the section at fault."""
    equipment = tuple(dict.fromkeys(_text(item, MAX_EQUIPMENT_CHARS, "equipment") for item in data.equipment))
    equipment = tuple(item for item in equipment if item)
    if len(equipment) > MAX_EQUIPMENT:
        raise InvalidQuery(_l("%(max)d équipements au plus.", max=MAX_EQUIPMENT), field="equipment")
    batch_min = _count(data.batch_min, "batch_min", 1, MAX_BATCH)
    batch_max = _count(data.batch_max, "batch_max", 1, MAX_BATCH)
    if batch_min is not None and batch_max is not None and batch_min > batch_max:
        raise InvalidQuery(_l("La taille de série minimale dépasse la maximale."), field="batch_max")
    return LivretInput(
        activities=_terms("activities", data.activities),
        activities_note=_text(data.activities_note, MAX_NOTE_CHARS, "activities_note"),
        materials=_terms("materials", data.materials),
        materials_note=_text(data.materials_note, MAX_NOTE_CHARS, "materials_note"),
        certifications=_certifications(data.certifications),
        equipment=equipment,
        batch_min=batch_min,
        batch_max=batch_max,
        lead_time_weeks=_count(data.lead_time_weeks, "lead_time_weeks", 0, MAX_LEAD_TIME_WEEKS),
        capacity_note=_text(data.capacity_note, MAX_NOTE_CHARS, "capacity_note"),
        sectors=_terms("sectors", data.sectors),
        client_types=_terms("client_types", data.client_types),
        references_note=_text(data.references_note, MAX_NOTE_CHARS, "references_note"),
        description_fr=_text(data.description_fr, MAX_DESCRIPTION_CHARS, "description_fr"),
        description_en=_text(data.description_en, MAX_DESCRIPTION_CHARS, "description_en"),
    )


# ------------------------------------------------------------------ JSON (revisions) and rows


def livret_to_json(data: LivretInput) -> dict[str, Any]:
    """Return the livret as plain JSON values (what a revision stores)."""
    values = asdict(data)
    for name, value in values.items():
        if isinstance(value, tuple):
            values[name] = list(value)
    values["certifications"] = [
        {**asdict(entry), "expires_on": entry.expires_on.isoformat() if entry.expires_on else None}
        for entry in data.certifications
    ]
    return values


def livret_from_json(values: dict[str, Any]) -> LivretInput:
    """Return the livret a revision stores (unknown keys are ignored, missing ones are empty)."""
    known = {f.name for f in fields(LivretInput)}
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known or name == "certifications":
            continue
        kwargs[name] = tuple(value) if isinstance(value, list) else value
    kwargs["certifications"] = tuple(
        CertificationEntry(label=item.get("label", ""), number=item.get("number") or "", body=item.get("body") or "",
                           expires_on=date.fromisoformat(item["expires_on"]) if item.get("expires_on") else None)
        for item in values.get("certifications") or ()
    )
    return LivretInput(**kwargs)
