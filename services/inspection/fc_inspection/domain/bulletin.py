"""Monthly evaluation bulletin (每月评价通报) and annual assessment (年度专项工作考核), §5.6.

Score of a street for a month, out of 100 points (rounded half-up to 0.01)::

    score = 40 × stage + 20 × milestones + 20 × problems + 20 × spending

over the street's *active* projects as of the month's last day (every project created by then except
``rejected``, ``withdrawn``, ``declined`` and ``cancelled`` ones):

- stage: the mean stage reached on the month's last day (from each project's dated history: the state of
  its newest step dated on or before that day), each state ranked
  draft 0, applied 1, selected 2, submitted 3, approved 4, accepting 5,
  district_reviewed 6, accepted 7, named 8 — divided by 8 (0…1);
- milestones: milestones planned on or before the month's last day (the plan as recorded on that day)
  that were reached on or before their planned day ÷ milestones planned by then
  (1 when none was due yet: nothing is late);
- problems: problems opened by the month's end that were closed by then ÷
  problems opened by then (1 when none was opened);
- spending: eligible expenditure reported by the month's end ÷ the planned
  construction total of the street's capital plans as recorded on that day, capped at 1 (0 without a plan).

Problems open past their due date on the month's last day are shown beside the score
(``problems_overdue``); they are not a fifth term. Everything is read as of the month's last day, so a
bulletin of a past month does not change when later steps are recorded; a month is published only after
it has ended (409 before), and once (409 again).

A street with no active project scores 0. Streets are ranked by score (highest
first); equal scores share a rank (1, 2, 2, 4), listed by street code.

The annual assessment averages a street's scores over the year's published
bulletins (a bulletin that does not list the street counts 0) and ranks the
same way: ``fc_shared.assessment.annual_rollup``, the one formula funding also
shows beside the money.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fc_shared.assessment import competition_ranks, points

STAGE_RANK = {"draft": 0, "applied": 1, "selected": 2, "submitted": 3, "approved": 4, "accepting": 5,
              "district_reviewed": 6, "accepted": 7, "named": 8}
TOP_STAGE = 8
INACTIVE_STATES = ("rejected", "withdrawn", "declined", "cancelled")
WEIGHTS = {"stage": 40, "milestones": 20, "problems": 20, "spending": 20}


@dataclass(frozen=True)
class StreetProgress:
    street_code: str
    project_states: tuple[str, ...] = ()
    milestones_due: int = 0
    milestones_on_time: int = 0
    problems_opened: int = 0
    problems_closed: int = 0
    problems_overdue: int = 0
    spent_fen: int = 0
    planned_fen: int = 0


@dataclass(frozen=True)
class RankedStreet:
    street_code: str
    rank: int
    score: Decimal
    components: dict[str, Decimal] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)


def state_as_of(history: list[tuple[int, Any, str]], end: Any, current: str) -> str | None:
    """§5.6: a project's state on ``end`` from its dated steps (version, date, state); None if created later.

    A project known only from before dated steps were kept has no history: its current state is used."""
    if not history:
        return current
    reached = [(version, state) for version, on, state in history if on <= end]
    return max(reached)[1] if reached else None


def score_components(p: StreetProgress) -> dict[str, Fraction]:
    """§5.6: the four progress measures (stage reached, milestones on time, problems closed, spending vs plan), each 0…1."""
    active = [s for s in p.project_states if s not in INACTIVE_STATES]
    if not active:
        return {k: Fraction(0) for k in WEIGHTS}
    stage = Fraction(sum(STAGE_RANK.get(s, 0) for s in active), len(active) * TOP_STAGE)
    milestones = Fraction(p.milestones_on_time, p.milestones_due) if p.milestones_due else Fraction(1)
    problems = Fraction(p.problems_closed, p.problems_opened) if p.problems_opened else Fraction(1)
    spending = min(Fraction(1), Fraction(p.spent_fen, p.planned_fen)) if p.planned_fen > 0 else Fraction(0)
    return {"stage": stage, "milestones": milestones, "problems": problems, "spending": spending}


def street_score(p: StreetProgress) -> Fraction:
    """§5.6: score = 40·stage + 20·milestones + 20·problems + 20·spending (out of 100)."""
    parts = score_components(p)
    return sum((WEIGHTS[k] * parts[k] for k in WEIGHTS), Fraction(0))


def rank_streets(progress: list[StreetProgress]) -> list[RankedStreet]:
    """§5.6 每月评价通报: rank every street by its progress score."""
    by_code = {p.street_code: p for p in progress}
    scored = {p.street_code: points(street_score(p)) for p in progress}
    ranked = []
    for code, rank, score in competition_ranks(list(scored.items())):
        p = by_code[code]
        ranked.append(RankedStreet(
            street_code=code, rank=rank, score=score,
            components={k: points(WEIGHTS[k] * v) for k, v in score_components(p).items()},
            inputs={"active_projects": sum(1 for s in p.project_states if s not in INACTIVE_STATES),
                    "milestones_due": p.milestones_due, "milestones_on_time": p.milestones_on_time,
                    "problems_opened": p.problems_opened, "problems_closed": p.problems_closed,
                    "problems_overdue": p.problems_overdue,
                    "spent_fen": p.spent_fen, "planned_fen": p.planned_fen}))
    return ranked
