"""Place accepted meetings in slots and tables with OR-Tools CP-SAT, by decomposition.

1. **Selection** (CP-SAT, small): choose the meetings to place, one Boolean per meeting, under the
   necessary conditions — nobody attends more meetings than they have available slots, no more
   meetings than places, pinned meetings kept. Its optimum is an upper bound on any schedule.
2. **Colouring**: place the selected meetings slot by slot, most constrained first. When every
   selected meeting fits, the schedule reaches the bound: it is proved optimal.
3. **Full model** (CP-SAT, only when step 2 left some out): one Boolean per feasible
   (meeting, slot) pair — a slot where everyone is available, so unavailability costs no
   constraint — at most one slot per meeting, one meeting per participant and slot, ``tables``
   meetings per slot; warm-started from step 2 and capped by the bound of step 1, so it stops as
   soon as it reaches it.

Tables are interchangeable, so numbering them per slot afterwards is exact. The weights make one
more placed meeting worth more than any gain in score (see ``meeting_weights``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Hashable

from ortools.sat.python import cp_model

from matchmaker.scheduling.greedy import (
    accepted_pins,
    fill,
    first_fit,
    meeting_weights,
    most_constrained_first,
)
from matchmaker.scheduling.problem import Schedule, SchedulingProblem
from matchmaker.scheduling.report import assign_tables, explain_unplaced

DEFAULT_TIME_LIMIT = 30.0


def greedy_schedule(problem: SchedulingProblem) -> Schedule:
    """Return the first-fit schedule (best score first, earliest free slot), without a solver."""
    started = time.perf_counter()
    problem.validate()
    return _schedule(problem, first_fit(problem), "greedy", "first-fit", bound=0, started=started)


def solve(
    problem: SchedulingProblem,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int = 2,
    seed: int = 0,
) -> Schedule:
    """Return a conflict-free schedule placing as many meetings as possible, best scores first.

    Args:
        problem: slots, tables, meetings and unavailability.
        time_limit: seconds the whole solve may take; the best schedule found so far is returned.
        workers: CP-SAT search workers (one per core).
        seed: random seed, for reproducible runs.
    """
    started = time.perf_counter()
    problem.validate()
    weights = meeting_weights(problem)
    pins = accepted_pins(problem)

    def remaining() -> float:
        return max(time_limit - (time.perf_counter() - started), 0.5)

    selected, bound = _select(problem, weights, pins, remaining(), workers, seed)
    found = _best(weights, most_constrained_first(problem, selected, pins), first_fit(problem))
    found = fill(problem, found)
    method = "selection+colouring"
    if _value(weights, found) < bound:
        method = "full model"
        improved, full_bound = _solve_full(problem, weights, pins, found, bound, remaining(), workers, seed)
        found = fill(problem, _best(weights, improved, found))
        bound = min(bound, full_bound)
    status = "optimal" if _value(weights, found) >= bound else "feasible"
    return _schedule(problem, found, status, method, bound=max(bound, _value(weights, found)), started=started)


def _select(
    problem: SchedulingProblem,
    weights: list[int],
    pins: dict[int, int],
    time_limit: float,
    workers: int,
    seed: int,
) -> tuple[list[int], int]:
    """Return the meetings of the relaxed optimum and the proved upper bound on the objective."""
    model = cp_model.CpModel()
    chosen: dict[int, cp_model.IntVar] = {}
    of_participant: dict[Hashable, list[cp_model.IntVar]] = defaultdict(list)
    for i, meeting in enumerate(problem.meetings):
        if i not in pins and (not problem.free_slots(meeting) or problem.tables == 0):
            continue
        var = model.new_bool_var(f"m{i}")
        chosen[i] = var
        for participant in meeting.participants:
            of_participant[participant].append(var)
        if i in pins:
            model.add(var == 1)
    for participant, group in of_participant.items():
        available = problem.slots - len(problem.unavailable.get(participant, frozenset()))
        if len(group) > available:
            model.add(sum(group) <= available)
    if len(chosen) > problem.slots * problem.tables:
        model.add(sum(chosen.values()) <= problem.slots * problem.tables)
    if not chosen:
        return [], 0
    model.maximize(cp_model.LinearExpr.weighted_sum(list(chosen.values()), [weights[i] for i in chosen]))
    solver = _solver(time_limit, workers, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], sum(weights[i] for i in chosen)
    selected = [i for i, var in chosen.items() if solver.boolean_value(var)]
    return selected, int(solver.best_objective_bound)


def _solve_full(
    problem: SchedulingProblem,
    weights: list[int],
    pins: dict[int, int],
    start_point: dict[int, int],
    bound: int,
    time_limit: float,
    workers: int,
    seed: int,
) -> tuple[dict[int, int], int]:
    """Solve the (meeting, slot) model from ``start_point``; return the slots found and the bound."""
    model = cp_model.CpModel()
    choices: dict[tuple[int, int], cp_model.IntVar] = {}
    by_participant_slot: dict[tuple[Hashable, int], list[cp_model.IntVar]] = defaultdict(list)
    by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for i, meeting in enumerate(problem.meetings):
        own = []
        for slot in [pins[i]] if i in pins else problem.free_slots(meeting):
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
    objective = cp_model.LinearExpr.weighted_sum(list(choices.values()), [weights[i] for i, _ in choices])
    model.add(objective <= bound)
    model.maximize(objective)
    for (i, slot), var in choices.items():
        model.add_hint(var, start_point.get(i) == slot)
    solver = _solver(time_limit, workers, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}, bound
    found = {i: slot for (i, slot), var in choices.items() if solver.boolean_value(var)}
    return found, int(solver.best_objective_bound)


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = max(workers, 1)
    solver.parameters.random_seed = seed
    return solver


def _value(weights: list[int], slots: dict[int, int]) -> int:
    return sum(weights[i] for i in slots)


def _best(weights: list[int], *candidates: dict[int, int]) -> dict[int, int]:
    return max(candidates, key=lambda slots: _value(weights, slots))


def _schedule(
    problem: SchedulingProblem, slots: dict[int, int], status: str, method: str, *, bound: int, started: float
) -> Schedule:
    weights = meeting_weights(problem)
    max_placeable = min(len(problem.meetings), problem.slots * problem.tables)
    if bound and weights:
        max_placeable = min(max_placeable, bound // min(weights))
    return Schedule(
        placements=assign_tables(problem, slots),
        unplaced=explain_unplaced(problem, slots),
        status=status,
        objective=_value(weights, slots),
        bound=bound,
        max_placeable=max_placeable,
        seconds=time.perf_counter() - started,
        method=method,
    )
