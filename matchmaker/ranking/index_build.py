"""Write an evidence index directory by streaming: evidence in batches, memory bounded by a batch.

Every per-evidence column goes to its .npy file as batches arrive (``NpyWriter``), term counts are kept
as CSR arrays on disk, and the statistics that need the whole corpus (term idf, tf-idf norms, the
organisation profiles) are computed in a second pass over the memory-mapped counts. The directory is
complete only once ``manifest.json`` is written (last, by ``EvidenceIndex.save`` or ``from_docs``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking.backends import DenseMoments
from matchmaker.ranking.columns import KeyLookup, NpyWriter, TextColumn, TextColumnWriter, key_hashes
from matchmaker.ranking.lexical_index import LexicalIndexWriter
from matchmaker.ranking.match import EvidenceDoc
from matchmaker.ranking.text import analyse_evidence

HASH_MODULUS = 2**256


def doc_digest(doc_id: str, org_id: str, kind: str, source_ref: str | None, text: str) -> int:
    """Return the 256-bit digest of one evidence document (its part of the index data hash)."""
    row = json.dumps([doc_id, org_id, kind, source_ref, text], ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(row.encode("utf-8")).digest(), "big")


def combine_digests(total: int) -> str:
    """Return the hex data hash of a sum of document digests."""
    return f"{total % HASH_MODULUS:064x}"


def tfidf_idf(df: np.ndarray, n_rows: int) -> np.ndarray:
    """Return the smoothed tf-idf idf of each term: log((1 + n) / (1 + df)) + 1 (scikit-learn's rule)."""
    return (np.log((1.0 + n_rows) / (1.0 + np.asarray(df, np.float64))) + 1.0).astype(np.float32)


def tfidf_norms(counts: sp.csr_matrix, idf: np.ndarray) -> np.ndarray:
    """Return the (n_rows,) L2 norms of the sub-linear tf-idf rows ((1 + log tf) * idf)."""
    weighted = (1.0 + np.log(np.maximum(counts.data, 1.0))) * idf[counts.indices]
    squares = np.bincount(np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr)), weights=weighted**2,
                          minlength=counts.shape[0])
    return np.sqrt(squares).astype(np.float32)


