"""Domain exceptions: one hierarchy the views and the API translate into clear messages."""

from __future__ import annotations


class MatchmakerError(Exception):
    """Base class of every error the platform reports to a user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidQuery(MatchmakerError):
    """A search or evaluation request that cannot be run as given."""


class NotFound(MatchmakerError):
    """The requested object does not exist or is not visible to the user."""

    status_code = 404


class Forbidden(MatchmakerError):
    """The user is authenticated but may not do this."""

    status_code = 403


class Conflict(MatchmakerError):
    """The request conflicts with the current state (duplicate, wrong status...)."""

    status_code = 409


class ServiceUnavailable(MatchmakerError):
    """The search index is missing or being rebuilt."""

    status_code = 503
