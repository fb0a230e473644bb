"""Organisation facets (kind, region, certifications) as arrays aligned with the index's organisation numbers.

A filter is then one vectorised comparison over the organisations, not a Python loop over a million
keys, and the suggested-filter counts are bincounts. Facets are read once with the index and patched
with the organisations edited since (``updated``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.models import Organisation
from matchmaker.ranking.index import EvidenceIndex
from matchmaker.vocabulary import CERTIFICATIONS, ORGANISATION_KINDS

_NONE = -1


@dataclass(frozen=True)
class OrganisationFacet:
    """What filters need to know about one organisation."""

    kind: str
    region: str | None
    certifications: tuple[str, ...]


def facet_rows(session: Session, since=None) -> dict[str, OrganisationFacet]:
    """Return the facets of every organisation (or of those updated since ``since``), keyed by organisation key."""
    query = select(Organisation.key, Organisation.kind, Organisation.region, Organisation.certifications)
    if since is not None:
        query = query.where(Organisation.updated_at >= since)
    return {
        key: OrganisationFacet(kind=kind, region=region, certifications=tuple(certs or ()))
        for key, kind, region, certs in session.execute(query)
    }


class OrganisationFacets:
    """Facets of the indexed organisations: (n_orgs,) kind codes, region codes and certification bit masks.

    Organisations without evidence in the index cannot be ranked, so they are only counted (``kind_counts``
    and ``certification_counts`` cover every organisation of the catalogue, as the filter labels show).
    """

    def __init__(
        self,
        kind: np.ndarray,
        region: np.ndarray,
        certified: np.ndarray,
        regions: Sequence[str],
        catalogue: Mapping[str, OrganisationFacet],
        index: EvidenceIndex | None = None,
    ) -> None:
        self.kind = kind
        self.region = region
        self.certified = certified
        self.regions = list(regions)
        self._catalogue = dict(catalogue)
        self._index = index
        self.kind_counts: dict[str, int] = {}
        self.certification_counts: dict[str, int] = {}
        for facet in self._catalogue.values():
            self.kind_counts[facet.kind] = self.kind_counts.get(facet.kind, 0) + 1
            for label in facet.certifications:
                self.certification_counts[label] = self.certification_counts.get(label, 0) + 1

    @classmethod
    def of(cls, index: EvidenceIndex, catalogue: Mapping[str, OrganisationFacet]) -> OrganisationFacets:
        """Align the facets of ``catalogue`` (organisation key -> facet) with ``index``."""
        keys = list(catalogue)
        numbers = index.org_numbers(keys)
        size = index.n_orgs
        kind = np.full(size, _NONE, np.int16)
        region = np.full(size, _NONE, np.int16)
        certified = np.zeros(size, np.uint64)
        regions: list[str] = []
        codes: dict[str, int] = {}
        for key, number in zip(keys, numbers.tolist(), strict=True):
            if number < 0:
                continue
            facet = catalogue[key]
            kind[number], region[number], certified[number] = _codes(facet, regions, codes)
        return cls(kind, region, certified, regions, catalogue, index)

    def updated(self, index: EvidenceIndex, changed: Mapping[str, OrganisationFacet]) -> OrganisationFacets:
        """Return the facets with ``changed`` organisations patched in (and new index organisations added)."""
        size = index.n_orgs
        kind = np.full(size, _NONE, np.int16)
        region = np.full(size, _NONE, np.int16)
        certified = np.zeros(size, np.uint64)
        kept = min(size, self.kind.size)
        kind[:kept], region[:kept], certified[:kept] = self.kind[:kept], self.region[:kept], self.certified[:kept]
        regions = list(self.regions)
        codes = {name: i for i, name in enumerate(regions)}
        catalogue = {**self._catalogue, **changed}
        # organisations the index numbered since: their facets may predate the change window
        fresh = [index.org_key(n) for n in range(self.kind.size, size)]
        patch = {**{k: catalogue[k] for k in fresh if k in catalogue}, **changed}
        keys = list(patch)
        for key, number in zip(keys, index.org_numbers(keys).tolist(), strict=True):
            if number >= 0:
                kind[number], region[number], certified[number] = _codes(patch[key], regions, codes)
        return OrganisationFacets(kind, region, certified, regions, catalogue, index)

    def only(self, keys: Iterable[str]) -> np.ndarray:
        """Return the (n_orgs,) mask of these organisations."""
        mask = np.zeros(self.kind.size, bool)
        numbers = self._index.org_numbers(list(keys)) if self._index is not None else np.zeros(0, np.int64)
        mask[numbers[(numbers >= 0) & (numbers < mask.size)]] = True
        return mask

    def without(self, mask: np.ndarray | None, keys: Iterable[str]) -> np.ndarray:
        """Return ``mask`` (None: every organisation) less these organisations."""
        base = np.ones(self.kind.size, bool) if mask is None else mask.copy()
        return base & ~self.only(keys)

    def facet(self, key: str) -> OrganisationFacet | None:
        """Return the facet of one organisation."""
        return self._catalogue.get(key)

    def __len__(self) -> int:
        return len(self._catalogue)

    def in_region(self, region: str) -> np.ndarray:
        """Return the (n_orgs,) mask of the organisations of one region (all False for an unknown region)."""
        if region not in self.regions:
            return np.zeros(self.region.size, bool)
        return self.region == self.regions.index(region)

    def mask(
        self, kinds: Iterable[str], regions: Iterable[str] = (), certifications: Iterable[str] = ()
    ) -> np.ndarray | None:
        """Return the (n_orgs,) bool mask of organisations passing the filters (None: no filter at all)."""
        kinds, regions, certifications = set(kinds), set(regions), set(certifications)
        if kinds >= set(ORGANISATION_KINDS) and not regions and not certifications:
            return None
        wanted = [ORGANISATION_KINDS.index(k) for k in kinds if k in ORGANISATION_KINDS]
        mask = np.isin(self.kind, wanted)
        if regions:
            codes = [self.regions.index(r) for r in regions if r in self.regions]
            mask &= np.isin(self.region, codes)
        if certifications:
            if any(c not in CERTIFICATIONS for c in certifications):
                return np.zeros_like(mask)
            bits = np.uint64(sum(1 << CERTIFICATIONS.index(c) for c in certifications))
            mask &= (self.certified & bits) == bits
        return mask


def _codes(facet: OrganisationFacet, regions: list[str], codes: dict[str, int]) -> tuple[int, int, int]:
    kind = ORGANISATION_KINDS.index(facet.kind) if facet.kind in ORGANISATION_KINDS else _NONE
    region = _NONE
    if facet.region:
        region = codes.get(facet.region, -2)
        if region == -2:
            region = codes[facet.region] = len(regions)
            regions.append(facet.region)
    bits = sum(1 << CERTIFICATIONS.index(c) for c in set(facet.certifications) if c in CERTIFICATIONS)
    return kind, region, bits
