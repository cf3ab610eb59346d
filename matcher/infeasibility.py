"""Why no consortium satisfies a tender's constraints, and the nearest relaxation."""

from __future__ import annotations

from meute.graph.errors import Infeasible, Problem
from meute.matcher.exact import solve_exact
from meute.matcher.phrases import Lang, phrase
from meute.matcher.problem import MatchProblem

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


def explain_infeasibility(
    problem: MatchProblem, time_limit: float = 5.0, lang: Lang = Lang.EN
) -> Infeasible:
    """An :class:`Infeasible` error naming the constraints at fault and how to relax them.

    A constraint is reported when dropping it alone makes the tender feasible; when no single
    constraint does, the ones that together do are listed. Messages are written in ``lang``.
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
        binding = phrase("infeasible.binding", lang)
        return Infeasible(
            phrase("infeasible.together", lang),
            [Problem(_field(problem, name), _current(problem, name), binding) for name in active],
        )
    return Infeasible(
        phrase("infeasible", lang),
        [
            Problem(_field(problem, name), _current(problem, name), _advice(problem, name, lang))
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


def _advice(problem: MatchProblem, name: str, lang: Lang) -> str:
    """The nearest relaxation of one constraint, measured on the candidate pool."""
    if name == "max_members":
        best = solve_exact(problem, relax=frozenset({"max_members"})).solutions[0][1]
        maximum = problem.tender.constraints.max_members
        return phrase("relax.max_members", lang, maximum, members=len(set(best)))
    if name == "min_smes":
        available = min(int(problem.is_sme.sum()), problem.n_lots)
        return phrase("relax.min_smes", lang, available)
    if name == "leader":
        return phrase("relax.leader", lang, int(problem.leader_ok.sum()))
    if name in ("must_include", "allow_multiple_lots"):
        return phrase(f"relax.{name}", lang)
    return phrase("relax.regions", lang)
