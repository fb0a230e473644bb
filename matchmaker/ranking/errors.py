"""Exceptions raised by the ranking core."""

from __future__ import annotations


class RankingError(Exception):
    """Base class of every error raised by ``matchmaker.ranking``."""


class NotFittedError(RankingError):
    """A ranker was used before ``fit`` or ``load``."""


class IndexMissingError(RankingError, LookupError):
    """The index directory is missing, incomplete or unreadable: rebuild it."""


class IndexStaleError(RankingError, LookupError):
    """The index was built with another encoder, format version or data: rebuild it."""
