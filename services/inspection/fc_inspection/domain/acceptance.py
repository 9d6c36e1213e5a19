"""Acceptance (验收, §4.7): who may apply when, and what the district review (复核) concludes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["city", "province"]
LEVEL_RANK = {"city": 1, "province": 2}
DEFAULT_REQUIRED_DEPARTMENTS = ("housing", "civil_affairs", "development_reform", "finance")

# Acceptance states in inspection. ``requested`` and ``district_reviewed`` are open;
# ``returned`` (a department failed it), ``passed``, ``failed`` and ``cancelled`` (the project was cancelled, 撤销创建) are closed.
OPEN_STATES = ("requested", "district_reviewed")
# Project states that inspection's own events cause; while inspection holds no open
# acceptance they only mean the registry has not yet caught up with a closed one.
INSPECTION_DRIVEN_STATES = ("accepting", "district_reviewed")


@dataclass(frozen=True)
class ProjectFacts:
    state: str
    accepted_level: str | None


@dataclass(frozen=True)
class EvaluationFacts:
    all_standard_met: bool
    standard_met: int
    standard_total: int


def effective_state(project: ProjectFacts, has_open_acceptance: bool) -> str:
    """§4.7: with no open acceptance, an inspection-driven state reverts as the registry will revert it."""
    if project.state in INSPECTION_DRIVEN_STATES and not has_open_acceptance:
        return "accepted" if project.accepted_level else "approved"
    return project.state


RESULT_ROLES = {"integration": "integration", "district_office": "paper"}


def result_poster_problem(role: str, scope: str | None, level: str) -> str | None:
    """§4.7(3): a province/city system posts results of its own level; the district office records any level's
    result that arrived on paper (纸质批复), with the same effects."""
    if role == "integration" and scope != level:
        return f"a {scope} integration posts only {scope}-level results"
    if role not in RESULT_ROLES:
        return f"role {role} does not record acceptance results"
    return None


def highest_level(*levels: str | None) -> str | None:
    """F3/§4.7: the highest acceptance level reached, from the registry's projection and inspection's own results."""
    known = [lv for lv in levels if lv in LEVEL_RANK]
    return max(known, key=LEVEL_RANK.__getitem__) if known else None


def application_refusal(project: ProjectFacts, level: str, has_open_acceptance: bool,
                        latest_evaluation: EvaluationFacts | None) -> str | None:
    """§4.7(1): why an acceptance application is refused (409), or None when it may proceed."""
    if has_open_acceptance:
        return "the project already has an open acceptance application"
    state = effective_state(project, has_open_acceptance)
    # Naming never blocks a higher level: a project accepted (and perhaps named) at city may apply for province.
    if state not in ("approved", "accepted", "named") or (state != "approved" and not project.accepted_level):
        return (f"the project is {state}; acceptance needs an approved project (or one accepted or named at city "
                "applying for province)")
    if project.accepted_level and LEVEL_RANK[level] <= LEVEL_RANK[project.accepted_level]:
        return f"the project is already accepted at {project.accepted_level} level; only a higher level may be applied for"
    if latest_evaluation is None:
        return "the project has no nine-scenario evaluation; every standard indicator must be met"
    if not latest_evaluation.all_standard_met:
        return (f"the latest evaluation meets {latest_evaluation.standard_met} of "
                f"{latest_evaluation.standard_total} standard indicators; all must be met")
    return None


def declared_expenditure_refusal(declared: dict[str, int], recorded_eligible: dict[str, int],
                                 accepted_city_fen: int | None) -> str | None:
    """§4.7(1)/§5.3: the final expenditure (最终支出额) is cumulative and backed by the eligible expenditure recorded
    in funding; why a declaration is refused (409, with both figures), or None."""
    total = sum(declared.values())
    if accepted_city_fen is not None and total < accepted_city_fen:
        return (f"the application declares a final expenditure of {total} fen, less than the {accepted_city_fen} fen "
                "of the project's accepted city application; the final expenditure is cumulative")
    over = [(c, amount, recorded_eligible.get(c, 0)) for c, amount in declared.items()
            if amount > recorded_eligible.get(c, 0)]
    if over:
        figures = "; ".join(f"{c}: declared {amount} fen, recorded {recorded} fen" for c, amount, recorded in over)
        return (f"the application declares more than the eligible expenditure recorded in funding ({figures}); "
                "record the expenditures first")
    return None


def review_outcome(required: list[str], decisions: dict[str, bool]) -> Literal["pending", "passed", "failed"]:
    """§4.7(2): any required department failing returns it; all passing makes it district_reviewed."""
    if any(decisions.get(d) is False for d in required):
        return "failed"
    if all(decisions.get(d) is True for d in required):
        return "passed"
    return "pending"


@dataclass(frozen=True)
class Result:
    passed: bool
    level: str
    decided_on: str
    reference: str


def result_conflict(state: str, acceptance_level: str, recorded: Result | None, posted: Result) -> str | None:
    """§4.7(3): a result needs a district-reviewed acceptance of its level; the same result again is a no-op."""
    if posted.level != acceptance_level:
        return f"the acceptance is at {acceptance_level} level, the result is for {posted.level}"
    if state in ("passed", "failed"):
        if recorded == posted:
            return None
        return f"a different result was already recorded ({state})"
    if state != "district_reviewed":
        return f"the acceptance is {state}; a result needs the district review (复核) passed first"
    return None
