"""Evidence embeddings in PostgreSQL: keep the pgvector table in step with the index, and search it.

``sync_embeddings`` writes the vectors of the index into ``evidence_embeddings`` (only rows whose text or
encoder changed) — on writes, in the CLI and in the background refresh, never inside a GET — and
``PgvectorDenseBackend`` proposes the nearest rows of a query through the HNSW index
(``vector_cosine_ops``). Scores, aggregation and fusion stay in the ranking core, so both databases rank
alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from matchmaker.models.vectors import EMBEDDING_DIM, HNSW_INDEX, pad_vector
from matchmaker.ranking.cache import text_hash

logger = logging.getLogger(__name__)

_COPY_CHUNK = 5_000
BULK_ROWS = 5_000
"""Writing at least this many vectors drops the HNSW index and builds it again after the load."""
HNSW_BUILD_MEMORY = "1GB"
HNSW_DDL = (
    f"CREATE INDEX IF NOT EXISTS {HNSW_INDEX} ON evidence_embeddings "
    "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)


def is_postgresql(bind: Engine | Session) -> bool:
    """Return True when the session or engine talks to PostgreSQL."""
    engine = bind if isinstance(bind, Engine) else bind.get_bind()
    return engine.dialect.name == "postgresql"


def vector_literal(vector: np.ndarray) -> str:
    """Return the pgvector text form of a vector, zero-padded to the stored width."""
    return "[" + ",".join(map(str, pad_vector(vector).tolist())) + "]"


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_COPY_TRAILER = b"\xff\xff"


def embedding_copy_rows(ids: np.ndarray, encoder: str, hashes: Sequence[str], vectors: np.ndarray) -> bytes:
    """Return (evidence_id, encoder, text_hash, embedding) rows in PostgreSQL's binary COPY format.

    Every row has the same layout (one encoder name, 32-character hashes), so a whole chunk is one
    numpy structured array: no per-row Python formatting, which dominated bulk loads.
    """
    name = encoder.encode()
    dim = EMBEDDING_DIM
    layout = np.dtype(
        [("fields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("encoder_len", ">i4"), ("encoder", f"S{len(name)}"),
         ("hash_len", ">i4"), ("hash", "S32"), ("vector_len", ">i4"), ("dim", ">i2"), ("unused", ">i2"),
         ("vector", ">f4", (dim,))]
    )
    rows = np.zeros(len(ids), layout)
    rows["fields"], rows["id_len"], rows["id"] = 4, 4, ids
    rows["encoder_len"], rows["encoder"] = len(name), name
    rows["hash_len"], rows["hash"] = 32, np.asarray([h.encode().ljust(32, b"-")[:32] for h in hashes], "S32")
    rows["vector_len"], rows["dim"] = 4 + 4 * dim, dim
    width = min(vectors.shape[1], dim)
    rows["vector"][:, :width] = vectors[:, :width]
    return rows.tobytes()


def copy_embeddings(
    cursor, table: str, ids: np.ndarray, encoder: str, hashes: Sequence[str], vectors: np.ndarray
) -> None:
    """COPY embedding rows into ``table`` (binary format, chunked) with a psycopg 3 cursor."""
    statement = f"COPY {table} (evidence_id, encoder, text_hash, embedding) FROM STDIN (FORMAT BINARY)"
    for start in range(0, len(ids), _COPY_CHUNK):
        chunk = slice(start, start + _COPY_CHUNK)
        payload = embedding_copy_rows(ids[chunk], encoder, hashes[chunk], np.asarray(vectors[chunk], np.float32))
        with cursor.copy(statement) as copy:
            copy.write(_COPY_HEADER + payload + _COPY_TRAILER)


def evidence_ids(session: Session, keys: Sequence[str]) -> np.ndarray:
    """Return the database ids of evidence keys, in the order of ``keys`` (-1 for unknown keys)."""
    if len(keys) <= 10_000:
        rows = session.execute(text("SELECT key, id FROM evidence WHERE key = ANY(:keys)"), {"keys": list(keys)})
    else:
        rows = session.execute(text("SELECT key, id FROM evidence"))
    known = {key: evidence_id for key, evidence_id in rows}
    return np.fromiter((known.get(key, -1) for key in keys), np.int64, count=len(keys))


def _upsert_rows(session: Session, ids: np.ndarray, encoder: str, hashes: list[str], vectors: np.ndarray) -> None:
    """Upsert embedding rows through a binary COPY into a temporary table."""
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS evidence_embeddings_load "
            "(evidence_id integer, encoder text, text_hash text, embedding vector) ON COMMIT DROP"
        )
        copy_embeddings(cursor, "evidence_embeddings_load", ids, encoder, hashes, vectors)
        cursor.execute(
            "INSERT INTO evidence_embeddings (evidence_id, encoder, text_hash, embedding) "
            "SELECT evidence_id, encoder, text_hash, embedding FROM evidence_embeddings_load "
            "ON CONFLICT (evidence_id) DO UPDATE SET encoder = EXCLUDED.encoder, "
            "text_hash = EXCLUDED.text_hash, embedding = EXCLUDED.embedding"
        )
        cursor.execute("TRUNCATE evidence_embeddings_load")


def sync_embeddings(
    session: Session,
    ids: np.ndarray,
    texts: Sequence[str],
    embeddings: np.ndarray,
    encoder: str,
    *,
    prune: bool = True,
) -> int:
    """Write the vectors whose text or encoder changed; return how many rows were written.

    Args:
        session: session on PostgreSQL; the caller commits.
        ids: (n,) evidence database ids (rows with -1 are skipped).
        texts: the n texts as given to the encoder (their hash says when a stored vector is stale).
        embeddings: (n, dim) vectors, dim <= EMBEDDING_DIM.
        encoder: encoder name stored beside each vector.
        prune: also delete stored vectors of evidence absent from ``ids`` (a full rebuild); without it only
            the rows of ``ids`` are read, so a small change costs a small query.
    """
    query = "SELECT evidence_id, encoder, text_hash FROM evidence_embeddings"
    params = {}
    if not prune:
        query += " WHERE evidence_id = ANY(:ids)"
        params = {"ids": [int(i) for i in ids if i >= 0]}
    stored = {row[0]: (row[1], row[2]) for row in session.execute(text(query), params)}
    rows, hashes = [], []
    for row, (evidence_id, body) in enumerate(zip(ids.tolist(), texts, strict=True)):
        if evidence_id < 0:
            continue
        digest = text_hash(body)
        if stored.get(evidence_id) != (encoder, digest):
            rows.append(row)
            hashes.append(digest)
    bulk = len(rows) >= BULK_ROWS
    if bulk:
        # Building the HNSW graph once after the load is several times faster than row by row.
        session.execute(text(f"DROP INDEX IF EXISTS {HNSW_INDEX}"))
    if rows:
        _upsert_rows(session, ids[rows], encoder, hashes, np.asarray(embeddings)[rows])
    if prune:
        wanted = set(ids.tolist())
        stale = [evidence_id for evidence_id in stored if evidence_id not in wanted]
        for start in range(0, len(stale), 10_000):
            session.execute(
                text("DELETE FROM evidence_embeddings WHERE evidence_id = ANY(:ids)"),
                {"ids": stale[start : start + 10_000]},
            )
    if bulk:
        session.execute(text(f"SET LOCAL maintenance_work_mem = '{HNSW_BUILD_MEMORY}'"))
        session.execute(text(HNSW_DDL))
        session.execute(text("ANALYZE evidence_embeddings"))
    logger.info("pgvector: %d embeddings written", len(rows))
    return len(rows)


class PgvectorDenseBackend:
    """Nearest evidence rows from PostgreSQL's HNSW index over ``evidence_embeddings``.

    Rows are numbered like the evidence index (``ids[row]`` is the evidence database id of each row, -1
    for rows without one); the core computes every score itself from its own embeddings, so pgvector only
    proposes candidates and both databases rank alike.

    Args:
        engine: SQLAlchemy engine on PostgreSQL (each query takes a pooled connection, read-only).
        ids: (n_rows,) evidence database id of each index row.
        encoder: encoder name whose vectors are searched.
        ef_search: HNSW candidate list size (raised to ``n`` when smaller, up to 1,000).
    """

    def __init__(self, engine: Engine, ids: np.ndarray, encoder: str, ef_search: int = 100) -> None:
        self.engine = engine
        self.encoder = encoder
        self.ef_search = ef_search
        self.ids = np.asarray(ids, np.int64)
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]

    @property
    def n_docs(self) -> int:
        """Number of evidence rows."""
        return int(self.ids.size)

    def with_rows(self, ids: np.ndarray) -> PgvectorDenseBackend:
        """Return a backend for an index whose rows now have these evidence ids (rows appended by a change)."""
        return PgvectorDenseBackend(self.engine, ids, self.encoder, self.ef_search)

    def rows_of(self, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map evidence ids to index rows; return (rows, positions in ``found`` that are known)."""
        if self._sorted.size == 0 or found.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        where = np.minimum(np.searchsorted(self._sorted, found), self._sorted.size - 1)
        known = np.flatnonzero(self._sorted[where] == found)
        return self._order[where[known]], known

    def top(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the ``n`` nearest rows through the HNSW index (cosine), best first."""
        with self.engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            try:
                cursor.execute(f"SET LOCAL hnsw.ef_search = {int(max(self.ef_search, min(n, 1000)))}")
                cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                cursor.execute(
                    "SELECT evidence_id, embedding <=> %(q)s::vector AS distance FROM evidence_embeddings "
                    "WHERE encoder = %(encoder)s ORDER BY distance LIMIT %(n)s",
                    {"q": vector_literal(query), "encoder": self.encoder, "n": int(n)},
                )
                found = cursor.fetchall()
            finally:
                cursor.close()
                connection.rollback()
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids, distances = (np.asarray(column) for column in zip(*found, strict=True))
        rows, known = self.rows_of(ids.astype(np.int64))
        order = np.argsort(distances[known], kind="stable")
        return rows[order], (1.0 - distances[known][order]).astype(np.float32)


def stored_vectors(session: Session, encoder: str) -> int:
    """Return how many evidence vectors of ``encoder`` PostgreSQL holds."""
    return int(session.execute(text("SELECT count(*) FROM evidence_embeddings WHERE encoder = :e"),
                               {"e": encoder}).scalar() or 0)


def create_hnsw_index(engine: Engine, maintenance_work_mem: str = "1GB", workers: int = 1) -> None:
    """(Re)build the HNSW index after a bulk load (faster than growing it row by row)."""
    with engine.begin() as connection:
        connection.execute(text(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'"))
        connection.execute(text(f"SET LOCAL max_parallel_maintenance_workers = {int(workers)}"))
        connection.execute(text(f"DROP INDEX IF EXISTS {HNSW_INDEX}"))
        connection.execute(text(HNSW_DDL))


__all__ = [
    "EMBEDDING_DIM",
    "PgvectorDenseBackend",
    "create_hnsw_index",
    "evidence_ids",
    "is_postgresql",
    "stored_vectors",
    "sync_embeddings",
    "vector_literal",
]
