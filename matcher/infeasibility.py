"""Why no consortium satisfies a tender's constraints, and the nearest relaxation."""

from __future__ import annotations

from graph.errors import Infeasible, Problem
from matcher.exact import solve_exact
from matcher.problem import MatchProblem

__all__ = ["explain_infeasibility"]

# Each hard constraint the exact solver can drop, with the field that sets it.
RELAXABLE = {
    "max_members": "constraints.max_members",
    "min_smes": "constraints.min_smes",
    "must_include": "constraints.must_include",
    "allow_multiple_lots": "constraints.allow_multiple_lots",
    "leader": "constraints.leader_min_turnover_share",
    "regions": "constraints.min_from_preferred_regions",
}


def explain_infeasibility(problem: MatchProblem, time_limit: float = 5.0) -> Infeasible:
    """An :class:`Infeasible` error naming the constraints at fault and how to relax them.

    A constraint is reported when dropping it alone makes the tender feasible; when no single
    constraint does, the ones that together do are listed.
    """
    constraints = problem.tender.constraints
    active = [
        name
        for name, on in {
            "max_members": constraints.max_members is not None,
            "min_smes": constraints.min_smes > 0,
            "must_include": bool(constraints.must_include),
            "allow_multiple_lots": not constraints.allow_multiple_lots,
            "leader": not problem.leader_ok.all(),
            "regions": problem.min_preferred > 0,
        }.items()
        if on
    ]
    culprits = [
        name
        for name in active
        if solve_exact(problem, relax=frozenset({name}), time_limit=time_limit).solutions
    ]
    if not culprits:
        return Infeasible(
            "no consortium satisfies these constraints together; relax several of them",
            [
                Problem(
                    _field(problem, name), _current(problem, name), "one of the binding constraints"
                )
                for name in active
            ],
        )
    return Infeasible(
        "no consortium satisfies the tender's constraints",
        [
            Problem(_field(problem, name), _current(problem, name), _advice(problem, name))
            for name in culprits
        ],
    )


def _field(problem: MatchProblem, name: str) -> str:
    """The constraint field a relaxation name stands for."""
    constraints = problem.tender.constraints
    if name == "leader" and not constraints.leader_min_turnover_share:
        return "constraints.leader_min_maturity"
    return RELAXABLE[name]


def _current(problem: MatchProblem, name: str) -> object:
    constraints = problem.tender.constraints
    field = _field(problem, name).removeprefix("constraints.")
    return getattr(constraints, field)


def _advice(problem: MatchProblem, name: str) -> str:
    """The nearest relaxation of one constraint, measured on the candidate pool."""
    n_lots = problem.n_lots
    if name == "max_members":
        best = solve_exact(problem, relax=frozenset({"max_members"})).solutions[0][1]
        return (
            f"no consortium of at most {problem.tender.constraints.max_members} firms meets the "
            f"other constraints; without this limit the best has {len(set(best))} members"
        )
    if name == "min_smes":
        available = int(problem.is_sme.sum())
        return f"too many SMEs required; at most {min(available, n_lots)} can take a lot here"
    if name == "must_include":
        return "the required firms cannot all be fitted in with the other constraints; drop one"
    if name == "allow_multiple_lots":
        return "allow a firm to take several lots"
    if name == "leader":
        able = int(problem.leader_ok.sum())
        return (
            f"only {able} candidate firm(s) meet the leader requirements and none fits; "
            "lower the turnover share or the maturity stage"
        )
    return "too few candidate firms in the preferred regions; lower the minimum or add regions"
