"""Turn a slot assignment into a schedule: table numbers and the reasons of unplaced meetings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping

from matchmaker.scheduling.problem import Placement, SchedulingProblem, Unplaced, UnplacedReason


def assign_tables(problem: SchedulingProblem, slots: Mapping[int, int]) -> list[Placement]:
    """Give each placed meeting a table, keeping pinned tables when free; exact since tables are alike.

    Args:
        problem: the problem the assignment solves.
        slots: meeting index -> slot, with at most ``problem.tables`` meetings per slot.
    """
    by_slot: dict[int, list[int]] = defaultdict(list)
    for index, slot in slots.items():
        by_slot[slot].append(index)
    placements: list[Placement] = []
    for slot in sorted(by_slot):
        indexes = sorted(by_slot[slot], key=lambda i: (-problem.meetings[i].score, i))
        if len(indexes) > problem.tables:
            raise ValueError(f"slot {slot} holds {len(indexes)} meetings for {problem.tables} tables")
        taken: dict[int, int] = {}
        for i in indexes:
            table = problem.meetings[i].pinned_table
            if problem.meetings[i].pinned_slot == slot and table and 1 <= table <= problem.tables:
                if table not in taken.values():
                    taken[i] = table
        free = iter(t for t in range(1, problem.tables + 1) if t not in taken.values())
        for i in indexes:
            if i not in taken:
                taken[i] = next(free)
        placements.extend(
            Placement(meeting_id=problem.meetings[i].id, slot=slot, table=taken[i])
            for i in sorted(indexes, key=lambda i: taken[i])
        )
    return placements


def explain_unplaced(problem: SchedulingProblem, slots: Mapping[int, int]) -> list[Unplaced]:
    """Return, for every meeting left out of ``slots``, the reason it could not be placed there."""
    busy: set[tuple[Hashable, int]] = set()
    load: dict[int, int] = defaultdict(int)
    for index, slot in slots.items():
        load[slot] += 1
        busy.update((p, slot) for p in problem.meetings[index].participants)
    report: list[Unplaced] = []
    for index, meeting in enumerate(problem.meetings):
        if index in slots:
            continue
        report.append(_reason(problem, meeting.id, meeting.participants, busy, load))
    return report


def _reason(
    problem: SchedulingProblem,
    meeting_id: Hashable,
    participants: tuple[Hashable, ...],
    busy: set[tuple[Hashable, int]],
    load: Mapping[int, int],
) -> Unplaced:
    every_slot = frozenset(range(problem.slots))
    for participant in participants:
        if problem.unavailable.get(participant, frozenset()) >= every_slot:
            return Unplaced(meeting_id, UnplacedReason.UNAVAILABLE, participant)
    common = [
        s for s in range(problem.slots) if not any(s in problem.unavailable.get(p, frozenset()) for p in participants)
    ]
    if not common:
        return Unplaced(meeting_id, UnplacedReason.NO_COMMON_SLOT)
    for participant in sorted(participants, key=lambda p: -sum((p, s) in busy for s in common)):
        if all((participant, s) in busy for s in common):
            return Unplaced(meeting_id, UnplacedReason.FULLY_BOOKED, participant)
    if all(load.get(s, 0) >= problem.tables for s in common):
        return Unplaced(meeting_id, UnplacedReason.NO_TABLE)
    return Unplaced(meeting_id, UnplacedReason.CONFLICTS)
