"""The value types shared by every ranker: evidence in, matches out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class EvidenceDoc:
    """One piece of text that says what an organisation does.

    Attributes:
        id: unique evidence id, e.g. ``"rnsr:X/record"``.
        org_id: the organisation it describes, e.g. ``"rnsr:X"``.
        text: the evidence text (French or English).
        kind: evidence kind (``directory_record``, ``ilab_project``, ``funded_projects``...).
        source_ref: upstream row id shared by copies of the same source row (leave-one-out key).
    """

    id: str
    org_id: str
    text: str
    kind: str = "text"
    source_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """The sentence(s) of one evidence document that best explain a match."""

    evidence_id: str
    text: str
    highlights: tuple[tuple[int, int], ...] = ()
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked organisation with its fused score, score parts and explaining passages.

    ``sufficient`` is False for a profile too thin to judge (ranked after every sufficient one);
    ``strength`` is its calibrated band (strong / possible / weak, "" without a learned model),
    ``confidence`` the calibrated probability and ``signals`` the absolute inputs of the calibration.
    """

    org_id: str
    score: float
    parts: Mapping[str, float] = field(default_factory=dict)
    passages: tuple[Passage, ...] = ()
    evidence_ids: tuple[str, ...] = ()
    sufficient: bool = True
    strength: str = ""
    confidence: float | None = None
    signals: Mapping[str, float] = field(default_factory=dict)
