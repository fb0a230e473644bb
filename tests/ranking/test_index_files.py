"""The matcher's index as plain files: save, load, and the errors of a missing, stale or corrupt index."""

import json

import numpy as np
import pytest

from matchmaker.ranking import HybridMatcher, IndexMissingError, IndexStaleError, data_hash


def test_save_load_round_trip(tmp_path, docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder, damping=0.2).fit(docs)
    matcher.save(tmp_path / "index")
    loaded = HybridMatcher.load(tmp_path / "index", encoder=fake_encoder)
    assert loaded.manifest == matcher.manifest
    assert loaded.manifest["encoder"] == "fake" and loaded.manifest["settings"]["damping"] == 0.2
    assert loaded.data_hash == data_hash(docs)
    query = "imagerie médicale du cerveau"
    assert loaded.search(query, k=5) == matcher.search(query, k=5)
    for name in ("embeddings", "counts.data", "docs.owner"):
        assert isinstance(np.load(tmp_path / "index" / f"{name}.npy", mmap_mode="r", allow_pickle=False), np.memmap)


def test_load_missing_index_raises(tmp_path, fake_encoder):
    with pytest.raises(IndexMissingError):
        HybridMatcher.load(tmp_path / "nothing", encoder=fake_encoder)


def test_load_with_another_encoder_raises(tmp_path, docs, fake_encoder, counting_encoder):
    HybridMatcher(encoder=fake_encoder).fit(docs).save(tmp_path)
    with pytest.raises(IndexStaleError, match="fake"):
        HybridMatcher.load(tmp_path, encoder=counting_encoder)


def test_load_corrupt_index_raises(tmp_path, docs, fake_encoder):
    HybridMatcher(encoder=fake_encoder).fit(docs).save(tmp_path)
    (tmp_path / "docs.owner.npy").write_bytes(b"garbage")
    with pytest.raises(IndexMissingError):
        HybridMatcher.load(tmp_path, encoder=fake_encoder)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format_version": -1}))
    with pytest.raises(IndexStaleError):
        HybridMatcher.load(tmp_path, encoder=fake_encoder)
