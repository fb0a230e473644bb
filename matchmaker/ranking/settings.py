"""Default ranking settings, in one place so the app records them in the index manifest."""

from __future__ import annotations

from typing import Any

INDEX_FORMAT_VERSION = 1

DEFAULT_SETTINGS: dict[str, Any] = {
    # lexical (BM25 over stemmed, accent-folded French+English tokens)
    "k1": 1.2,
    "b": 0.75,
    "org_b": 0.75,
    # dense: characters of each evidence text given to the encoder (None = all)
    "dense_max_chars": None,
    # evidence -> organisation aggregation: max + damping * sum of the next best (decayed)
    "damping": 0.3,
    "aggregate_depth": 5,
    # linear fusion of per-query z-normalised organisation features
    "weights": {
        "lexical": 1.0,
        "lexical_org": 0.5,
        "dense": 1.0,
        "prior": 0.0,
    },
    # an organisation with fewer content tokens than this outside its directory record is "insufficient"
    "min_profile_tokens": 20,
    "max_passages": 3,
}


def merge_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the default settings updated with ``overrides`` (weights merged key by key)."""
    merged = {**DEFAULT_SETTINGS, "weights": dict(DEFAULT_SETTINGS["weights"])}
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_SETTINGS:
            raise ValueError(f"unknown ranking setting: {key!r}")
        if key == "weights":
            merged["weights"].update(value)
        else:
            merged[key] = value
    return merged
