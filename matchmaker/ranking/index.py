"""EvidenceIndex: the lexical and dense parts of the evidence, built by streaming, memory-mapped, changed in place.

An index is an immutable *base* directory (plain .npy files, two tantivy indexes, a manifest written
last) plus a small in-memory *delta* of rows added since, and a mask of *dead* rows (removed or replaced
evidence). ``with_changes`` returns a new index sharing the base, so a request in flight keeps the one it
started with; ``save`` writes base + delta as a fresh base (compaction). Rows are numbered base first,
then delta, and never renumbered until the next save. Corpus statistics (document frequencies, lengths,
vector moments, the data hash) are kept exact through changes, so scores match a full rebuild.

The index answers the questions the candidate-bounded features ask: which rows or organisations a query
reaches first (lexical top-n from tantivy, dense top-n from a ``DenseBackend``), then the counts, lengths,
kinds and embeddings of the candidates' rows only.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking.backends import DenseBackend, DenseMoments, HnswDenseBackend, NumpyDenseBackend, top_rows
from matchmaker.ranking.columns import KeyLookup, TextColumn, directory_bytes, mapped
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError
from matchmaker.ranking.index_build import (
    Batch,
    analyse_batch,
    build_directory,
    combine_digests,
    cosine_sums,
    doc_digest,
    tfidf_idf,
    tfidf_norms,
)
from matchmaker.ranking.lexical_index import FETCH_LIMIT, LexicalIndex
from matchmaker.ranking.match import EvidenceDoc
from matchmaker.ranking.settings import INDEX_FORMAT_VERSION

MANIFEST = "manifest.json"
ANN_DIR = "ann"
BATCH = 20_000
EXACT_COSINE_NNZ = 5_000_000
"""Up to this many term counts, a change recomputes the cosine sums (exact); beyond, it updates them
with the rows it touches (every other row's tf-idf norm moves by a negligible idf drift)."""


def segments(indptr: np.ndarray, values: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gather the CSR segments of ``keys``; return (values, position in ``keys`` of each value)."""
    keys = np.asarray(keys, np.int64)
    starts = np.asarray(indptr[keys], np.int64)
    sizes = np.asarray(indptr[keys + 1], np.int64) - starts
    position = np.repeat(np.arange(keys.size), sizes)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes) + np.repeat(starts, sizes)
    return np.asarray(values[offsets]), position


def read_manifest(path: Path) -> dict[str, Any]:
    """Return the manifest in ``path`` or raise IndexMissingError."""
    try:
        manifest = json.loads((Path(path) / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise IndexMissingError(f"no ranking index in {path}: build it first") from error
    except (OSError, ValueError) as error:
        raise IndexMissingError(f"unreadable index manifest in {path}: rebuild the index") from error
    if not isinstance(manifest, dict):
        raise IndexMissingError(f"unreadable index manifest in {path}: rebuild the index")
    return manifest


@dataclass
class _Base:
    """The memory-mapped files of a built index directory."""

    path: Path
    manifest: dict[str, Any]
    ids: TextColumn
    id_lookup: KeyLookup
    refs: TextColumn
    ref_lookup: KeyLookup
    texts: TextColumn
    owner: np.ndarray
    kind: np.ndarray
    length: np.ndarray
    counts: sp.csr_matrix
    org_ids: TextColumn
    org_lookup: KeyLookup
    org_rows_indptr: np.ndarray
    org_rows: np.ndarray
    terms: list[str]
    vocabulary: dict[str, int]
    kinds: list[str]
    embeddings: np.ndarray | None
    lexical_docs: LexicalIndex
    lexical_orgs: LexicalIndex

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    @property
    def n_orgs(self) -> int:
        return len(self.org_ids)

    @classmethod
    def open(cls, path: Path) -> _Base:
        manifest = read_manifest(path)
        if manifest.get("format_version") != INDEX_FORMAT_VERSION:
            raise IndexStaleError(
                f"index in {path} has format {manifest.get('format_version')}, expected {INDEX_FORMAT_VERSION}"
            )
        try:
            load = lambda name: mapped(path / f"{name}.npy")  # noqa: E731
            ids = TextColumn.load(path, "docs.ids")
            refs = TextColumn.load(path, "docs.refs")
            orgs = TextColumn.load(path, "orgs.ids")
            terms = json.loads((path / "terms.json").read_text())
            n_rows, dim = int(manifest["n_docs"]), int(manifest.get("dim") or 0)
            counts = sp.csr_matrix((load("counts.data"), load("counts.indices"), load("counts.indptr")),
                                   shape=(n_rows, len(terms)), copy=False)
            base = cls(
                path=path, manifest=manifest, ids=ids, id_lookup=KeyLookup.load(path, "docs.ids", ids), refs=refs,
                ref_lookup=KeyLookup.load(path, "docs.refs", refs), texts=TextColumn.load(path, "docs.texts"),
                owner=load("docs.owner"), kind=load("docs.kind"), length=load("docs.length"), counts=counts,
                org_ids=orgs, org_lookup=KeyLookup.load(path, "orgs.ids", orgs),
                org_rows_indptr=load("orgs.rows_indptr"), org_rows=load("orgs.rows"), terms=terms,
                vocabulary={t: i for i, t in enumerate(terms)}, kinds=json.loads((path / "kinds.json").read_text()),
                embeddings=load("embeddings") if dim else None,
                lexical_docs=LexicalIndex(path / "lexical_docs"), lexical_orgs=LexicalIndex(path / "lexical_orgs"),
            )
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            raise IndexMissingError(f"corrupt ranking index in {path}: rebuild it ({error})") from error
        if len(ids) != n_rows or base.owner.shape != (n_rows,) or (
            dim and base.embeddings is not None and base.embeddings.shape != (n_rows, dim)
        ) or len(orgs) != int(manifest["n_orgs"]):
            raise IndexMissingError(f"corrupt ranking index in {path}: array sizes disagree, rebuild it")
        return base


@dataclass(frozen=True)
class _Delta:
    """Rows added since the base (numbered after it), new organisations and new terms."""

    ids: tuple[str, ...] = ()
    refs: tuple[str | None, ...] = ()
    texts: tuple[str, ...] = ()
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    length: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    counts: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0), dtype=np.float32))
    embeddings: np.ndarray | None = None
    row_of_id: Mapping[str, int] = field(default_factory=dict)
    rows_of_ref: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    org_ids: tuple[str, ...] = ()
    org_of_id: Mapping[str, int] = field(default_factory=dict)
    rows_of_org: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    terms: tuple[str, ...] = ()
    vocabulary: Mapping[str, int] = field(default_factory=dict)
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Stats:
    """Corpus statistics over the live rows, kept exact through changes."""

    df: np.ndarray  # (n_terms,) live rows containing each term
    org_df: np.ndarray  # (n_terms,) organisations whose live rows contain each term
    cos_sum: np.ndarray  # (n_terms,) sum over rows of (1 + log tf) / tf-idf norm (for the cosine moments)
    cos_sq: np.ndarray  # (n_terms,) sum of its squares
    norms: np.ndarray  # (n_rows,) tf-idf norm of each row
    org_live: np.ndarray  # (n_orgs,) live rows per organisation
    org_length: np.ndarray  # (n_orgs,) tokens of the live rows per organisation
    org_vector_norm: np.ndarray  # (n_orgs,) norm of the sum of the live rows' embeddings per organisation
    live_rows: int
    nonempty_docs: int
    total_length: float
    nonempty_orgs: int
    moments: DenseMoments | None
    digest: int


class EvidenceIndex:
    """Evidence documents indexed for candidate-bounded ranking (see the module docstring).

    Build with ``from_docs`` (or ``from_batches``), read with ``load``, change with ``with_changes``.
    """

    def __init__(self, base: _Base, delta: _Delta, dead: np.ndarray, stats: _Stats,
                 dense: DenseBackend | None = None, owned: Any = None) -> None:
        self._base = base
        self._delta = delta
        self._dead = dead
        self._stats = stats
        self._owned = owned  # a temporary directory kept alive as long as an index uses it
        self._stale_orgs = self._changed_orgs()
        self._tfidf_idf: np.ndarray | None = None
        self.dense: DenseBackend | None = dense
        if self.dense is None and base.embeddings is not None:
            self.dense = NumpyDenseBackend(base.embeddings)

    # ------------------------------------------------------------------ build and persist

    @classmethod
    def from_docs(
        cls,
        docs: Iterable[EvidenceDoc],
        embeddings: np.ndarray | None = None,
        path: Path | None = None,
        batch_size: int = BATCH,
    ) -> EvidenceIndex:
        """Index documents in batches; ``embeddings`` is their (n, dim) array (memory maps are read in batches).

        Without ``path`` the files go to a temporary directory removed with the last index using it.
        """
        def batches() -> Iterator[Batch]:
            chunk: list[EvidenceDoc] = []
            start = 0
            for doc in docs:
                chunk.append(doc)
                if len(chunk) == batch_size:
                    yield analyse_batch(chunk, _slice(embeddings, start, len(chunk)))
                    start += len(chunk)
                    chunk = []
            if chunk or start == 0:
                yield analyse_batch(chunk, _slice(embeddings, start, len(chunk)))

        dim = int(embeddings.shape[1]) if embeddings is not None and embeddings.ndim == 2 else None
        return cls.from_batches(batches(), dim, path)

    @classmethod
    def from_batches(cls, batches: Iterable[Batch], dim: int | None, path: Path | None = None) -> EvidenceIndex:
        """Index pre-analysed batches (the streaming entry point)."""
        owned = None
        if path is None:
            owned = _TemporaryDirectory()
            path = owned.path
        path = Path(path)
        (path / MANIFEST).unlink(missing_ok=True)
        stats = build_directory(path, batches, dim)
        _write_json(path / MANIFEST, {"format_version": INDEX_FORMAT_VERSION, **stats})
        index = cls.load(path)
        index._owned = owned
        return index

    @classmethod
    def load(cls, path: Path) -> EvidenceIndex:
        """Open an index directory (memory-mapped); raise IndexMissingError / IndexStaleError if unusable."""
        base = _Base.open(Path(path))
        m = base.manifest
        load = lambda name: np.load(base.path / f"{name}.npy", allow_pickle=False)  # noqa: E731
        moments = None
        if base.embeddings is not None:
            try:
                moments = DenseMoments(dim=int(m["dim"]), count=base.n_rows, total=load("dense.total"),
                                       outer=load("dense.outer"))
            except (OSError, EOFError, ValueError) as error:
                raise IndexMissingError(f"corrupt ranking index in {path}: rebuild it ({error})") from error
        owner = np.asarray(base.owner)
        try:
            stats = _Stats(
                df=load("terms.df"), org_df=load("terms.org_df"), cos_sum=load("terms.cos_sum"),
                cos_sq=load("terms.cos_sq"), norms=mapped(base.path / "docs.norm.npy"),
                org_live=np.bincount(owner, minlength=base.n_orgs).astype(np.int64),
                org_length=np.bincount(owner, weights=np.asarray(base.length), minlength=base.n_orgs),
                org_vector_norm=mapped(base.path / "orgs.vector_norm.npy"),
                live_rows=base.n_rows, nonempty_docs=int(m["nonempty_docs"]), total_length=float(m["total_length"]),
                nonempty_orgs=int(m["nonempty_orgs"]), moments=moments, digest=int(m["data_hash"], 16),
            )
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            raise IndexMissingError(f"corrupt ranking index in {path}: rebuild it ({error})") from error
        index = cls(base, _Delta(), np.zeros(base.n_rows, bool), stats)
        if (base.path / ANN_DIR / "hnsw.faiss").exists():
            try:
                index.dense = HnswDenseBackend.load(base.path / ANN_DIR)
            except (ImportError, RuntimeError) as error:  # faiss missing or unreadable graph: exact search
                raise IndexMissingError(f"unreadable ANN graph in {path}: rebuild the index ({error})") from error
        return index

    @property
    def has_ann(self) -> bool:
        """True when the base directory holds an HNSW graph of its embeddings."""
        return (self._base.path / ANN_DIR / "hnsw.faiss").exists()

    def build_ann(self, m: int = 32, ef_construction: int = 80, ef_search: int = 128) -> EvidenceIndex:
        """Build an HNSW graph (faiss) of the base embeddings into the base directory and search through it.

        Rows added since the base are still searched exactly (they are few); the graph is rebuilt with
        the next base. Returns self.
        """
        if self._base.embeddings is None:
            raise ValueError("this index has no embeddings")
        graph = HnswDenseBackend.build(self._base.embeddings, m=m, ef_construction=ef_construction,
                                       ef_search=ef_search)
        staging = self._base.path / f".{ANN_DIR}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        graph.save(staging)
        shutil.rmtree(self._base.path / ANN_DIR, ignore_errors=True)
        os.replace(staging, self._base.path / ANN_DIR)
        self.dense = graph
        return self

    def save(self, path: Path, extra: Mapping[str, Any] | None = None) -> Path:
        """Write the index (base + delta compacted) as a new directory; the manifest last.

        ``extra`` entries (encoder, settings...) are added to the manifest.
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / MANIFEST).unlink(missing_ok=True)
        if self.is_compact and path.resolve() != self._base.path.resolve():
            for entry in self._base.path.iterdir():
                if entry.name == MANIFEST:
                    continue
                target = path / entry.name
                if entry.is_dir():
                    shutil.rmtree(target, ignore_errors=True)
                    shutil.copytree(entry, target)
                else:
                    shutil.copy2(entry, target)
            stats = {k: v for k, v in self._base.manifest.items() if k != "format_version"}
        elif self.is_compact:
            stats = {k: v for k, v in self._base.manifest.items() if k != "format_version"}
        else:
            stats = build_directory(path, self._live_batches(), self.dim or None)
        manifest = {**(dict(extra) if extra else {}), "format_version": INDEX_FORMAT_VERSION, **stats}
        _write_json(path / MANIFEST, manifest)
        return path

    def _live_batches(self, size: int = BATCH) -> Iterator[Batch]:
        live = np.flatnonzero(~self._dead)
        terms = self.terms
        for start in range(0, live.size, size):
            rows = live[start : start + size]
            docs = [self.doc(int(r)) for r in rows]
            counts = self.counts_of(rows)
            yield Batch(ids=[d.id for d in docs], org_ids=[d.org_id for d in docs], kinds=[d.kind for d in docs],
                        source_refs=[d.source_ref for d in docs], texts=[d.text for d in docs], counts=counts,
                        terms=terms, embeddings=self.embeddings_of(rows) if self.dim else None)

    @property
    def is_compact(self) -> bool:
        """True when the index is exactly its base directory (no delta, no dead rows)."""
        return len(self._delta.ids) == 0 and not self._dead.any()

    @property
    def directory(self) -> Path:
        """The base directory."""
        return self._base.path

    @property
    def manifest(self) -> dict[str, Any]:
        """The statistics describing the index (what ``save`` writes)."""
        return {
            "format_version": INDEX_FORMAT_VERSION,
            "n_docs": self.n_live,
            "n_orgs": int(np.count_nonzero(self._stats.org_live)),
            "n_terms": len(self.terms),
            "dim": self.dim,
            "data_hash": self.data_hash,
        }

    def disk_bytes(self) -> int:
        """Return the size of the base directory."""
        return directory_bytes(self._base.path)

    # ------------------------------------------------------------------ identity and sizes

    @property
    def data_hash(self) -> str:
        """Return the hash of the live evidence (ids, owners, kinds, source refs, texts), order-independent."""
        return combine_digests(self._stats.digest)

    @property
    def dim(self) -> int:
        """Embedding dimension (0 without embeddings)."""
        return int(self._base.manifest.get("dim") or 0)

    @property
    def n_rows(self) -> int:
        """Rows, dead ones included (row numbers run up to this)."""
        return self._base.n_rows + len(self._delta.ids)

    @property
    def n_live(self) -> int:
        """Live evidence documents."""
        return self._stats.live_rows

    @property
    def n_orgs(self) -> int:
        """Organisation numbers (some may have no live evidence left)."""
        return self._base.n_orgs + len(self._delta.org_ids)

    @property
    def terms(self) -> list[str]:
        """Every term, in column order."""
        return self._base.terms + list(self._delta.terms)

    @property
    def kinds(self) -> list[str]:
        """Evidence kinds, in code order."""
        return self._base.kinds + list(self._delta.kinds)

    @property
    def stats(self) -> _Stats:
        """Corpus statistics over the live rows."""
        return self._stats

    def live(self, rows: np.ndarray) -> np.ndarray:
        """Return the (len(rows),) bool mask of live rows."""
        return ~self._dead[np.asarray(rows, np.int64)]

    def term_columns(self, stems: Iterable[str]) -> dict[str, int]:
        """Return the column of each known stem."""
        out = {}
        for stem in stems:
            column = self._base.vocabulary.get(stem)
            if column is None:
                column = self._delta.vocabulary.get(stem)
            if column is not None:
                out[stem] = column
        return out

    def tfidf_idf(self) -> np.ndarray:
        """Return the (n_terms,) tf-idf idf over the live rows (computed once per index)."""
        if self._tfidf_idf is None:
            self._tfidf_idf = tfidf_idf(self._stats.df, self._stats.live_rows)
        return self._tfidf_idf

    # ------------------------------------------------------------------ rows

    def _split(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.asarray(rows, np.int64)
        return rows < self._base.n_rows, rows - self._base.n_rows

    def _gather(self, base: np.ndarray, delta: np.ndarray, rows: np.ndarray, dtype) -> np.ndarray:
        in_base, local = self._split(rows)
        out = np.empty(len(rows), dtype)
        out[in_base] = base[np.asarray(rows)[in_base]]
        out[~in_base] = delta[local[~in_base]]
        return out

    def owner_of(self, rows: np.ndarray) -> np.ndarray:
        """Return the organisation number of each row."""
        return self._gather(self._base.owner, self._delta.owner, rows, np.int64)

    def kind_of(self, rows: np.ndarray) -> np.ndarray:
        """Return the kind code of each row (see ``kinds``)."""
        return self._gather(self._base.kind, self._delta.kind, rows, np.int16)

    def length_of(self, rows: np.ndarray) -> np.ndarray:
        """Return the token count of each row."""
        return self._gather(self._base.length, self._delta.length, rows, np.float32)

    def counts_of(self, rows: np.ndarray) -> sp.csr_matrix:
        """Return the (len(rows), n_terms) term counts of rows."""
        rows = np.asarray(rows, np.int64)
        n_terms = len(self.terms)
        in_base, local = self._split(rows)
        if in_base.all():
            part = self._base.counts[rows] if rows.size else sp.csr_matrix((0, self._base.counts.shape[1]))
            return sp.csr_matrix((part.data, part.indices, part.indptr), shape=(rows.size, n_terms))
        delta = self._delta.counts
        delta = sp.csr_matrix((delta.data, delta.indices, delta.indptr), shape=(delta.shape[0], n_terms))
        base = self._base.counts[rows[in_base]]
        base = sp.csr_matrix((base.data, base.indices, base.indptr), shape=(base.shape[0], n_terms))
        stacked = sp.vstack([base, delta[local[~in_base]]], format="csr")
        order = np.empty(rows.size, np.int64)
        order[np.flatnonzero(in_base)] = np.arange(int(in_base.sum()))
        order[np.flatnonzero(~in_base)] = int(in_base.sum()) + np.arange(int((~in_base).sum()))
        return stacked[order]

    def norms_of(self, rows: np.ndarray) -> np.ndarray:
        """Return the tf-idf norm of each row (as the current idf gives it)."""
        return np.asarray(self._stats.norms[np.asarray(rows, np.int64)], np.float32)

    def embeddings_of(self, rows: np.ndarray) -> np.ndarray:
        """Return the (len(rows), dim) embeddings of rows."""
        rows = np.asarray(rows, np.int64)
        out = np.empty((rows.size, self.dim), np.float32)
        in_base, local = self._split(rows)
        if in_base.any():
            out[in_base] = np.take(self._base.embeddings, rows[in_base], axis=0)
        if (~in_base).any():
            out[~in_base] = self._delta.embeddings[local[~in_base]]
        return out

    def doc_id(self, row: int) -> str:
        """Return the evidence id of a row."""
        return self._base.ids[row] if row < self._base.n_rows else self._delta.ids[row - self._base.n_rows]

    def text(self, row: int) -> str:
        """Return the evidence text of a row."""
        return self._base.texts[row] if row < self._base.n_rows else self._delta.texts[row - self._base.n_rows]

    def source_ref(self, row: int) -> str | None:
        """Return the source ref of a row."""
        return self._base.refs[row] if row < self._base.n_rows else self._delta.refs[row - self._base.n_rows]

    def org_key(self, org: int) -> str:
        """Return the organisation id of an organisation number."""
        return self._base.org_ids[org] if org < self._base.n_orgs else self._delta.org_ids[org - self._base.n_orgs]

    def doc(self, row: int) -> EvidenceDoc:
        """Return the evidence document of a row."""
        row = int(row)
        return EvidenceDoc(
            id=self.doc_id(row), org_id=self.org_key(int(self.owner_of(np.array([row]))[0])), text=self.text(row),
            kind=self.kinds[int(self.kind_of(np.array([row]))[0])], source_ref=self.source_ref(row),
        )

    def docs(self) -> Iterator[EvidenceDoc]:
        """Yield every live evidence document, in row order."""
        for row in np.flatnonzero(~self._dead):
            yield self.doc(int(row))

    def live_ids(self) -> Iterator[str]:
        """Yield the evidence id of every live row, in row order."""
        for row in np.flatnonzero(~self._dead):
            yield self.doc_id(int(row))

    def rows_of_ids(self, keys: Sequence[str]) -> np.ndarray:
        """Return the live row of each evidence id (-1 when unknown or removed)."""
        found = self._base.id_lookup.first(list(keys)) if self._base.n_rows else np.full(len(keys), -1, np.int64)
        for i, key in enumerate(keys):
            if found[i] >= 0 and self._dead[found[i]]:
                found[i] = -1
            if found[i] < 0:
                row = self._delta.row_of_id.get(key, -1)
                found[i] = row if row >= 0 and not self._dead[row] else -1
        return found

    def rows_of_refs(self, refs: Collection[str]) -> np.ndarray:
        """Return the sorted live rows whose source ref is one of ``refs`` (the leave-one-out rows)."""
        rows: list[int] = []
        for ref in refs:
            rows.extend(self._base.ref_lookup.rows(ref))
            rows.extend(self._delta.rows_of_ref.get(ref, ()))
        found = np.unique(np.asarray(rows, np.int64))
        return found[~self._dead[found]] if found.size else found

    def org_numbers(self, keys: Iterable[str]) -> np.ndarray:
        """Return the organisation number of each key (-1 when unknown)."""
        keys = list(keys)
        found = self._base.org_lookup.first(keys) if self._base.n_orgs else np.full(len(keys), -1, np.int64)
        for i, key in enumerate(keys):
            if found[i] < 0:
                found[i] = self._delta.org_of_id.get(key, -1)
        return found

    def org_mask(self, keys: Collection[str] | None) -> np.ndarray:
        """Return the (n_orgs,) bool mask of the organisations with live evidence among ``keys`` (all if None)."""
        live = self._stats.org_live > 0
        if keys is None:
            return live
        mask = np.zeros(self.n_orgs, bool)
        numbers = self.org_numbers(keys)
        mask[numbers[numbers >= 0]] = True
        return mask & live

    def org_mean_embeddings(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the mean evidence embedding of the organisations with live evidence among ``keys``.

        Returns:
            ((m, dim) mean vectors of the known organisations, in ``keys`` order; (len(keys),) bool mask of them).
        """
        numbers = self.org_numbers(keys)
        known = numbers >= 0
        known[known] = self._stats.org_live[numbers[known]] > 0
        orgs = numbers[known]
        rows, position = self.rows_of_orgs(orgs)
        sums = np.zeros((orgs.size, self.dim), np.float64)
        np.add.at(sums, position, self.embeddings_of(rows))
        counts = np.bincount(position, minlength=orgs.size)
        return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32), known

    def rows_of_orgs(self, orgs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the live rows of organisations and, for each row, its position in ``orgs``."""
        orgs = np.asarray(orgs, np.int64)
        in_base = orgs < self._base.n_orgs
        base_orgs = np.flatnonzero(in_base)
        rows, position = segments(self._base.org_rows_indptr, self._base.org_rows, orgs[base_orgs])
        rows, position = np.asarray(rows, np.int64), base_orgs[position]
        extra_rows, extra_position = [], []
        for i, org in enumerate(orgs.tolist()):
            added = self._delta.rows_of_org.get(org)
            if added:
                extra_rows.extend(added)
                extra_position.extend([i] * len(added))
        if extra_rows:
            rows = np.concatenate([rows, np.asarray(extra_rows, np.int64)])
            position = np.concatenate([position, np.asarray(extra_position, np.int64)])
        keep = ~self._dead[rows]
        return rows[keep], position[keep]

    # ------------------------------------------------------------------ first stage

    def lexical_rows(self, stems: Mapping[str, float], n: int, pool: np.ndarray | None) -> np.ndarray:
        """Return up to ``n`` live rows of pool organisations with the best BM25 (tantivy), new rows first."""
        share = float(pool.mean()) if pool is not None and pool.size else 1.0
        dead, owner = self._dead, self._base.owner

        def keep(rows: np.ndarray) -> np.ndarray:
            ok = ~dead[rows]
            return ok & pool[owner[rows]] if pool is not None else ok

        rows, _ = self._base.lexical_docs.top(stems, n, keep, share)
        delta_rows = self._delta_matches(stems, n, pool)
        # rows added since the base come first: they are few, and a caller keeping the best rows only must keep them
        return np.concatenate([delta_rows, rows]) if delta_rows.size else rows

    def _delta_matches(self, stems: Mapping[str, float], n: int, pool: np.ndarray | None) -> np.ndarray:
        """Return up to ``n`` live delta rows sharing stems with the query, most shared first."""
        if not len(self._delta.ids):
            return np.zeros(0, np.int64)
        columns = np.asarray(list(self.term_columns(stems).values()), np.int64)
        if columns.size == 0:
            return np.zeros(0, np.int64)
        counts = self._delta.counts
        counts = sp.csr_matrix((counts.data, counts.indices, counts.indptr),
                               shape=(counts.shape[0], len(self.terms)))[:, columns]
        hits = np.asarray((counts > 0).sum(axis=1)).ravel().astype(np.float32)
        rows = self._base.n_rows + np.arange(hits.size)
        ok = (hits > 0) & ~self._dead[rows]
        if pool is not None:
            ok &= pool[self._delta.owner]
        rows, hits = rows[ok], hits[ok]
        return rows[top_rows(hits, n)]

    def lexical_orgs(self, stems: Mapping[str, float], n: int, pool: np.ndarray | None) -> np.ndarray:
        """Return up to ``n`` pool organisations whose whole profile best matches (tantivy), plus changed ones."""
        share = float(pool.mean()) if pool is not None and pool.size else 1.0
        stale, live = self._stale_orgs, self._stats.org_live

        def keep(orgs: np.ndarray) -> np.ndarray:
            ok = ~stale[orgs] & (live[orgs] > 0)
            return ok & pool[orgs] if pool is not None else ok

        orgs, _ = self._base.lexical_orgs.top(stems, n, keep, share)
        changed = np.flatnonzero(self._stale_orgs & (live > 0))
        if pool is not None:
            changed = changed[pool[changed]]
        if changed.size:
            columns = np.asarray(list(self.term_columns(stems).values()), np.int64)
            rows, position = self.rows_of_orgs(changed)
            if columns.size and rows.size:
                present = np.asarray((self.counts_of(rows)[:, columns] > 0).sum(axis=1)).ravel()
                hits = np.bincount(position, weights=present, minlength=changed.size)
                orgs = np.concatenate([orgs, changed[hits > 0]])
        return orgs

    def dense_rows(self, vector: np.ndarray, n: int, pool: np.ndarray | None, farthest: bool = False) -> np.ndarray:
        """Return up to ``n`` live rows of pool organisations nearest to ``vector`` (farthest: nearest to -vector)."""
        if self.dense is None or self._stats.moments is None:
            return np.zeros(0, np.int64)
        query = -vector if farthest else vector
        share = float(pool.mean()) if pool is not None and pool.size else 1.0
        fetch = n
        if pool is not None or self._dead.any():
            fetch = int(min(n / max(share, 1e-3) * 1.2 + 16, FETCH_LIMIT * n))
        rows, _ = self.dense.top(query, fetch)
        rows = rows[rows < self.n_rows]
        rows = rows[~self._dead[rows]]
        if pool is not None:
            rows = rows[pool[self.owner_of(rows)]]
        rows = rows[:n]
        if len(self._delta.ids) and self._delta.embeddings is not None and self.dense.n_docs <= self._base.n_rows:
            similarities = self._delta.embeddings @ query
            extra = self._base.n_rows + np.arange(similarities.size)
            ok = ~self._dead[extra]
            if pool is not None:
                ok &= pool[self._delta.owner]
            best = top_rows(np.where(ok, similarities, -np.inf), n)
            rows = np.concatenate([extra[best[ok[best]]], rows])  # added rows first, as in lexical_rows
        return rows

    def use_dense(self, backend: DenseBackend | None) -> EvidenceIndex:
        """Search embeddings through ``backend`` (HNSW, pgvector...) from now on; return self."""
        if backend is not None and self._stats.moments is None:
            raise ValueError("this index has no embeddings")
        self.dense = backend if backend is not None else (
            NumpyDenseBackend(self._base.embeddings) if self._base.embeddings is not None else None)
        return self

    # ------------------------------------------------------------------ changes

    def _changed_orgs(self) -> np.ndarray:
        stale = np.zeros(self.n_orgs, bool)
        dead = np.flatnonzero(self._dead)
        if dead.size:
            stale[self.owner_of(dead)] = True
        stale[self._delta.owner] = True
        return stale

    def with_changes(
        self,
        upserts: Sequence[EvidenceDoc] = (),
        removed: Collection[str] = (),
        embeddings: np.ndarray | None = None,
    ) -> EvidenceIndex:
        """Return a new index with evidence added or replaced (``upserts``) and removed (by id).

        Args:
            upserts: new or edited evidence (an id already present replaces its row).
            removed: ids of evidence to drop (unknown ids are ignored).
            embeddings: (len(upserts), dim) vectors of the upserts (required when the index has embeddings).
        """
        if self.dim and (embeddings is None or len(embeddings) != len(upserts)):
            raise ValueError("with_changes needs one embedding per upserted evidence")
        if len({d.id for d in upserts}) != len(upserts):
            raise ValueError("evidence ids must be unique")
        keys = [d.id for d in upserts] + [k for k in removed if k not in {d.id for d in upserts}]
        dropped = self.rows_of_ids(keys)
        dropped = np.unique(dropped[dropped >= 0])
        batch = analyse_batch(list(upserts))
        delta, new_rows = self._grown_delta(upserts, batch, embeddings)
        n_terms = len(self._base.terms) + len(delta.terms)
        dead = np.concatenate([self._dead, np.zeros(len(upserts), bool)])
        dead[dropped] = True
        grown = EvidenceIndex(self._base, delta, dead, self._stats, self.dense, self._owned)
        stats = grown._updated_stats(self, dropped, new_rows, n_terms)
        return EvidenceIndex(self._base, delta, dead, stats, self.dense, self._owned)

    def _grown_delta(self, upserts: Sequence[EvidenceDoc], batch: Batch,
                     embeddings: np.ndarray | None) -> tuple[_Delta, np.ndarray]:
        """Return the delta with the upserts appended and their row numbers."""
        old = self._delta
        first = self.n_rows
        terms = list(old.terms)
        vocabulary = dict(old.vocabulary)
        base_vocabulary = self._base.vocabulary
        remap = []
        for term in batch.terms:
            column = base_vocabulary.get(term)
            if column is None:
                column = vocabulary.get(term)
                if column is None:
                    column = len(self._base.terms) + len(terms)
                    vocabulary[term] = column
                    terms.append(term)
            remap.append(column)
        n_terms = len(self._base.terms) + len(terms)
        counts = batch.counts
        added = sp.csr_matrix((counts.data, np.asarray(remap, np.int64)[counts.indices].astype(np.int32)
                               if counts.nnz else counts.indices, counts.indptr), shape=(len(upserts), n_terms))
        previous = sp.csr_matrix((old.counts.data, old.counts.indices, old.counts.indptr),
                                 shape=(old.counts.shape[0], n_terms))
        org_ids, org_of_id = list(old.org_ids), dict(old.org_of_id)
        known = self.org_numbers([d.org_id for d in upserts])
        owners = []
        for doc, number in zip(upserts, known.tolist(), strict=True):
            if number < 0:
                number = org_of_id.get(doc.org_id, -1)
            if number < 0:
                number = self._base.n_orgs + len(org_ids)
                org_ids.append(doc.org_id)
                org_of_id[doc.org_id] = number
            owners.append(number)
        kinds = list(old.kinds)
        all_kinds = self.kinds
        codes = []
        for doc in upserts:
            if doc.kind not in all_kinds:
                all_kinds.append(doc.kind)
                kinds.append(doc.kind)
            codes.append(all_kinds.index(doc.kind))
        rows = first + np.arange(len(upserts))
        row_of_id = {**old.row_of_id, **{d.id: int(r) for d, r in zip(upserts, rows, strict=True)}}
        rows_of_ref = dict(old.rows_of_ref)
        rows_of_org = dict(old.rows_of_org)
        for doc, row, owner in zip(upserts, rows.tolist(), owners, strict=True):
            if doc.source_ref:
                rows_of_ref[doc.source_ref] = (*rows_of_ref.get(doc.source_ref, ()), row)
            rows_of_org[owner] = (*rows_of_org.get(owner, ()), row)
        vectors = None
        if self.dim:
            previous_vectors = old.embeddings if old.embeddings is not None else np.zeros((0, self.dim), np.float32)
            vectors = np.concatenate([previous_vectors, np.asarray(embeddings, np.float32).reshape(-1, self.dim)])
        lengths = np.asarray(added.sum(axis=1)).ravel().astype(np.float32)
        delta = _Delta(
            ids=(*old.ids, *(d.id for d in upserts)), refs=(*old.refs, *(d.source_ref for d in upserts)),
            texts=(*old.texts, *(d.text for d in upserts)),
            owner=np.concatenate([old.owner, np.asarray(owners, np.int64)]),
            kind=np.concatenate([old.kind, np.asarray(codes, np.int16)]),
            length=np.concatenate([old.length, lengths]),
            counts=sp.vstack([previous, added], format="csr"), embeddings=vectors, row_of_id=row_of_id,
            rows_of_ref=rows_of_ref, org_ids=tuple(org_ids), org_of_id=org_of_id, rows_of_org=rows_of_org,
            terms=tuple(terms), vocabulary=vocabulary, kinds=tuple(kinds),
        )
        return delta, rows

    def _updated_stats(self, before: EvidenceIndex, dropped: np.ndarray, added: np.ndarray, n_terms: int) -> _Stats:
        """Return the statistics of this (changed) index from those of ``before``."""
        old = before._stats

        def grow(array: np.ndarray, size: int, dtype) -> np.ndarray:
            out = np.zeros(size, dtype)
            out[: array.size] = array
            return out

        df = grow(old.df, n_terms, np.int64)
        org_df = grow(old.org_df, n_terms, np.int64)
        cos_sum = grow(old.cos_sum, n_terms, np.float64)
        cos_sq = grow(old.cos_sq, n_terms, np.float64)
        org_live = grow(old.org_live, self.n_orgs, np.int64)
        org_length = grow(old.org_length, self.n_orgs, np.float64)
        org_vector_norm = grow(old.org_vector_norm, self.n_orgs, np.float32)
        idf = before.tfidf_idf()
        idf = np.concatenate([idf, np.ones(n_terms - idf.size, np.float32)])  # new terms: df 0 -> idf of one row
        affected = np.unique(np.concatenate([self.owner_of(dropped), self.owner_of(added)]))
        terms_before = before._org_terms(affected)
        digest = old.digest
        for sign, rows in ((-1, dropped), (1, added)):
            if rows.size == 0:
                continue
            counts = self.counts_of(rows)
            np.add.at(df, counts.indices, sign)
            norms = tfidf_norms(counts, idf)
            local = np.repeat(np.arange(rows.size), np.diff(counts.indptr))
            share = (1.0 + np.log(np.maximum(counts.data, 1.0))) / np.maximum(norms[local], 1e-12)
            np.add.at(cos_sum, counts.indices, sign * share)
            np.add.at(cos_sq, counts.indices, sign * share**2)
            owners = self.owner_of(rows)
            np.add.at(org_live, owners, sign)
            np.add.at(org_length, owners, sign * self.length_of(rows))
            for row in rows.tolist():
                doc = self.doc(row)
                digest += sign * doc_digest(doc.id, doc.org_id, doc.kind, doc.source_ref, doc.text)
        terms_after = self._org_terms(affected)
        if self.dim and affected.size:
            rows, position = self.rows_of_orgs(affected)
            sums = np.zeros((affected.size, self.dim), np.float64)
            np.add.at(sums, position, self.embeddings_of(rows))
            org_vector_norm[affected] = np.linalg.norm(sums, axis=1)
        for before_terms, after_terms in zip(terms_before, terms_after, strict=True):
            np.add.at(org_df, before_terms, -1)
            np.add.at(org_df, after_terms, 1)
        live_rows = old.live_rows - dropped.size + added.size
        new_idf = tfidf_idf(df, live_rows)
        norms = np.concatenate([old.norms, tfidf_norms(self.counts_of(added), new_idf)]) if added.size else old.norms
        if self._base.counts.nnz + self._delta.counts.nnz <= EXACT_COSINE_NNZ:
            # small enough to recompute: the tf-idf norms of every row move with the idf
            rows = np.arange(self.n_rows)
            blocks = (self.counts_of(rows[start : start + BATCH]) for start in range(0, rows.size, BATCH))
            norms, _, _ = cosine_sums(blocks, new_idf, n_terms)
            live = np.flatnonzero(~self._dead)
            blocks = (self.counts_of(live[start : start + BATCH]) for start in range(0, live.size, BATCH))
            _, cos_sum, cos_sq = cosine_sums(blocks, new_idf, n_terms)
        lengths_dropped = self.length_of(dropped)
        lengths_added = self.length_of(added)
        moments = old.moments
        if moments is not None:
            moments = replace(moments, total=moments.total.copy(), outer=moments.outer.copy())
            if dropped.size:
                moments.remove(self.embeddings_of(dropped))
            if added.size:
                moments.add(self.embeddings_of(added))
        return _Stats(
            df=df.astype(np.int32), org_df=org_df.astype(np.int32), cos_sum=cos_sum.astype(np.float32),
            cos_sq=cos_sq.astype(np.float32), norms=norms, org_live=org_live, org_length=org_length,
            org_vector_norm=org_vector_norm,
            live_rows=old.live_rows - dropped.size + added.size,
            nonempty_docs=old.nonempty_docs - int(np.count_nonzero(lengths_dropped))
            + int(np.count_nonzero(lengths_added)),
            total_length=old.total_length - float(lengths_dropped.sum()) + float(lengths_added.sum()),
            nonempty_orgs=int(np.count_nonzero(org_length > 0.5)), moments=moments, digest=digest,
        )

    def _org_terms(self, orgs: np.ndarray) -> list[np.ndarray]:
        """Return, per organisation, the columns present in its live rows."""
        rows, position = self.rows_of_orgs(orgs)
        counts = self.counts_of(rows)
        local = np.repeat(position, np.diff(counts.indptr))
        out = []
        for i in range(len(orgs)):
            out.append(np.unique(counts.indices[local == i]))
        return out


def _slice(embeddings: np.ndarray | None, start: int, size: int) -> np.ndarray | None:
    if embeddings is None:
        return None
    return np.asarray(embeddings[start : start + size], np.float32)


class _TemporaryDirectory:
    """A directory deleted when the last index using it is garbage-collected (no warning, unlike tempfile's)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="matchmaker-index-"))
        weakref.finalize(self, shutil.rmtree, self.path, True)


def _write_json(path: Path, payload: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False))
    os.replace(tmp, path)


__all__ = ["MANIFEST", "EvidenceIndex", "read_manifest"]
