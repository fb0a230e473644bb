"""Publish a livret: its live tables, one evidence document per section, the declared certifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matchmaker.catalogue.livret import CertificationEntry, LivretInput
from matchmaker.livret_vocabulary import labels
from matchmaker.models import Evidence, Livret, LivretCertification, Organisation, User, utcnow
from matchmaker.services.certifications import forget_undeclared
from matchmaker.vocabulary import EvidenceKind

LIVRET_SOURCE = "livret"


def live_livret(org: Organisation) -> LivretInput:
    """Return the published livret of an organisation (empty when it has none)."""
    row = org.livret
    if row is None:
        return LivretInput()
    return LivretInput(
        activities=tuple(row.activities or ()), activities_note=row.activities_note or "",
        materials=tuple(row.materials or ()), materials_note=row.materials_note or "",
        certifications=tuple(CertificationEntry(c.label, c.number, c.body, c.expires_on) for c in row.certifications),
        equipment=tuple(row.equipment or ()), batch_min=row.batch_min, batch_max=row.batch_max,
        lead_time_weeks=row.lead_time_weeks, capacity_note=row.capacity_note or "",
        sectors=tuple(row.sectors or ()), client_types=tuple(row.client_types or ()),
        references_note=row.references_note or "", description_fr=row.description_fr or "",
        description_en=row.description_en or "",
    )


def starting_livret(org: Organisation) -> LivretInput:
    """Return what a member's first draft starts from: the live livret, else the certifications already declared."""
    if org.livret is not None:
        return live_livret(org)
    return LivretInput(certifications=tuple(CertificationEntry(label) for label in org.certifications or ()))


@dataclass
class EvidenceText:
    """One evidence document a livret section becomes."""

    suffix: str
    kind: str
    title: str
    text: str
    lang: str | None = None


def _both(section: str, codes: tuple[str, ...]) -> str:
    french, english = labels(section, codes, "fr"), labels(section, codes, "en")
    return " ; ".join(fr if fr == en else f"{fr} / {en}" for fr, en in zip(french, english, strict=True))


def _with_note(text: str, note: str) -> str:
    return f"{text}. {note}" if text and note else text or note


def _certification_text(entry: CertificationEntry) -> str:
    details = [f"n° {entry.number}" if entry.number else "", entry.body,
               f"valable jusqu'au {entry.expires_on.isoformat()}" if entry.expires_on else ""]
    details = [d for d in details if d]
    return f"{entry.label} ({', '.join(details)})" if details else entry.label


def _capacity_text(data: LivretInput) -> str:
    parts = []
    if data.batch_min is not None or data.batch_max is not None:
        low, high = data.batch_min, data.batch_max
        if low is not None and high is not None:
            parts.append(f"séries de {low} à {high} unités (batch sizes {low} to {high} units)")
        elif low is not None:
            parts.append(f"séries à partir de {low} unités (batches from {low} units)")
        else:
            parts.append(f"séries jusqu'à {high} unités (batches up to {high} units)")
    if data.lead_time_weeks is not None:
        parts.append(f"délai de {data.lead_time_weeks} semaines (lead time {data.lead_time_weeks} weeks)")
    return _with_note(" ; ".join(parts), data.capacity_note)


