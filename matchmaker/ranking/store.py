"""Save and load a HybridMatcher index: .npy arrays (no pickle) + JSON metadata + manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking.encoders import Encoder
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError
from matchmaker.ranking.profile import EvidenceTable
from matchmaker.ranking.settings import INDEX_FORMAT_VERSION

if TYPE_CHECKING:
    from matchmaker.ranking.matcher import HybridMatcher

MANIFEST = "manifest.json"
_ARRAYS = ("counts_data", "counts_indices", "counts_indptr", "owner")


def manifest_for(matcher: HybridMatcher) -> dict[str, Any]:
    """Return the manifest of a fitted matcher."""
    embeddings = matcher.embeddings_
    return {
        "format_version": INDEX_FORMAT_VERSION,
        "encoder": matcher.encoder.name if matcher.encoder is not None and embeddings is not None else None,
        "dim": int(embeddings.shape[1]) if embeddings is not None else 0,
        "settings": matcher.settings_,
        "data_hash": matcher.data_hash_,
        "n_docs": matcher.table_.n_docs,
        "n_orgs": matcher.table_.n_orgs,
        "n_terms": len(matcher.terms_),
    }


def _write_json(path: Path, payload: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False))
    os.replace(tmp, path)


def save(matcher: HybridMatcher, path: Path) -> Path:
    """Write the index files into ``path`` (the manifest last, so a partial write reads as missing)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / MANIFEST).unlink(missing_ok=True)
    counts = matcher.counts_
    arrays = {
        "counts_data": counts.data.astype(np.float32),
        "counts_indices": counts.indices.astype(np.int32),
        "counts_indptr": counts.indptr.astype(np.int64),
        "owner": matcher.table_.owner.astype(np.int64),
    }
    if matcher.embeddings_ is not None:
        arrays["embeddings"] = np.ascontiguousarray(matcher.embeddings_, dtype=np.float32)
    for name, array in arrays.items():
        np.save(path / f"{name}.npy", array, allow_pickle=False)
    table = matcher.table_
    _write_json(
        path / "evidence.json",
        {
            "ids": table.ids,
            "org_ids": table.org_ids,
            "kinds": table.kinds,
            "source_refs": table.source_refs,
            "texts": table.texts,
        },
    )
    _write_json(path / "vocabulary.json", matcher.terms_)
    _write_json(path / MANIFEST, manifest_for(matcher))
    return path


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


def load(
    path: Path, encoder: Encoder | None
) -> tuple[dict[str, Any], EvidenceTable, list[str], sp.csc_matrix, np.ndarray | None]:
    """Read and check the index files; return (manifest, table, terms, counts, embeddings)."""
    manifest = read_manifest(path)
    if manifest.get("format_version") != INDEX_FORMAT_VERSION:
        raise IndexStaleError(
            f"index in {path} has format {manifest.get('format_version')}, expected {INDEX_FORMAT_VERSION}"
        )
    built_with = manifest.get("encoder")
    wanted = encoder.name if encoder is not None else None
    if built_with is not None and built_with != wanted:
        raise IndexStaleError(f"index in {path} was built with encoder {built_with!r}, not {wanted!r}")
    if built_with is None and wanted is not None:
        raise IndexStaleError(f"index in {path} has no embeddings for encoder {wanted!r}")
    try:
        arrays = {name: np.load(path / f"{name}.npy", allow_pickle=False) for name in _ARRAYS}
        meta = json.loads((path / "evidence.json").read_text())
        terms = json.loads((path / "vocabulary.json").read_text())
        embeddings = None
        if built_with is not None:
            embeddings = np.load(path / "embeddings.npy", allow_pickle=False, mmap_mode="r")
        table = EvidenceTable(
            ids=meta["ids"],
            org_ids=meta["org_ids"],
            owner=arrays["owner"],
            kinds=meta["kinds"],
            source_refs=meta["source_refs"],
            texts=meta["texts"],
        )
        shape = (table.n_docs, len(terms))
        counts = sp.csc_matrix((arrays["counts_data"], arrays["counts_indices"], arrays["counts_indptr"]), shape=shape)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as error:  # EOFError: an empty .npy file
        raise IndexMissingError(f"corrupt ranking index in {path}: rebuild it ({error})") from error
    if table.n_docs != manifest.get("n_docs") or (
        embeddings is not None and embeddings.shape != (table.n_docs, manifest.get("dim"))
    ):
        raise IndexMissingError(f"corrupt ranking index in {path}: array sizes disagree, rebuild it")
    return manifest, table, terms, counts, embeddings
