"""First-fit scheduling: the baseline the solver is compared with, and its warm start."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Hashable

from matchmaker.scheduling.problem import SchedulingProblem

SCORE_RESOLUTION = 100


def meeting_weights(problem: SchedulingProblem) -> list[int]:
    """Return one integer weight per meeting: one more placed meeting always beats any gain in score.

    Each weight is ``big + bonus`` with ``bonus`` in ``[0, SCORE_RESOLUTION]`` proportional to the
    score and ``big`` larger than the sum of every bonus, so maximising the total weight maximises the
    number of meetings first, then prefers higher-scored ones.
    """
    top = max((m.score for m in problem.meetings), default=0.0)
    big = SCORE_RESOLUTION * len(problem.meetings) + 1
    return [big + (round(SCORE_RESOLUTION * m.score / top) if top > 0 else 0) for m in problem.meetings]


def accepted_pins(problem: SchedulingProblem) -> dict[int, int]:
    """Return meeting index -> pinned slot for the pins that can all be kept together.

    Pins are checked best score first; a pin is dropped when a participant became unavailable,
    is already pinned elsewhere in that slot, or the slot has no table left.
    """
    busy: set[tuple[Hashable, int]] = set()
    load: dict[int, int] = defaultdict(int)
    kept: dict[int, int] = {}
    order = sorted(
        (i for i, m in enumerate(problem.meetings) if m.pinned_slot is not None),
        key=lambda i: -problem.meetings[i].score,
    )
    for i in order:
        meeting = problem.meetings[i]
        slot = meeting.pinned_slot
        assert slot is not None
        if slot not in problem.free_slots(meeting) or load[slot] >= problem.tables:
            continue
        if any((p, slot) in busy for p in meeting.participants):
            continue
        kept[i] = slot
        load[slot] += 1
        busy.update((p, slot) for p in meeting.participants)
    return kept


def first_fit(problem: SchedulingProblem) -> dict[int, int]:
    """Place meetings best score first, each in the earliest slot where everyone and a table are free.

    Returns:
        meeting index -> slot for the placed meetings.
    """
    return fill(problem, accepted_pins(problem))


def fill(problem: SchedulingProblem, slots: dict[int, int]) -> dict[int, int]:
    """Return ``slots`` plus every other meeting that still fits, best score first, earliest slot."""
    filled = dict(slots)
    busy = {(p, s) for i, s in filled.items() for p in problem.meetings[i].participants}
    load: dict[int, int] = defaultdict(int)
    for slot in filled.values():
        load[slot] += 1
    for i in sorted(range(len(problem.meetings)), key=lambda i: -problem.meetings[i].score):
        if i in filled:
            continue
        meeting = problem.meetings[i]
        for slot in problem.free_slots(meeting):
            if load[slot] < problem.tables and not any((p, slot) in busy for p in meeting.participants):
                filled[i] = slot
                load[slot] += 1
                busy.update((p, slot) for p in meeting.participants)
                break
    return filled


def most_constrained_first(
    problem: SchedulingProblem, indexes: list[int], pins: dict[int, int] | None = None
) -> dict[int, int]:
    """Place the given meetings, always taking next the one with the fewest slots left (DSatur on edges).

    Each meeting goes to the free slot its participants' other unplaced meetings need least, so
    the scarce slots stay open. Pinned meetings are placed first, in their slot.

    Args:
        problem: the problem.
        indexes: indexes of the meetings to place (typically the solver's selection).
        pins: meeting index -> slot to keep.

    Returns:
        meeting index -> slot for the meetings placed (some may not fit).
    """
    pins = pins or {}
    meetings = problem.meetings
    placed: dict[int, int] = {}
    busy: set[tuple[Hashable, int]] = set()
    load: dict[int, int] = defaultdict(int)
    for i, slot in pins.items():
        placed[i] = slot
        load[slot] += 1
        busy.update((p, slot) for p in meetings[i].participants)
    todo = [i for i in indexes if i not in pins]
    free = {
        i: {
            s
            for s in problem.free_slots(meetings[i])
            if load[s] < problem.tables and not any((p, s) in busy for p in meetings[i].participants)
        }
        for i in todo
    }
    demand: dict[tuple[Hashable, int], int] = defaultdict(int)
    of_participant: dict[Hashable, list[int]] = defaultdict(list)
    for i in todo:
        for p in meetings[i].participants:
            of_participant[p].append(i)
            for s in free[i]:
                demand[p, s] += 1
    done: set[int] = set()

    def close(j: int, slot: int) -> None:
        free[j].discard(slot)
        for p in meetings[j].participants:
            demand[p, slot] -= 1

    heap = [(len(free[i]), -meetings[i].score, i) for i in todo]
    heapq.heapify(heap)
    while heap:
        size, _, i = heapq.heappop(heap)
        if i in done or size != len(free[i]):
            continue
        done.add(i)
        options = sorted(free[i])
        for slot in options:
            close(i, slot)
        meeting = meetings[i]
        if not options:
            continue
        slot = min(options, key=lambda s: (sum(demand[p, s] for p in meeting.participants), load[s], s))
        placed[i] = slot
        load[slot] += 1
        touched: set[int] = set()
        for p in meeting.participants:
            busy.add((p, slot))
            for j in of_participant[p]:
                if j not in done and slot in free[j]:
                    close(j, slot)
                    touched.add(j)
        if load[slot] >= problem.tables:
            for j in todo:
                if j not in done and slot in free[j]:
                    close(j, slot)
                    touched.add(j)
        for j in touched:
            heapq.heappush(heap, (len(free[j]), -meetings[j].score, j))
    return placed