def evidence_texts(data: LivretInput, today: date) -> list[EvidenceText]:
    """Return the evidence documents of a livret, one per filled section (expired certifications left out)."""
    texts = []
    if data.activities or data.activities_note:
        body = _with_note(_both("activities", data.activities), data.activities_note)
        texts.append(EvidenceText("activities", EvidenceKind.LIVRET_ACTIVITIES, "Procédés et activités",
                                  f"Procédés et activités : {body}"))
    if data.materials or data.materials_note:
        body = _with_note(_both("materials", data.materials), data.materials_note)
        texts.append(EvidenceText("materials", EvidenceKind.LIVRET_MATERIALS, "Matériaux",
                                  f"Matériaux travaillés : {body}"))
    valid = [entry for entry in data.certifications if not entry.expired(today)]
    if valid:
        texts.append(EvidenceText("certifications", EvidenceKind.LIVRET_CERTIFICATIONS, "Certifications",
                                  "Certifications : " + " ; ".join(_certification_text(e) for e in valid)))
    if data.equipment:
        texts.append(EvidenceText("equipment", EvidenceKind.LIVRET_EQUIPMENT, "Équipements",
                                  "Équipements : " + " ; ".join(data.equipment)))
    capacity = _capacity_text(data)
    if capacity:
        texts.append(EvidenceText("capacity", EvidenceKind.LIVRET_CAPACITY, "Capacité", f"Capacité : {capacity}"))
    references = " ; ".join(part for part in (
        f"secteurs : {_both('sectors', data.sectors)}" if data.sectors else "",
        f"clients : {_both('client_types', data.client_types)}" if data.client_types else "",
    ) if part)
    references = _with_note(references, data.references_note)
    if references:
        texts.append(EvidenceText("references", EvidenceKind.LIVRET_REFERENCES, "Références",
                                  f"Références : {references}"))
    if data.description_fr:
        texts.append(EvidenceText("description-fr", EvidenceKind.LIVRET_DESCRIPTION, "Présentation",
                                  data.description_fr, "fr"))
    if data.description_en:
        texts.append(EvidenceText("description-en", EvidenceKind.LIVRET_DESCRIPTION, "Presentation",
                                  data.description_en, "en"))
    return texts


def write_evidence(org: Organisation, texts: list[EvidenceText]) -> None:
    """Make the livret evidence of an organisation exactly ``texts`` (touching every row it writes)."""
    prefix = f"{org.key}/{LIVRET_SOURCE}-"
    wanted = {f"{prefix}{t.suffix}": t for t in texts}
    for evidence in [e for e in org.evidence if e.key.startswith(prefix) and e.key not in wanted]:
        org.evidence.remove(evidence)
    current = {e.key: e for e in org.evidence}
    for key, text in wanted.items():
        evidence = current.get(key)
        if evidence is None:
            evidence = Evidence(key=key, source=LIVRET_SOURCE)
            org.evidence.append(evidence)
        evidence.kind, evidence.title, evidence.text, evidence.lang = text.kind, text.title, text.text, text.lang
        evidence.updated_at = utcnow()


def declared_certifications(data: LivretInput, today: date) -> list[str]:
    """Return the labels a livret declares that have not expired (what filters and facets count)."""
    return [entry.label for entry in data.certifications if not entry.expired(today)]


def apply_livret(org: Organisation, data: LivretInput, *, publisher: User | None, today: date | None = None) -> None:
    """Publish a cleaned livret: its tables, its evidence and the organisation's certifications (caller commits)."""
    day = today or date.today()
    row = org.livret
    if row is None:
        row = Livret()
        org.livret = row
    for name in ("activities", "materials", "equipment", "sectors", "client_types"):
        setattr(row, name, list(getattr(data, name)))
    for name in ("activities_note", "materials_note", "batch_min", "batch_max", "lead_time_weeks", "capacity_note",
                 "references_note", "description_fr", "description_en"):
        setattr(row, name, getattr(data, name))
    existing = {c.label: c for c in row.certifications}
    wanted = {entry.label: entry for entry in data.certifications}
    for label, certification in existing.items():
        if label not in wanted:
            row.certifications.remove(certification)
    for label, entry in wanted.items():
        certification = existing.get(label)
        if certification is None:
            certification = LivretCertification(label=label)
            row.certifications.append(certification)
        if certification.expires_on != entry.expires_on:
            certification.expiry_notified_on = None  # a renewed certificate is watched again
        certification.number, certification.body, certification.expires_on = entry.number, entry.body, entry.expires_on
    row.published_at, row.published_by_id = utcnow(), publisher.id if publisher else None
    org.certifications = declared_certifications(data, day)
    forget_undeclared(org)  # a certification no longer declared (or expired) loses its verification
    write_evidence(org, evidence_texts(data, day))
    org.updated_at = utcnow()


def sync_declared_certifications(org: Organisation, before: list[str]) -> None:
    """Follow a direct edit of the declared labels (staff edits) in the livret: drop the removed, add the new."""
    row = org.livret
    if row is None:
        return
    after = list(org.certifications or ())
    removed = set(before) - set(after)
    for certification in [c for c in row.certifications if c.label in removed]:
        row.certifications.remove(certification)
    present = {c.label for c in row.certifications}
    row.certifications.extend(LivretCertification(label=label) for label in after if label not in present)

