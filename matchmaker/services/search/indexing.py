"""Incremental indexing: which evidence changed since the served index, read from the database.

A full rebuild (``SearchEngine.build``) refits everything and swaps the index directory atomically.
Between rebuilds, ``SearchEngine.refresh`` reads only the evidence written since the served index (by
``updated_at`` and id) with ``catalogue_delta`` and applies it with ``HybridMatcher.with_changes``
(copy-on-write: requests in flight keep the old index); ``changed_since`` reads the facets of the
organisations edited meanwhile.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from matchmaker.models import Evidence, Organisation
from matchmaker.ranking import EvidenceDoc
from matchmaker.ranking.index import EvidenceIndex
from matchmaker.services.search.facets import OrganisationFacet, facet_rows

logger = logging.getLogger(__name__)

WRITE_MARGIN = timedelta(minutes=5)
"""Rows stamped this long before the last seen change are read again: a transaction that flushed
before the previous refresh but committed after it is still caught (unchanged rows are skipped)."""


@dataclass
class CatalogueDelta:
    """Evidence to (re)index and evidence keys to drop since the served index."""

    upserts: list[EvidenceDoc] = field(default_factory=list)
    upsert_ids: list[int] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.removed)


_STAMP = r"(None|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)"
_FINGERPRINT = re.compile(rf"^(\d+):(\d+|None):{_STAMP}(?::\d+:{_STAMP})?")


@dataclass(frozen=True)
class Fingerprint:
    """The parts of ``catalogue_fingerprint`` that say what to read again."""

    count: int
    max_id: int
    evidence_stamp: datetime
    organisation_stamp: datetime | None


def _stamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.min if text == "None" else datetime.fromisoformat(text)


def parse_fingerprint(fingerprint: str | None) -> Fingerprint | None:
    """Read ``evidence count:max id:max updated_at[:organisation count:max updated_at]``, or None."""
    found = _FINGERPRINT.match(fingerprint or "")
    if found is None:
        return None
    try:
        count, max_id, evidence, organisations = found.groups()
        return Fingerprint(int(count), int(max_id) if max_id != "None" else 0, _stamp(evidence), _stamp(organisations))
    except ValueError:
        return None


def catalogue_delta(session: Session, index: EvidenceIndex, since: str | None, now: str) -> CatalogueDelta | None:
    """Return what changed in the evidence since fingerprint ``since`` (``now`` is the current one).

    Returns None when the change cannot be told apart from the fingerprints (the caller rebuilds).
    """
    previous, current = parse_fingerprint(since), parse_fingerprint(now)
    if previous is None or current is None:
        return None
    count, max_id, stamp = current.count, previous.max_id, previous.evidence_stamp
    delta = CatalogueDelta()
    found = list(session.execute(
        select(Evidence.id, Evidence.key, Organisation.key, Evidence.text, Evidence.kind, Evidence.source_ref)
        .join(Organisation, Evidence.organisation_id == Organisation.id)
        .where(or_(Evidence.updated_at >= _before(stamp), Evidence.id > max_id))
        .order_by(Evidence.id)
    ))
    rows = index.rows_of_ids([key for _, key, *_ in found])
    new_keys = 0
    for (evidence_id, key, org_key, body, kind, source_ref), row in zip(found, rows.tolist(), strict=True):
        if row < 0:
            new_keys += 1
        else:
            served = index.doc(row)
            if (served.text, served.org_id, served.kind, served.source_ref) == (body, org_key, kind, source_ref):
                continue
        delta.upserts.append(EvidenceDoc(id=key, org_id=org_key, text=body, kind=kind, source_ref=source_ref))
        delta.upsert_ids.append(evidence_id)
    if count != index.n_live + new_keys:
        present = set(session.scalars(select(Evidence.key)))
        delta.removed = [key for key in index.live_ids() if key not in present]
        if count != index.n_live + new_keys - len(delta.removed):
            return None
    return delta


def _before(stamp: datetime) -> datetime:
    return stamp - WRITE_MARGIN if stamp > datetime.min + WRITE_MARGIN else datetime.min


def changed_since(session: Session, since: str | None) -> dict[str, OrganisationFacet]:
    """Return the facets of organisations edited since fingerprint ``since`` (all when it cannot tell)."""
    previous = parse_fingerprint(since)
    if previous is None or previous.organisation_stamp is None:
        return facet_rows(session)
    return facet_rows(session, since=_before(previous.organisation_stamp))


__all__ = ["CatalogueDelta", "catalogue_delta", "changed_since", "parse_fingerprint"]
