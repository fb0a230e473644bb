"""Place accepted meetings in slots and tables with OR-Tools CP-SAT.

Formulation: one Boolean per feasible (meeting, slot) pair — a slot where every participant is
available — so unavailability costs no constraint. Each meeting takes at most one slot, each
participant at most one meeting per slot, and each slot at most ``tables`` meetings. Tables are
interchangeable, so numbering them per slot afterwards is exact. The objective weights make one
more placed meeting worth more than any gain in score (see ``meeting_weights``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Hashable

from ortools.sat.python import cp_model

from matchmaker.scheduling.greedy import accepted_pins, first_fit, meeting_weights
from matchmaker.scheduling.problem import Schedule, SchedulingProblem
from matchmaker.scheduling.report import assign_tables, explain_unplaced

DEFAULT_TIME_LIMIT = 30.0


def greedy_schedule(problem: SchedulingProblem) -> Schedule:
    """Return the first-fit schedule (best score first, earliest free slot), without a solver."""
    started = time.perf_counter()
    problem.validate()
    slots = first_fit(problem)
    return _schedule(problem, slots, "greedy", bound=0, started=started)


def solve(
    problem: SchedulingProblem,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int = 2,
    seed: int = 0,
) -> Schedule:
    """Return a conflict-free schedule placing as many meetings as possible, best scores first.

    Args:
        problem: slots, tables, meetings and unavailability.
        time_limit: seconds the solver may run; the best schedule found so far is returned.
        workers: CP-SAT search workers (one per core).
        seed: random seed, for reproducible runs.
    """
    started = time.perf_counter()
    problem.validate()
    weights = meeting_weights(problem)
    pins = accepted_pins(problem)
    start_point = first_fit(problem)
    if not problem.meetings or problem.tables == 0 or problem.slots == 0:
        return _schedule(problem, start_point, "optimal", bound=_value(weights, start_point), started=started)

    model = cp_model.CpModel()
    choices: dict[tuple[int, int], cp_model.IntVar] = {}
    by_participant_slot: dict[tuple[Hashable, int], list[cp_model.IntVar]] = defaultdict(list)
    by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for i, meeting in enumerate(problem.meetings):
        slots = [pins[i]] if i in pins else problem.free_slots(meeting)
        own = []
        for slot in slots:
            var = model.new_bool_var(f"m{i}s{slot}")
            choices[i, slot] = var
            own.append(var)
            by_slot[slot].append(var)
            for participant in meeting.participants:
                by_participant_slot[participant, slot].append(var)
        if i in pins:
            model.add(own[0] == 1)
        elif len(own) > 1:
            model.add_at_most_one(own)
    for group in by_participant_slot.values():
        if len(group) > 1:
            model.add_at_most_one(group)
    for group in by_slot.values():
        if len(group) > problem.tables:
            model.add(sum(group) <= problem.tables)
    model.maximize(
        cp_model.LinearExpr.weighted_sum(list(choices.values()), [weights[i] for i, _ in choices])
    )
    for (i, slot), var in choices.items():
        model.add_hint(var, start_point.get(i) == slot)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit - (time.perf_counter() - started), 1.0)
    solver.parameters.num_workers = max(workers, 1)
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _schedule(problem, start_point, "greedy", bound=0, started=started)
    found = {i: slot for (i, slot), var in choices.items() if solver.boolean_value(var)}
    if _value(weights, found) < _value(weights, start_point):
        found = start_point
    found = _fill(problem, found)
    label = "optimal" if status == cp_model.OPTIMAL else "feasible"
    bound = max(int(solver.best_objective_bound), _value(weights, found))
    return _schedule(problem, found, label, bound=bound, started=started)


def _value(weights: list[int], slots: dict[int, int]) -> int:
    return sum(weights[i] for i in slots)


def _fill(problem: SchedulingProblem, slots: dict[int, int]) -> dict[int, int]:
    """Add any unplaced meeting that still fits somewhere (a time-limited solution may leave some)."""
    filled = dict(slots)
    busy = {(p, s) for i, s in filled.items() for p in problem.meetings[i].participants}
    load: dict[int, int] = defaultdict(int)
    for s in filled.values():
        load[s] += 1
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


def _schedule(
    problem: SchedulingProblem, slots: dict[int, int], status: str, *, bound: int, started: float
) -> Schedule:
    weights = meeting_weights(problem)
    smallest = min(weights) if weights else 1
    objective = _value(weights, slots)
    bound = max(bound, objective) if status != "greedy" else bound
    max_placeable = min(len(problem.meetings), problem.slots * problem.tables)
    if bound:
        max_placeable = min(max_placeable, bound // smallest)
    return Schedule(
        placements=assign_tables(problem, slots),
        unplaced=explain_unplaced(problem, slots),
        status=status,
        objective=objective,
        bound=bound,
        max_placeable=max_placeable,
        seconds=time.perf_counter() - started,
    )
