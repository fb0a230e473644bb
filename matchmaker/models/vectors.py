"""Evidence embeddings stored in the database: a pgvector column with an HNSW index on PostgreSQL.

On PostgreSQL the dense side of the ranking runs in the database (``vector(384)`` + HNSW, cosine).
On SQLite the table exists too, so both databases share one schema and one migration history, but the
embedded mode leaves it empty: its vectors live in the index files (``models/index/embeddings.npy``)
and in the embedding cache. Encoders with fewer dimensions are zero-padded, which keeps cosine
similarities unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import DDL, ForeignKey, Index, LargeBinary, String, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from matchmaker.extensions import db

EMBEDDING_DIM = 384
"""Width of the stored vectors (all-MiniLM-L6-v2 and multilingual-e5-small both give 384)."""

HNSW_INDEX = "ix_evidence_embeddings_hnsw"


def pad_vector(vector: Any, dim: int = EMBEDDING_DIM) -> np.ndarray:
    """Return ``vector`` as float32 of length ``dim``, zero-padded (cosine is unchanged by padding)."""
    array = np.asarray(vector, np.float32).ravel()
    if array.size > dim:
        raise ValueError(f"embedding has {array.size} dimensions, the database stores at most {dim}")
    if array.size < dim:
        array = np.concatenate([array, np.zeros(dim - array.size, np.float32)])
    return array


class EmbeddingType(TypeDecorator):
    """``vector(dim)`` on PostgreSQL, little-endian float32 bytes elsewhere; numpy arrays in Python."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, dim: int = EMBEDDING_DIM) -> None:
        super().__init__()
        self.dim = dim

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            # pgvector is only needed with PostgreSQL: `pip install matchmaker[postgres]`.
            from pgvector.sqlalchemy import Vector

            return dialect.type_descriptor(Vector(self.dim))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        array = pad_vector(value, self.dim)
        if dialect.name == "postgresql":
            return array  # pgvector's own processor writes the text form
        return array.astype("<f4").tobytes()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            return np.asarray(value, np.float32)
        return np.frombuffer(value, "<f4").copy()


class EvidenceEmbedding(db.Model):
    """The embedding of one evidence text by one encoder (``text_hash`` tells when it is stale)."""

    __tablename__ = "evidence_embeddings"

    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    encoder: Mapped[str] = mapped_column(String(120))
    text_hash: Mapped[str] = mapped_column(String(32))
    embedding: Mapped[np.ndarray] = mapped_column(EmbeddingType(EMBEDDING_DIM))

    __table_args__ = (
        Index(
            HNSW_INDEX,
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ).ddl_if(dialect="postgresql"),
    )


# The tests' db.create_all() on a fresh PostgreSQL database needs the extension before the table; the
# migrations (the only source of the schema outside tests) create it in their first revision.
event.listen(
    EvidenceEmbedding.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS vector").execute_if(dialect="postgresql"),
)
