"""``Page[T]``: one page of a longer ordered list, what every paginated use case returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(kw_only=True)
class Page(Generic[T]):
    """The items of one page, how many there are in all and where the page starts."""

    items: Sequence[T] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    limit: int = 20

    @property
    def has_next(self) -> bool:
        """Return True when another page follows this one."""
        return self.offset + len(self.items) < self.total
