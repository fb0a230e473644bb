"""Framework-free meeting scheduler: accepted meetings in, a conflict-free slot and table plan out."""

from matchmaker.scheduling.greedy import first_fit, meeting_weights
from matchmaker.scheduling.problem import (
    Meeting,
    Placement,
    Schedule,
    SchedulingError,
    SchedulingProblem,
    Unplaced,
    UnplacedReason,
)
from matchmaker.scheduling.solver import DEFAULT_TIME_LIMIT, greedy_schedule, solve

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "Meeting",
    "Placement",
    "Schedule",
    "SchedulingError",
    "SchedulingProblem",
    "Unplaced",
    "UnplacedReason",
    "first_fit",
    "greedy_schedule",
    "meeting_weights",
    "solve",
]
