"""The scheduling problem: what it accepts and what it refuses."""

from __future__ import annotations

import pytest

from matchmaker.scheduling import Meeting, SchedulingError, SchedulingProblem, solve


def test_malformed_problems_are_refused():
    with pytest.raises(SchedulingError):
        solve(SchedulingProblem(2, 1, [Meeting("m", ("a", "a"))]))
    with pytest.raises(SchedulingError):
        solve(SchedulingProblem(2, 1, [Meeting("m", ("a", "b")), Meeting("m", ("c", "d"))]))
    with pytest.raises(SchedulingError):
        solve(SchedulingProblem(2, 1, [Meeting("m", ("a", "b"))], {"a": frozenset({5})}))


def test_free_slots_leave_out_every_participant_unavailability():
    problem = SchedulingProblem(4, 1, [Meeting("m", ("a", "b"))], {"a": frozenset({0}), "b": frozenset({2})})
    assert problem.free_slots(problem.meetings[0]) == [1, 3]


def test_negative_sizes_and_scores_are_refused():
    with pytest.raises(SchedulingError):
        SchedulingProblem(-1, 1, []).validate()
    with pytest.raises(SchedulingError):
        SchedulingProblem(1, 1, [Meeting("m", ("a", "b"), -0.5)]).validate()
