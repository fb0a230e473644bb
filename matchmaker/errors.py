"""Domain exceptions: one hierarchy the views and the API translate into clear messages.

Messages are French source strings, usually wrapped in flask-babel's ``lazy_gettext``: the
exception keeps the lazy string and renders it only when ``message`` is read, so a view or the
API shows it in the language of the current request. Outside a request (CLI, plain functions)
the French source text is returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

T = TypeVar("T")


class MatchmakerError(Exception):
    """Base class of every error the platform reports to a user."""

    status_code = 400
    title: str | LazyString = _l("Requête invalide")  # the heading users read above the message

    def __init__(self, message: str | LazyString, *, field: str | None = None) -> None:
        """Take a ``str`` or a flask-babel lazy string (``lazy_gettext(...)``)."""
        super().__init__(message)
        self._message = message
        self.field = field

    @property
    def message(self) -> str:
        """Return the message as a plain ``str``, translated into the active locale."""
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class InvalidQuery(MatchmakerError):
    """A search or evaluation request that cannot be run as given."""


class NotFound(MatchmakerError):
    """The requested object does not exist or is not visible to the user."""

    status_code = 404
    title = _l("Introuvable")


class Forbidden(MatchmakerError):
    """The user is authenticated but may not do this."""

    status_code = 403
    title = _l("Accès refusé")


class Conflict(MatchmakerError):
    """The request conflicts with the current state (duplicate, wrong status...)."""

    status_code = 409
    title = _l("Action impossible en l'état")


class ServiceUnavailable(MatchmakerError):
    """The search index is missing or being rebuilt."""

    status_code = 503
    title = _l("Service indisponible")


def one_with_id(items: Iterable[T], item_id: int, message: str | LazyString) -> T:
    """Return the item whose ``id`` is ``item_id`` (a child of an object the user may see), or raise NotFound."""
    found: Any = next((item for item in items if getattr(item, "id", None) == item_id), None)
    if found is None:
        raise NotFound(message)
    return found
