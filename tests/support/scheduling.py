"""Scheduling helpers shared by the scheduler tests: a schedule checker, a brute force, problem generators."""

from __future__ import annotations

import itertools
import random
from collections import Counter

from hypothesis import strategies as st

from matchmaker.scheduling import Meeting, Schedule, SchedulingProblem, meeting_weights


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
