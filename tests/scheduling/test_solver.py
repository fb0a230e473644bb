"""The solver: never double-books, respects unavailability, optimal on small cases (brute force)."""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from matchmaker.scheduling import Meeting, SchedulingProblem, UnplacedReason, greedy_schedule, solve
from tests.support.scheduling import assert_valid, brute_force, problems, random_problem


@pytest.mark.parametrize("seed", range(120))
def test_solver_matches_brute_force_on_small_cases(seed):
    problem = random_problem(random.Random(seed))
    schedule = solve(problem, time_limit=10)
    assert_valid(problem, schedule)
    count, objective = brute_force(problem)
    assert schedule.placed == count
    assert schedule.objective == objective
    assert schedule.status == "optimal"
    assert schedule.objective <= schedule.bound


@given(problems())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_valid_and_as_good_as_brute_force(problem):
    schedule = solve(problem, time_limit=10)
    assert_valid(problem, schedule)
    assert (schedule.placed, schedule.objective) == brute_force(problem)
    assert_valid(problem, greedy_schedule(problem))


def test_places_every_meeting_when_a_feasible_schedule_exists():
    # A round robin of 6 participants in 5 slots: 15 meetings, 3 tables, perfectly packed.
    people = list(range(6))
    meetings = [Meeting(id=(a, b), participants=(a, b), score=1.0) for a, b in itertools.combinations(people, 2)]
    problem = SchedulingProblem(slots=5, tables=3, meetings=meetings)
    schedule = solve(problem, time_limit=20)
    assert_valid(problem, schedule)
    assert schedule.placed == 15 and not schedule.unplaced
    greedy = greedy_schedule(problem)
    assert greedy.placed <= schedule.placed


def test_prefers_higher_scored_meetings_when_not_all_fit():
    meetings = [
        Meeting(id="low", participants=("a", "b"), score=0.1),
        Meeting(id="high", participants=("a", "c"), score=0.9),
    ]
    schedule = solve(SchedulingProblem(slots=1, tables=5, meetings=meetings))
    assert [p.meeting_id for p in schedule.placements] == ["high"]
    assert schedule.unplaced[0].meeting_id == "low"
    assert schedule.unplaced[0].reason == UnplacedReason.FULLY_BOOKED
    assert schedule.unplaced[0].participant == "a"


def test_more_meetings_beat_a_higher_score():
    meetings = [
        Meeting(id="star", participants=("a", "b"), score=1.0),
        Meeting(id="x", participants=("a", "c"), score=0.0),
        Meeting(id="y", participants=("b", "d"), score=0.0),
    ]
    schedule = solve(SchedulingProblem(slots=1, tables=5, meetings=meetings))
    assert {p.meeting_id for p in schedule.placements} == {"x", "y"}


def test_pinned_meetings_stay_put_and_impossible_pins_are_dropped():
    meetings = [
        Meeting("kept", ("a", "b"), 0.2, pinned_slot=2, pinned_table=3),
        Meeting("moved", ("c", "d"), 0.9, pinned_slot=0),  # c is now unavailable in slot 0
        Meeting("free", ("a", "c"), 0.5),
    ]
    problem = SchedulingProblem(3, 3, meetings, {"c": frozenset({0})})
    schedule = solve(problem)
    assert_valid(problem, schedule)
    where = {p.meeting_id: (p.slot, p.table) for p in schedule.placements}
    assert where["kept"] == (2, 3)
    assert where["moved"][0] != 0
    assert len(where) == 3


def test_empty_problem():
    schedule = solve(SchedulingProblem(slots=4, tables=2, meetings=[]))
    assert schedule.placed == 0 and schedule.status == "optimal"


def test_event_scale_within_a_minute_on_two_cores():
    """500 participants, 3,000 accepted requests (the benchmark runs the documented variant)."""
    rng = random.Random(7)
    people = [f"p{i}" for i in range(500)]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < 3000:
        a, b = rng.sample(people, 2)
        pairs.add((min(a, b), max(a, b)))
    meetings = [Meeting(id=n, participants=pair, score=rng.random()) for n, pair in enumerate(sorted(pairs))]
    unavailable = {p: frozenset(rng.sample(range(28), rng.randint(0, 4))) for p in people}
    problem = SchedulingProblem(slots=28, tables=120, meetings=meetings, unavailable=unavailable)
    started = time.perf_counter()
    schedule = solve(problem, time_limit=50, workers=2)
    assert time.perf_counter() - started < 60
    assert_valid(problem, schedule)
    assert schedule.placed >= greedy_schedule(problem).placed
    assert schedule.placed <= schedule.max_placeable


def test_both_stages_are_exercised_by_the_small_cases():
    """Most cases are proved optimal by selection + colouring; the rest need the full CP-SAT model."""
    methods = Counter(solve(random_problem(random.Random(seed))).method for seed in range(120))
    assert methods["selection+colouring"] > 0 and methods["full model"] > 0
