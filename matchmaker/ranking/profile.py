"""Evidence identity shared by the index and its users: the directory-record kind and the data hash."""

from __future__ import annotations

from collections.abc import Iterable

from matchmaker.ranking.index_build import combine_digests, doc_digest
from matchmaker.ranking.match import EvidenceDoc

DIRECTORY_KIND = "directory_record"


def data_hash(docs: Iterable[EvidenceDoc]) -> str:
    """Return the hash of a set of evidence (ids, owners, kinds, source refs and texts), order-independent.

    It is a sum of per-document digests, so an index changed in place keeps the hash a full rebuild gives.
    """
    return combine_digests(sum(doc_digest(d.id, d.org_id, d.kind, d.source_ref, d.text) for d in docs))
