"""Evidence bookkeeping shared by fit, search and persistence: ids, owners, leave-one-out masks."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking.match import EvidenceDoc

DIRECTORY_KIND = "directory_record"


def data_hash(docs: Sequence[EvidenceDoc]) -> str:
    """Return a stable hash of the evidence (ids, owners, kinds, source refs and texts)."""
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.id):
        row = [doc.id, doc.org_id, doc.kind, doc.source_ref, doc.text]
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass
class EvidenceTable:
    """Column view of the evidence documents of an index (order = index rows)."""

    ids: list[str]
    org_ids: list[str]
    owner: np.ndarray
    kinds: list[str]
    source_refs: list[str | None]
    texts: list[str]
    org_index: dict[str, int] = field(init=False)
    by_source_ref: dict[str, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.org_index = {org: i for i, org in enumerate(self.org_ids)}
        grouped: dict[str, list[int]] = defaultdict(list)
        for row, ref in enumerate(self.source_refs):
            if ref:
                grouped[ref].append(row)
        self.by_source_ref = dict(grouped)

    @classmethod
    def from_docs(cls, docs: Sequence[EvidenceDoc]) -> EvidenceTable:
        """Build the table from evidence documents; organisations numbered in first-seen order."""
        seen = len({d.id for d in docs})
        if seen != len(docs):
            raise ValueError(f"evidence ids must be unique ({len(docs) - seen} duplicates)")
        org_ids = list(dict.fromkeys(d.org_id for d in docs))
        index = {org: i for i, org in enumerate(org_ids)}
        return cls(
            ids=[d.id for d in docs],
            org_ids=org_ids,
            owner=np.fromiter((index[d.org_id] for d in docs), np.int64, count=len(docs)),
            kinds=[d.kind for d in docs],
            source_refs=[d.source_ref for d in docs],
            texts=[d.text for d in docs],
        )

    @property
    def n_docs(self) -> int:
        """Number of evidence documents."""
        return len(self.ids)

    @property
    def n_orgs(self) -> int:
        """Number of organisations."""
        return len(self.org_ids)

    def ownership(self) -> sp.csr_matrix:
        """Return the (n_orgs, n_docs) 0/1 matrix mapping evidence to its organisation."""
        ones = np.ones(self.n_docs, np.float32)
        return sp.csr_matrix((ones, (self.owner, np.arange(self.n_docs))), shape=(self.n_orgs, self.n_docs))

    def org_mask(self, candidate_orgs: Collection[str] | None) -> np.ndarray:
        """Return the (n_orgs,) bool mask of the candidate organisations (all when None)."""
        if candidate_orgs is None:
            return np.ones(self.n_orgs, bool)
        mask = np.zeros(self.n_orgs, bool)
        rows = [self.org_index[o] for o in candidate_orgs if o in self.org_index]
        mask[rows] = True
        return mask

    def excluded_rows(self, exclude_source_refs: Collection[str]) -> np.ndarray:
        """Return the sorted rows of the evidence whose source_ref is left out."""
        rows = [r for ref in exclude_source_refs for r in self.by_source_ref.get(ref, ())]
        return np.unique(np.asarray(rows, np.int64))
