"""The value types of the scheduler: a problem in, a schedule with its report out."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field


class SchedulingError(ValueError):
    """A scheduling problem that is malformed (duplicate ids, unknown slots...)."""


@dataclass(frozen=True, slots=True)
class Meeting:
    """One accepted meeting to place: who meets, how much it is worth, and an optional pinned place.

    Attributes:
        id: unique meeting id (any hashable: the request id in the application).
        participants: the participants who must all be present (two in a B2B meeting).
        score: how much the meeting is worth (>= 0); higher-scored meetings are placed first.
        pinned_slot: keep the meeting in this slot when it is still feasible (re-scheduling).
        pinned_table: keep this table when possible (1-based).
    """

    id: Hashable
    participants: tuple[Hashable, ...]
    score: float = 0.0
    pinned_slot: int | None = None
    pinned_table: int | None = None


@dataclass(frozen=True)
class SchedulingProblem:
    """Slots numbered ``0..slots-1``, ``tables`` interchangeable tables per slot, meetings to place.

    Attributes:
        slots: number of time slots.
        tables: number of tables available in every slot.
        meetings: the accepted meetings.
        unavailable: participant -> slots in which they cannot meet.
    """

    slots: int
    tables: int
    meetings: Sequence[Meeting]
    unavailable: Mapping[Hashable, frozenset[int]] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise SchedulingError when the problem is malformed."""
        if self.slots < 0 or self.tables < 0:
            raise SchedulingError("slots and tables must be non-negative")
        seen: set[Hashable] = set()
        for meeting in self.meetings:
            if meeting.id in seen:
                raise SchedulingError(f"duplicate meeting id {meeting.id!r}")
            seen.add(meeting.id)
            if len(meeting.participants) < 2 or len(set(meeting.participants)) != len(meeting.participants):
                raise SchedulingError(f"meeting {meeting.id!r} needs at least two distinct participants")
            if meeting.score < 0:
                raise SchedulingError(f"meeting {meeting.id!r} has a negative score")
        for participant, blocked in self.unavailable.items():
            if any(not 0 <= s < self.slots for s in blocked):
                raise SchedulingError(f"participant {participant!r} is unavailable in an unknown slot")

    def free_slots(self, meeting: Meeting) -> list[int]:
        """Return the slots in which every participant of ``meeting`` is available."""
        blocked: set[int] = set()
        for participant in meeting.participants:
            blocked |= self.unavailable.get(participant, frozenset())
        return [s for s in range(self.slots) if s not in blocked]


class UnplacedReason(enum.StrEnum):
    """Why a meeting could not be placed."""

    UNAVAILABLE = "unavailable"  # one participant is unavailable in every slot
    NO_COMMON_SLOT = "no_common_slot"  # the participants are never free at the same time
    FULLY_BOOKED = "fully_booked"  # one participant is busy in every common free slot
    NO_TABLE = "no_table"  # every common free slot has all its tables taken
    CONFLICTS = "conflicts"  # each common free slot is blocked, by a participant or by the tables


@dataclass(frozen=True, slots=True)
class Placement:
    """A meeting placed in a slot at a table (1-based)."""

    meeting_id: Hashable
    slot: int
    table: int


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A meeting left out of the schedule and the reason, naming the participant when one is to blame."""

    meeting_id: Hashable
    reason: UnplacedReason
    participant: Hashable | None = None


@dataclass
class Schedule:
    """A conflict-free schedule and the report that comes with it.

    Attributes:
        placements: placed meetings, ordered by slot then table.
        unplaced: meetings left out, with reasons.
        status: ``optimal`` (proved), ``feasible`` (time limit reached) or ``greedy`` (no solver run).
        objective: the weighted value of the schedule (see ``meeting_weights``).
        bound: an upper bound on the objective proved by the solver.
        max_placeable: an upper bound on the number of meetings that can be placed.
        seconds: wall time spent.
        method: how it was found (``selection+colouring``, ``full model``, ``first-fit``).
    """

    placements: list[Placement]
    unplaced: list[Unplaced]
    status: str
    objective: int = 0
    bound: int = 0
    max_placeable: int = 0
    seconds: float = 0.0
    method: str = ""

    @property
    def placed(self) -> int:
        """Return how many meetings were placed."""
        return len(self.placements)
