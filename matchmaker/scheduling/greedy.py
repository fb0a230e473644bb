"""First-fit scheduling: the baseline the solver is compared with, and its warm start."""

from __future__ import annotations

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
    pins = accepted_pins(problem)
    busy: set[tuple[Hashable, int]] = set()
    load: dict[int, int] = defaultdict(int)
    placed: dict[int, int] = {}
    for i, slot in pins.items():
        placed[i] = slot
        load[slot] += 1
        busy.update((p, slot) for p in problem.meetings[i].participants)
    order = sorted(
        (i for i in range(len(problem.meetings)) if i not in pins), key=lambda i: -problem.meetings[i].score
    )
    for i in order:
        meeting = problem.meetings[i]
        for slot in problem.free_slots(meeting):
            if load[slot] < problem.tables and not any((p, slot) in busy for p in meeting.participants):
                placed[i] = slot
                load[slot] += 1
                busy.update((p, slot) for p in meeting.participants)
                break
    return placed
