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


class _SlotBoard:
    """The state of a most-constrained-first placement: who is busy when, and what each meeting may still take."""

    def __init__(self, problem: SchedulingProblem, todo: list[int], pins: dict[int, int]) -> None:
        self.problem = problem
        self.meetings = problem.meetings
        self.todo = todo
        self.placed: dict[int, int] = {}
        self.busy: set[tuple[Hashable, int]] = set()
        self.load: dict[int, int] = defaultdict(int)
        for i, slot in pins.items():
            self.placed[i] = slot
            self.load[slot] += 1
            self.busy.update((p, slot) for p in self.meetings[i].participants)
        self.free = {i: {s for s in problem.free_slots(self.meetings[i]) if self._open(i, s)} for i in todo}
        # demand[p, s]: how many of p's unplaced meetings could still take slot s
        self.demand: dict[tuple[Hashable, int], int] = defaultdict(int)
        self.of_participant: dict[Hashable, list[int]] = defaultdict(list)
        for i in todo:
            for p in self.meetings[i].participants:
                self.of_participant[p].append(i)
                for s in self.free[i]:
                    self.demand[p, s] += 1
        self.done: set[int] = set()

    def _open(self, i: int, slot: int) -> bool:
        participants = self.meetings[i].participants
        return self.load[slot] < self.problem.tables and not any((p, slot) in self.busy for p in participants)

    def close(self, j: int, slot: int) -> None:
        """Take ``slot`` out of meeting ``j``'s options."""
        self.free[j].discard(slot)
        for p in self.meetings[j].participants:
            self.demand[p, slot] -= 1

    def take(self, i: int) -> set[int]:
        """Place meeting ``i`` in its least demanded free slot; return the meetings whose options shrank."""
        self.done.add(i)
        options = sorted(self.free[i])
        for slot in options:
            self.close(i, slot)
        if not options:
            return set()
        meeting = self.meetings[i]
        slot = min(options, key=lambda s: (sum(self.demand[p, s] for p in meeting.participants), self.load[s], s))
        self.placed[i] = slot
        self.load[slot] += 1
        touched: set[int] = set()
        for p in meeting.participants:
            self.busy.add((p, slot))
            touched.update(self._close_for(self.of_participant[p], slot))
        if self.load[slot] >= self.problem.tables:
            touched.update(self._close_for(self.todo, slot))
        return touched

    def _close_for(self, candidates: list[int], slot: int) -> list[int]:
        closed = []
        for j in candidates:
            if j not in self.done and slot in self.free[j]:
                self.close(j, slot)
                closed.append(j)
        return closed


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
    board = _SlotBoard(problem, [i for i in indexes if i not in pins], pins)
    heap = [(len(board.free[i]), -problem.meetings[i].score, i) for i in board.todo]
    heapq.heapify(heap)
    while heap:
        size, _, i = heapq.heappop(heap)
        if i in board.done or size != len(board.free[i]):
            continue
        for j in board.take(i):
            heapq.heappush(heap, (len(board.free[j]), -problem.meetings[j].score, j))
    return board.placed