def cosine_sums(
    blocks: Iterable[sp.csr_matrix], idf: np.ndarray, n_terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the tf-idf norm of every row of ``blocks``, and per term the sum and the sum of squares of
    (1 + log tf) / norm: with the idf, they give the exact mean of the tf-idf cosine of any query.

    Returns:
        ((n_rows,) float32 norms, (n_terms,) float32 sums, (n_terms,) float32 sums of squares).
    """
    total = np.zeros(n_terms, np.float64)
    squares = np.zeros(n_terms, np.float64)
    norms_all = []
    for block in blocks:
        norms = tfidf_norms(block, idf)
        norms_all.append(norms)
        rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        share = (1.0 + np.log(np.maximum(block.data, 1.0))) / np.maximum(norms[rows], 1e-12)
        total += np.bincount(block.indices, weights=share, minlength=n_terms)
        squares += np.bincount(block.indices, weights=share**2, minlength=n_terms)
    norms = np.concatenate(norms_all) if norms_all else np.zeros(0, np.float32)
    return norms.astype(np.float32), total.astype(np.float32), squares.astype(np.float32)


@dataclass
class Batch:
    """A batch of evidence rows with their term counts (columns numbered in ``terms``)."""

    ids: Sequence[str]
    org_ids: Sequence[str]
    kinds: Sequence[str]
    source_refs: Sequence[str | None]
    texts: Sequence[str]
    counts: sp.csr_matrix
    terms: Sequence[str]
    embeddings: np.ndarray | None = None

    def terms_of(self, columns: np.ndarray) -> list[str]:
        """Return the terms of batch columns."""
        return [self.terms[c] for c in columns]


def analyse_batch(docs: Sequence[EvidenceDoc], embeddings: np.ndarray | None = None) -> Batch:
    """Tokenise documents into a batch (columns numbered by first appearance in the batch)."""
    vocabulary: dict[str, int] = {}
    indptr, indices, data = [0], [], []
    for doc in docs:
        counts: dict[int, int] = {}
        for token in analyse_evidence(doc.text, doc.kind):
            column = vocabulary.setdefault(token, len(vocabulary))
            counts[column] = counts.get(column, 0) + 1
        indices.extend(counts)
        data.extend(counts.values())
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (np.asarray(data, np.float32), np.asarray(indices, np.int32), np.asarray(indptr, np.int64)),
        shape=(len(docs), len(vocabulary)),
    )
    return Batch(
        ids=[d.id for d in docs], org_ids=[d.org_id for d in docs], kinds=[d.kind for d in docs],
        source_refs=[d.source_ref for d in docs], texts=[d.text for d in docs], counts=matrix,
        terms=list(vocabulary), embeddings=embeddings,
    )


class IndexBuilder:
    """Stream batches into an index directory; ``finish`` computes the corpus statistics and returns them."""

    def __init__(self, path: Path, dim: int | None) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self.terms: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.kinds: list[str] = []
        self.kind_codes: dict[str, int] = {}
        self.org_ids: list[str] = []
        self.org_index: dict[str, int] = {}
        self.seen_ids: set[int] = set()
        self.n_rows = 0
        self.nnz = 0
        self.digest = 0
        self.moments = DenseMoments(dim) if dim else None
        p = self.path
        self.ids = TextColumnWriter(p, "docs.ids")
        self.refs = TextColumnWriter(p, "docs.refs")
        self.texts = TextColumnWriter(p, "docs.texts")
        self.owner = NpyWriter(p / "docs.owner.npy", np.int32)
        self.kind = NpyWriter(p / "docs.kind.npy", np.int16)
        self.length = NpyWriter(p / "docs.length.npy", np.float32)
        self.indptr = NpyWriter(p / "counts.indptr.npy", np.int64)
        self.indices = NpyWriter(p / "counts.indices.npy", np.int32)
        self.data = NpyWriter(p / "counts.data.npy", np.float32)
        self.embeddings = NpyWriter(p / "embeddings.npy", np.float32, (dim,)) if dim else None
        self.lexical = LexicalIndexWriter(p / "lexical_docs")
        self.indptr.write(np.zeros(1, np.int64))
        self.df: np.ndarray = np.zeros(0, np.int64)

    def add(self, batch: Batch) -> None:
        """Append one batch of rows."""
        n = len(batch.ids)
        if n == 0:
            return
        hashes = key_hashes(batch.ids)
        if len(set(batch.ids)) != n or self.seen_ids.intersection(hashes.tolist()):
            raise ValueError("evidence ids must be unique")
        self.seen_ids.update(hashes.tolist())
        remap = np.fromiter((self.vocabulary.setdefault(t, len(self.vocabulary)) for t in batch.terms), np.int64,
                            count=len(batch.terms))
        self.terms.extend(list(self.vocabulary)[len(self.terms):])
        counts = batch.counts.tocsr()
        columns = remap[counts.indices] if counts.nnz else np.zeros(0, np.int64)
        for org in batch.org_ids:
            if org not in self.org_index:
                self.org_index[org] = len(self.org_ids)
                self.org_ids.append(org)
        for kind in batch.kinds:
            if kind not in self.kind_codes:
                self.kind_codes[kind] = len(self.kinds)
                self.kinds.append(kind)
        self.ids.write(batch.ids)
        self.refs.write(batch.source_refs)
        self.texts.write(batch.texts)
        self.owner.write(np.fromiter((self.org_index[o] for o in batch.org_ids), np.int32, count=n))
        self.kind.write(np.fromiter((self.kind_codes[k] for k in batch.kinds), np.int16, count=n))
        local_rows = np.repeat(np.arange(n), np.diff(counts.indptr))
        self.length.write(np.bincount(local_rows, weights=counts.data, minlength=n))
        self.indptr.write(self.nnz + counts.indptr[1:])
        self.indices.write(columns.astype(np.int32))
        self.data.write(counts.data.astype(np.float32))
        for row in range(n):
            a, b = counts.indptr[row], counts.indptr[row + 1]
            self.lexical.add(self.n_rows + row, dict(zip(batch.terms_of(counts.indices[a:b]), counts.data[a:b],
                                                           strict=True)))
        self.nnz += int(counts.nnz)
        if self.df.size < len(self.terms):
            self.df = np.concatenate([self.df, np.zeros(len(self.terms) - self.df.size, np.int64)])
        np.add.at(self.df, columns, 1)
        if self.embeddings is not None:
            if batch.embeddings is None or len(batch.embeddings) != n:
                raise ValueError("every batch needs one embedding per evidence")
            vectors = np.asarray(batch.embeddings, np.float32)
            self.embeddings.write(vectors)
            self.moments.add(vectors)
        for row in range(n):
            self.digest += doc_digest(batch.ids[row], batch.org_ids[row], batch.kinds[row], batch.source_refs[row],
                                      batch.texts[row])
        self.n_rows += n

    def _writers(self) -> list:
        writers = [self.ids, self.refs, self.texts, self.lexical, self.owner, self.kind, self.length, self.indptr,
                   self.indices, self.data]
        return writers + ([self.embeddings] if self.embeddings is not None else [])

    def abort(self) -> None:
        """Release every open file after a failed build (the directory stays without manifest: unusable)."""
        for writer in self._writers():
            writer.abort()

    def finish(self, org_batch: int = 20_000) -> dict:
        """Close the columns, then write lookups, organisation rows, term statistics and the lexical indexes."""
        for writer in self._writers():
            writer.close()
        p = self.path
        ids = TextColumn.load(p, "docs.ids")
        KeyLookup(key_hashes(ids), ids).save(p, "docs.ids")
        refs = TextColumn.load(p, "docs.refs")
        KeyLookup(key_hashes(refs), refs).save(p, "docs.refs")
        orgs = TextColumn.from_strings(self.org_ids)
        orgs.save(p, "orgs.ids")
        KeyLookup(key_hashes(self.org_ids), orgs).save(p, "orgs.ids")
        owner = np.load(p / "docs.owner.npy", mmap_mode="r")
        order = np.argsort(owner, kind="stable")
        np.save(p / "orgs.rows.npy", order.astype(np.int64), allow_pickle=False)
        bounds = np.searchsorted(np.asarray(owner)[order], np.arange(len(self.org_ids) + 1))
        np.save(p / "orgs.rows_indptr.npy", bounds.astype(np.int64), allow_pickle=False)
        del order
        (p / "terms.json").write_text(json.dumps(self.terms, ensure_ascii=False))
        (p / "kinds.json").write_text(json.dumps(self.kinds, ensure_ascii=False))
        df = self.df[: len(self.terms)].astype(np.int32)
        np.save(p / "terms.df.npy", df, allow_pickle=False)
        counts = self.counts()
        lengths = np.load(p / "docs.length.npy", mmap_mode="r")
        norms, cos_sum, cos_sq = self._cosine_sums(counts, df)
        np.save(p / "docs.norm.npy", norms, allow_pickle=False)
        np.save(p / "terms.cos_sum.npy", cos_sum, allow_pickle=False)
        np.save(p / "terms.cos_sq.npy", cos_sq, allow_pickle=False)
        org_df, vector_norms = self._organisations(
            counts, np.load(p / "orgs.rows_indptr.npy"), np.load(p / "orgs.rows.npy", mmap_mode="r"), org_batch
        )
        np.save(p / "terms.org_df.npy", org_df, allow_pickle=False)
        np.save(p / "orgs.vector_norm.npy", vector_norms, allow_pickle=False)
        if self.moments is not None:
            np.save(p / "dense.total.npy", self.moments.total, allow_pickle=False)
            np.save(p / "dense.outer.npy", self.moments.outer, allow_pickle=False)
        org_lengths = np.bincount(np.asarray(owner), weights=np.asarray(lengths), minlength=len(self.org_ids))
        return {
            "n_docs": self.n_rows,
            "n_orgs": len(self.org_ids),
            "n_terms": len(self.terms),
            "dim": self.dim or 0,
            "total_length": float(np.asarray(lengths, np.float64).sum()),
            "nonempty_docs": int(np.count_nonzero(np.asarray(lengths))),
            "nonempty_orgs": int(np.count_nonzero(org_lengths)),
            "data_hash": combine_digests(self.digest),
        }

    def counts(self) -> sp.csr_matrix:
        """Return the written term counts, memory-mapped."""
        p = self.path
        indptr = np.load(p / "counts.indptr.npy", mmap_mode="r")
        indices = np.load(p / "counts.indices.npy", mmap_mode="r")
        data = np.load(p / "counts.data.npy", mmap_mode="r")
        return sp.csr_matrix((data, indices, indptr), shape=(self.n_rows, len(self.terms)), copy=False)

    def _cosine_sums(self, counts: sp.csr_matrix, df: np.ndarray, chunk: int = 50_000) -> tuple[np.ndarray, ...]:
        blocks = (counts[start : start + chunk] for start in range(0, self.n_rows, chunk))
        return cosine_sums(blocks, tfidf_idf(df, self.n_rows), len(self.terms))

    def _organisations(
        self, counts: sp.csr_matrix, indptr: np.ndarray, rows: np.ndarray, batch: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Index each organisation's profile (the sum of its evidence counts).

        Returns:
            ((n_terms,) organisation document frequencies, (n_orgs,) norms of the sum of each one's embeddings).
        """
        org_df = np.zeros(len(self.terms), np.int64)
        vector_norms = np.zeros(len(self.org_ids), np.float32)
        embeddings = np.load(self.path / "embeddings.npy", mmap_mode="r") if self.dim else None
        writer = LexicalIndexWriter(self.path / "lexical_orgs")
        terms = self.terms
        for start in range(0, len(self.org_ids), batch):
            end = min(start + batch, len(self.org_ids))
            members = np.asarray(rows[indptr[start] : indptr[end]])
            local = np.repeat(np.arange(end - start), np.diff(indptr[start : end + 1]))
            ownership = sp.csr_matrix((np.ones(members.size, np.float32), (local, np.arange(members.size))),
                                      shape=(end - start, members.size))
            profiles = (ownership @ counts[members]).tocsr()
            profiles.sum_duplicates()
            np.add.at(org_df, profiles.indices, 1)
            if embeddings is not None and members.size:
                sums = np.asarray(ownership @ np.take(embeddings, members, axis=0), np.float32)
                vector_norms[start:end] = np.linalg.norm(sums, axis=1)
            for org in range(end - start):
                a, b = profiles.indptr[org], profiles.indptr[org + 1]
                writer.add(start + org, {terms[c]: v for c, v in zip(profiles.indices[a:b], profiles.data[a:b],
                                                                      strict=True)})
        writer.close()
        return org_df.astype(np.int32), vector_norms


def build_directory(path: Path, batches: Iterable[Batch], dim: int | None) -> dict:
    """Write a complete index directory (without manifest) from batches; return its statistics."""
    builder = IndexBuilder(path, dim)
    try:
        for batch in batches:
            builder.add(batch)
    except BaseException:
        builder.abort()
        raise
    return builder.finish()
