"""Default ranking settings, in one place so the app records them in the index manifest."""

from __future__ import annotations

from typing import Any

INDEX_FORMAT_VERSION = 1

KIND_GROUPS = ("project", "field", "funded", "record")
"""Evidence kind groups that get their own features; unknown kinds count as "project" text."""

GROUP_OF_KIND = {
    "directory_record": "record",
    "research_fields": "field",
    "devices": "field",
    "funded_projects": "funded",
}

DEFAULT_SETTINGS: dict[str, Any] = {
    # lexical (BM25 over stemmed, accent-folded French+English tokens)
    "k1": 1.2,
    "b": 0.75,
    "org_b": 0.75,
    # dense: characters of each evidence text given to the encoder (None = all)
    "dense_max_chars": None,
    # evidence -> organisation aggregation: max + damping**j * the j-th next best
    "damping": 0.3,
    "aggregate_depth": 5,
    # first stage: union of the best organisations under each of these signals
    "candidate_depth": 200,
    "candidate_features": ["lexical", "lexical_org", "dense"],
    # second stage: linear fusion of the features standardised over the candidates
    "weights": {
        "lexical": 1.0,
        "lexical_org": 0.5,
        "dense": 1.0,
    },
    # an organisation with fewer content tokens than this outside its directory record is "insufficient"
    "min_profile_tokens": 20,
    "max_passages": 3,
}


def merge_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the default settings updated with ``overrides``."""
    merged = {**DEFAULT_SETTINGS, "weights": dict(DEFAULT_SETTINGS["weights"])}
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_SETTINGS:
            raise ValueError(f"unknown ranking setting: {key!r}")
        merged[key] = dict(value) if key == "weights" else value
    return merged
