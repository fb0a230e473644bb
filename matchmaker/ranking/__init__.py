"""Framework-free ranking core: evidence documents in, ranked organisation matches out."""

from matchmaker.ranking.encoders import (
    E5Encoder,
    Encoder,
    FakeEncoder,
    SentenceTransformerEncoder,
    load_encoder,
)
from matchmaker.ranking.errors import (
    IndexMissingError,
    IndexStaleError,
    NotFittedError,
    RankingError,
)
from matchmaker.ranking.match import EvidenceDoc, Match, Passage
from matchmaker.ranking.matcher import HybridMatcher
from matchmaker.ranking.profile import data_hash
from matchmaker.ranking.settings import DEFAULT_SETTINGS

__all__ = [
    "DEFAULT_SETTINGS",
    "E5Encoder",
    "Encoder",
    "EvidenceDoc",
    "FakeEncoder",
    "HybridMatcher",
    "IndexMissingError",
    "IndexStaleError",
    "Match",
    "NotFittedError",
    "Passage",
    "RankingError",
    "SentenceTransformerEncoder",
    "data_hash",
    "load_encoder",
]
