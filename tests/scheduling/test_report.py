"""What the schedule reports: the tables of the placed meetings, why the others could not be placed."""

from __future__ import annotations

import pytest

from matchmaker.scheduling import Meeting, SchedulingProblem, UnplacedReason, solve
from matchmaker.scheduling.report import assign_tables
from tests.support.scheduling import assert_valid


@pytest.mark.parametrize(
    ("problem", "reason", "participant"),
    [
        (
            SchedulingProblem(2, 2, [Meeting("m", ("a", "b"))], {"a": frozenset({0, 1})}),
            UnplacedReason.UNAVAILABLE,
            "a",
        ),
        (
            SchedulingProblem(2, 2, [Meeting("m", ("a", "b"))], {"a": frozenset({0}), "b": frozenset({1})}),
            UnplacedReason.NO_COMMON_SLOT,
            None,
        ),
        (
            SchedulingProblem(1, 1, [Meeting("k", ("a", "b"), 1.0), Meeting("m", ("c", "d"), 0.5)]),
            UnplacedReason.NO_TABLE,
            None,
        ),
    ],
)
def test_unplaced_meetings_come_with_their_reason(problem, reason, participant):
    schedule = solve(problem)
    assert_valid(problem, schedule)
    (unplaced,) = schedule.unplaced
    assert unplaced.meeting_id == "m"
    assert unplaced.reason == reason
    assert unplaced.participant == participant


def test_tables_are_numbered_from_one_and_pinned_tables_are_kept():
    meetings = [Meeting("a", ("p", "q"), 0.5, pinned_slot=0, pinned_table=2), Meeting("b", ("r", "s"), 0.9)]
    problem = SchedulingProblem(slots=1, tables=2, meetings=meetings)
    placements = {p.meeting_id: (p.slot, p.table) for p in assign_tables(problem, {0: 0, 1: 0})}
    assert placements == {"a": (0, 2), "b": (0, 1)}
    with pytest.raises(ValueError):
        assign_tables(SchedulingProblem(slots=1, tables=1, meetings=meetings), {0: 0, 1: 0})
