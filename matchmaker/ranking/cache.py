"""Embedding cache on disk: ``<dir>/<encoder>.npy`` + ``<encoder>.json``, keyed by text hash."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matchmaker.ranking.encoders import Encoder


def text_hash(text: str) -> str:
    """Return the cache key of one text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cache_stem(encoder_name: str) -> str:
    """Return the file stem of an encoder's vectors (``<stem>.npy`` + ``<stem>.json``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder_name)


def _load(directory: Path, stem: str) -> dict[str, np.ndarray]:
    array_path = directory / f"{stem}.npy"
    keys_path = directory / f"{stem}.json"
    if not (array_path.exists() and keys_path.exists()):
        return {}
    try:
        keys = json.loads(keys_path.read_text())["keys"]
        vectors = np.load(array_path, allow_pickle=False)
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return {}  # a broken cache only costs a re-encode
    if vectors.ndim != 2 or len(keys) != len(vectors):
        return {}
    return dict(zip(keys, vectors, strict=True))


def write_vectors(directory: Path, stem: str, vectors: np.ndarray, manifest: dict) -> None:
    """Write ``<stem>.npy`` and its ``<stem>.json`` manifest beside them first, then swap both into place."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp_array = directory / f".{stem}.tmp.npy"
    tmp_keys = directory / f".{stem}.tmp.json"
    np.save(tmp_array, vectors, allow_pickle=False)
    tmp_keys.write_text(json.dumps(manifest))
    os.replace(tmp_array, directory / f"{stem}.npy")
    os.replace(tmp_keys, directory / f"{stem}.json")


def _save(directory: Path, stem: str, encoder: Encoder, cached: dict[str, np.ndarray]) -> None:
    keys = list(cached)
    vectors = np.stack([cached[k] for k in keys]).astype(np.float32)
    write_vectors(directory, stem, vectors, {"encoder": encoder.name, "dim": int(vectors.shape[1]), "keys": keys})


def cached_keys(cache_dir: Path, encoder_name: str) -> set[str]:
    """Return the text hashes held by the passage cache of one encoder."""
    return set(_load(cache_dir, cache_stem(encoder_name)))


def embed_passages(
    encoder: Encoder,
    texts: Sequence[str],
    cache_dir: Path | None = None,
    progress: bool = False,
    batch_size: int = 64,
    queries: bool = False,
) -> np.ndarray:
    """Embed passages (or queries), encoding only texts missing from the cache.

    Returns:
        (len(texts), dim) float32 array, rows in the order of ``texts``.
    """
    stem = cache_stem(encoder.name) + (".queries" if queries else "")
    encode = encoder.encode_queries if queries else encoder.encode_passages
    keys = [text_hash(t) for t in texts]
    cached = _load(cache_dir, stem) if cache_dir is not None else {}
    missing = list(dict.fromkeys(k for k in keys if k not in cached))
    if missing:
        text_of = dict(zip(keys, texts, strict=True))
        batches = range(0, len(missing), batch_size)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc=f"encoding ({encoder.name})", unit="batch")
        for start in batches:
            chunk = missing[start : start + batch_size]
            vectors = encode([text_of[k] for k in chunk])
            cached.update(zip(chunk, vectors, strict=True))
            if cache_dir is not None and (start // batch_size) % 20 == 19:
                _save(cache_dir, stem, encoder, cached)  # checkpoint a long first build
        if cache_dir is not None:
            _save(cache_dir, stem, encoder, cached)
    if not keys:
        return np.zeros((0, encoder.dim), np.float32)
    return np.stack([cached[k] for k in keys]).astype(np.float32)
