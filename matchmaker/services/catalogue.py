"""Store organisation records in the database, all or nothing, and track catalogue revisions."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.catalogue.importing import ParsedFile, RowError, parse_profiles
from matchmaker.catalogue.livret import livret_from_json
from matchmaker.models import Evidence, ImportRun, Organisation, OrganisationLink, User, utcnow
from matchmaker.services.livret.publication import apply_livret

BUNDLE_FILE = "organisations.jsonl.gz"
_ORG_FIELDS = (
    "kind", "name", "acronym", "description_fr", "description_en", "keywords", "certifications",
    "city", "postcode", "region", "siren", "rnsr_id", "website", "contact_email", "source",
    "source_url", "attributes",
)


@dataclass
class ImportReport:
    """What an import did: counts and the rejected rows with their reasons."""

    filename: str
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    stored: bool = False

    @property
    def rejected(self) -> int:
        """Return the number of rejected rows."""
        return len(self.errors)


def iter_bundled_records(bundle_dir: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of the bundled competence directory."""
    with gzip.open(bundle_dir / BUNDLE_FILE, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _apply_record(session: Session, org: Organisation | None, record: dict[str, Any],
                  publisher: User | None = None) -> Organisation:
    if org is None:
        org = Organisation(key=record["key"])
        session.add(org)
    for name in _ORG_FIELDS:
        if name in record:
            setattr(org, name, record[name])
    if record.get("attributes") is None:
        org.attributes = {}
    existing = {item.key: item for item in org.evidence}
    wanted = set()
    for item in record.get("evidence", []):
        wanted.add(item["key"])
        evidence = existing.get(item["key"])
        if evidence is None:
            evidence = Evidence(key=item["key"])
            org.evidence.append(evidence)
        evidence.kind = item.get("kind") or "description"
        evidence.title = (item.get("title") or "")[:300]
        evidence.text = item["text"]
        evidence.lang = item.get("lang")
        evidence.source = item.get("source")
        evidence.source_ref = item.get("source_ref")
    # Evidence produced by an earlier version of the same profile is replaced, not accumulated;
    # needs, notes and other evidence added on the platform are kept.
    replaced_sources = {item.get("source") for item in record.get("evidence", [])} | {record.get("source")}
    for key, evidence in existing.items():
        if key not in wanted and evidence.source in replaced_sources:
            org.evidence.remove(evidence)
    current_links = {(link.to_key, link.relation) for link in org.links}
    for target in record.get("links", []):
        if (target, "related") not in current_links:
            org.links.append(OrganisationLink(to_key=target, relation="related"))
    if record.get("livret") is not None:
        apply_livret(org, livret_from_json(record["livret"]), publisher=publisher)
    org.updated_at = utcnow()
    return org


def store_records(
    session: Session,
    records: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
    publisher: User | None = None,
) -> tuple[int, int]:
    """Create or update organisations by key inside the caller's transaction; return (created, updated)."""
    records = list(records)
    keys = [r["key"] for r in records]
    existing: dict[str, Organisation] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for org in session.scalars(select(Organisation).where(Organisation.key.in_(chunk))):
            existing[org.key] = org
    created = updated = 0
    for index, record in enumerate(records, start=1):
        org = existing.get(record["key"])
        if org is None:
            created += 1
        else:
            updated += 1
        _apply_record(session, org, record, publisher)
        if progress and index % 500 == 0:
            progress(500)
    return created, updated


def _keep_members_livrets(session: Session, parsed: ParsedFile) -> None:
    """Reject the rows that would replace the livret of a claimed profile: its members keep it up to date."""
    keys = [record["key"] for _, record in parsed.records if record.get("livret") is not None]
    claimed: set[str] = set()
    for start in range(0, len(keys), 500):
        claimed.update(session.scalars(select(Organisation.key).where(Organisation.key.in_(keys[start:start + 500]),
                                                                      Organisation.claimed.is_(True))))
    if not claimed:
        return
    kept = []
    for line, record in parsed.records:
        if record["key"] in claimed and record.get("livret") is not None:
            parsed.errors.append(RowError(line, _l("fiche revendiquée : son livret est tenu par ses membres et "
                                                   "n'est pas remplacé par un import"), record["name"]))
        else:
            kept.append((line, record))
    parsed.records = kept
    parsed.errors.sort(key=lambda error: error.line)


StoredHook = Callable[[list[dict[str, Any]]], None]
"""Work to do in the import's own transaction once its records are stored (e.g. invite their contacts)."""


def import_profiles(
    session: Session, data: bytes, filename: str, *, skip_invalid: bool = False, actor: User | None = None,
    on_stored: StoredHook | None = None,
) -> ImportReport:
    """Validate and store a profiles file; with any bad row nothing is stored unless skip_invalid.

    Everything (records, ``on_stored``'s work, the import's log) is one transaction: an import stopped half
    way leaves the previous data as it was.
    """
    parsed: ParsedFile = parse_profiles(data, filename)
    _keep_members_livrets(session, parsed)
    report = ImportReport(filename=filename, errors=parsed.errors)
    if parsed.errors and not skip_invalid:
        return report
    if not parsed.records:
        return report
    try:
        report.created, report.updated = store_records(session, (r for _, r in parsed.records), publisher=actor)
        if on_stored is not None:
            on_stored([record for _, record in parsed.records])
        session.add(
            ImportRun(
                filename=filename[:500],
                created=report.created,
                updated=report.updated,
                rejected=report.rejected,
                report=[{"line": e.line, "reason": e.reason, "name": e.name} for e in parsed.errors[:1000]],
            )
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.stored = True
    return report


def import_bundled(session: Session, bundle_dir: Path, progress: Callable[[int], None] | None = None) -> int:
    """Load the bundled open-data directory in one transaction; return the number of organisations."""
    records = list(iter_bundled_records(bundle_dir))
    try:
        store_records(session, records, progress)
        session.add(ImportRun(filename=str(bundle_dir / BUNDLE_FILE), created=len(records)))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(records)


def count_organisations(session: Session) -> int:
    """Return how many organisations are stored."""
    return session.scalar(select(func.count(Organisation.id))) or 0


def catalogue_fingerprint(session: Session) -> str:
    """Return a cheap fingerprint that changes whenever evidence or an organisation's filters change."""
    evidence = session.execute(
        select(func.count(Evidence.id), func.max(Evidence.id), func.max(Evidence.updated_at))
    ).one()
    organisations = session.execute(select(func.count(Organisation.id), func.max(Organisation.updated_at))).one()
    return ":".join(str(value) for value in (*evidence, *organisations))
