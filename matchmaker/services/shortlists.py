"""Shortlist use cases: named lists of organisations with notes, exported to CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, InvalidQuery, NotFound, one_with_id
from matchmaker.models import Need, Organisation, Shortlist, ShortlistEntry, User
from matchmaker.services import audit

MAX_SHORTLISTS = 200
MAX_ENTRIES = 500
CSV_COLUMNS = ("rang", "organisation", "type", "ville", "région", "certifications", "site web", "fiche", "note",
               "ajoutée le")
# Full-width forms too: some spreadsheets (Japanese Excel) read "＝1+1" as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_SPACES = " \u00a0\u2007\u202f\u3000"


def escape_csv_cell(value: object) -> str:
    """Neutralise spreadsheet formulas: a cell starting (after spaces) with = + - @ tab CR or LF gets an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(_LEADING_SPACES).startswith(_FORMULA_PREFIXES) else text


def list_shortlists(session: Session, owner: User) -> list[Shortlist]:
    """Return a user's shortlists, most recently changed first."""
    return list(
        session.scalars(select(Shortlist).where(Shortlist.owner_id == owner.id).order_by(Shortlist.updated_at.desc(),
                                                                                          Shortlist.id.desc()))
    )


def get_shortlist(session: Session, owner: User, public_id: str) -> Shortlist:
    """Return one of the user's shortlists; other users' lists are NotFound."""
    shortlist = session.scalar(select(Shortlist).where(Shortlist.public_id == public_id))
    if shortlist is None or shortlist.owner_id != owner.id:
        raise NotFound(_l("Cette liste n'existe pas."))
    return shortlist


def create_shortlist(session: Session, owner: User, name: str, need: Need | None = None) -> Shortlist:
    """Create a named shortlist, optionally tied to one of the owner's needs."""
    clean = " ".join(name.split())
    if not 1 <= len(clean) <= 120:
        raise InvalidQuery(_l("Donnez un nom de 1 à 120 caractères à la liste."), field="name")
    if len(list_shortlists(session, owner)) >= MAX_SHORTLISTS:
        raise Conflict(_l("%(n)d listes au plus par compte.", n=MAX_SHORTLISTS))
    if need is not None and need.owner_id != owner.id:
        raise NotFound(_l("Ce besoin n'existe pas."))
    shortlist = Shortlist(owner_id=owner.id, name=clean, need_id=need.id if need else None)
    session.add(shortlist)
    session.flush()
    audit.record(session, owner, "shortlist.create", "shortlist", shortlist.public_id)
    session.commit()
    return shortlist


def add_entry(session: Session, owner: User, shortlist: Shortlist, org: Organisation, note: str = "") -> ShortlistEntry:
    """Save an organisation to a shortlist (once)."""
    if shortlist.owner_id != owner.id:
        raise NotFound(_l("Cette liste n'existe pas."))
    if any(entry.organisation_id == org.id for entry in shortlist.entries):
        raise Conflict(_l("Cette organisation est déjà dans la liste."))
    if len(shortlist.entries) >= MAX_ENTRIES:
        raise Conflict(_l("%(n)d organisations au plus par liste.", n=MAX_ENTRIES))
    entry = ShortlistEntry(organisation=org, note=note.strip()[:5000])
    shortlist.entries.append(entry)
    audit.record(session, owner, "shortlist.add", "shortlist", shortlist.public_id, organisation=org.key)
    session.commit()
    return entry


def get_entry(shortlist: Shortlist, entry_id: int) -> ShortlistEntry:
    """Return one entry of the shortlist, or NotFound."""
    return one_with_id(shortlist.entries, entry_id, _l("Cette entrée n'existe pas."))


def annotate(session: Session, owner: User, entry: ShortlistEntry, note: str) -> None:
    """Replace the note of an entry."""
    if len(note) > 5000:
        raise InvalidQuery(_l("5000 caractères au plus pour une note."), field="note")
    entry.note = note.strip()
    audit.record(session, owner, "shortlist.note", "shortlist", entry.shortlist.public_id,
                 organisation=entry.organisation.key)
    session.commit()


def remove_entry(session: Session, owner: User, entry: ShortlistEntry) -> None:
    """Take an organisation out of a shortlist."""
    shortlist = entry.shortlist
    audit.record(session, owner, "shortlist.remove", "shortlist", shortlist.public_id,
                 organisation=entry.organisation.key)
    shortlist.entries.remove(entry)
    session.commit()


def delete_shortlist(session: Session, owner: User, shortlist: Shortlist) -> None:
    """Delete a shortlist and its entries."""
    audit.record(session, owner, "shortlist.delete", "shortlist", shortlist.public_id)
    session.delete(shortlist)
    session.commit()


def export_csv(shortlist: Shortlist, profile_url: Callable[[Organisation], str]) -> str:
    """Return the shortlist as CSV text (UTF-8 with BOM for spreadsheets), formulas neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rank, entry in enumerate(shortlist.entries, start=1):
        org = entry.organisation
        row = (rank, org.name, org.kind, org.city, org.region, "; ".join(org.certifications or ()), org.website,
               profile_url(org), entry.note, entry.added_at.strftime("%Y-%m-%d"))
        writer.writerow([escape_csv_cell(value) for value in row])
    return buffer.getvalue()
