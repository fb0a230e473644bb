"""The greedy placements: the baseline the solver is compared with and its warm start."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import HealthCheck, given, settings

from matchmaker.scheduling import Meeting, SchedulingProblem, first_fit, meeting_weights
from matchmaker.scheduling.greedy import accepted_pins, fill, most_constrained_first
from tests.support.scheduling import problems, random_problem


def assert_conflict_free(problem: SchedulingProblem, slots: dict[int, int]) -> None:
    """Check a slot assignment: free slots only, a table for everyone, nobody twice in a slot."""
    assert all(n <= problem.tables for n in Counter(slots.values()).values())
    busy = Counter((p, s) for i, s in slots.items() for p in problem.meetings[i].participants)
    assert all(n == 1 for n in busy.values())
    assert all(s in problem.free_slots(problem.meetings[i]) for i, s in slots.items())


def test_one_more_meeting_always_outweighs_any_score():
    problem = SchedulingProblem(1, 5, [Meeting("a", ("p", "q"), 1.0), *[Meeting(n, ("r", n), 0.0) for n in "xyz"]])
    weights = meeting_weights(problem)
    assert weights[0] > weights[1] == weights[2] == weights[3]
    assert sum(weights[1:]) > weights[0] + weights[1]  # three weak meetings beat one strong and one weak


def test_first_fit_takes_the_best_score_first_in_the_earliest_slot():
    meetings = [Meeting("low", ("a", "b"), 0.1), Meeting("high", ("a", "c"), 0.9)]
    problem = SchedulingProblem(slots=2, tables=1, meetings=meetings)
    assert first_fit(problem) == {1: 0, 0: 1}


def test_pins_that_cannot_be_kept_together_are_dropped_best_score_first():
    meetings = [
        Meeting("weak", ("a", "b"), 0.2, pinned_slot=0),
        Meeting("strong", ("a", "c"), 0.8, pinned_slot=0),  # a cannot be in both at slot 0
        Meeting("blocked", ("d", "e"), 0.5, pinned_slot=1),  # e is unavailable in slot 1
    ]
    problem = SchedulingProblem(2, 2, meetings, {"e": frozenset({1})})
    assert accepted_pins(problem) == {1: 0}


def test_fill_completes_a_partial_assignment_without_moving_it():
    problem = random_problem(random.Random(11), max_meetings=7)
    start = first_fit(problem)
    kept = dict(list(start.items())[:2])
    filled = fill(problem, kept)
    assert all(filled[i] == s for i, s in kept.items())
    assert_conflict_free(problem, filled)


@given(problems())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_greedy_placements_never_double_book(problem):
    assert_conflict_free(problem, first_fit(problem))
    placed = most_constrained_first(problem, list(range(len(problem.meetings))))
    assert_conflict_free(problem, placed)


def test_most_constrained_first_keeps_the_pins_and_places_the_scarce_meeting_first():
    # "rare" can only meet in slot 0; placing "common" there first would leave it out.
    meetings = [Meeting("common", ("a", "b"), 0.9), Meeting("rare", ("a", "c"), 0.1)]
    problem = SchedulingProblem(2, 1, meetings, {"c": frozenset({1})})
    assert most_constrained_first(problem, [0, 1]) == {1: 0, 0: 1}
    assert most_constrained_first(problem, [1], pins={0: 1}) == {0: 1, 1: 0}
