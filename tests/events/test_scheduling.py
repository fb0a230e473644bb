"""The scheduler: never double-books, respects unavailability, optimal on small cases (brute force)."""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.scheduling import (
    Meeting,
    Schedule,
    SchedulingError,
    SchedulingProblem,
    UnplacedReason,
    greedy_schedule,
    meeting_weights,
    solve,
)


def assert_valid(problem: SchedulingProblem, schedule: Schedule) -> None:
    """Check every hard rule of a schedule."""
    meetings = {m.id: m for m in problem.meetings}
    seen_ids = [p.meeting_id for p in schedule.placements] + [u.meeting_id for u in schedule.unplaced]
    assert sorted(map(str, seen_ids)) == sorted(map(str, meetings)), "every meeting is placed or reported once"
    tables = Counter((p.slot, p.table) for p in schedule.placements)
    assert all(n == 1 for n in tables.values()), "a table holds one meeting per slot"
    busy = Counter((person, p.slot) for p in schedule.placements for person in meetings[p.meeting_id].participants)
    assert all(n == 1 for n in busy.values()), "nobody is in two meetings at once"
    for placement in schedule.placements:
        assert 0 <= placement.slot < problem.slots
        assert 1 <= placement.table <= problem.tables
        for person in meetings[placement.meeting_id].participants:
            assert placement.slot not in problem.unavailable.get(person, frozenset()), "unavailability respected"


def brute_force(problem: SchedulingProblem) -> tuple[int, int]:
    """Return the best (meetings placed, weighted objective) over every assignment of meetings to slots."""
    weights = meeting_weights(problem)
    options = [[None, *problem.free_slots(m)] for m in problem.meetings]
    best = (0, 0)
    for choice in itertools.product(*options):
        load = Counter(s for s in choice if s is not None)
        if any(n > problem.tables for n in load.values()):
            continue
        busy = Counter(
            (p, s) for m, s in zip(problem.meetings, choice, strict=True) if s is not None for p in m.participants
        )
        if any(n > 1 for n in busy.values()):
            continue
        placed = [i for i, s in enumerate(choice) if s is not None]
        best = max(best, (len(placed), sum(weights[i] for i in placed)))
    return best


def random_problem(rng: random.Random, max_meetings: int = 7) -> SchedulingProblem:
    """Draw a small problem: up to 5 participants, 1-3 slots, 1-2 tables, some unavailability."""
    people = [f"p{i}" for i in range(rng.randint(2, 5))]
    slots = rng.randint(1, 3)
    pairs = list(itertools.combinations(people, 2))
    rng.shuffle(pairs)
    meetings = [
        Meeting(id=n, participants=pair, score=round(rng.random(), 2))
        for n, pair in enumerate(pairs[: rng.randint(1, min(max_meetings, len(pairs)))])
    ]
    unavailable = {p: frozenset(s for s in range(slots) if rng.random() < 0.25) for p in people if rng.random() < 0.5}
    return SchedulingProblem(slots=slots, tables=rng.randint(1, 2), meetings=meetings, unavailable=unavailable)


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


@st.composite
def problems(draw):
    people = [f"p{i}" for i in range(draw(st.integers(2, 6)))]
    slots = draw(st.integers(1, 3))
    pairs = draw(
        st.lists(st.sampled_from(list(itertools.combinations(people, 2))), min_size=1, max_size=6, unique=True)
    )
    scores = draw(st.lists(st.floats(0, 1), min_size=len(pairs), max_size=len(pairs)))
    unavailable = draw(
        st.dictionaries(st.sampled_from(people), st.frozensets(st.integers(0, slots - 1)), max_size=len(people))
    )
    meetings = [
        Meeting(id=f"m{n}", participants=pair, score=s) for n, (pair, s) in enumerate(zip(pairs, scores, strict=True))
    ]
    return SchedulingProblem(slots=slots, tables=draw(st.integers(1, 3)), meetings=meetings, unavailable=unavailable)


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


def test_malformed_problems_are_refused():
    with pytest.raises(SchedulingError):
        solve(SchedulingProblem(2, 1, [Meeting("m", ("a", "a"))]))
    with pytest.raises(SchedulingError):
        solve(SchedulingProblem(2, 1, [Meeting("m", ("a", "b")), Meeting("m", ("c", "d"))]))
    with pytest.raises(SchedulingError):
        solve(SchedulingProblem(2, 1, [Meeting("m", ("a", "b"))], {"a": frozenset({5})}))


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
