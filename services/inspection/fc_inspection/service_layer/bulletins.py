"""Monthly evaluation bulletins (每月评价通报, §5.6): computed from the projections, then frozen."""
from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fc_shared.assessment import annual_rollup
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import (bulletins, capital_plan_versions, capital_plans, expenditures, milestone_versions,
                              milestones, problems, project_states, projects, streets)
from ..domain.bulletin import StreetProgress, rank_streets, state_as_of


def month_end(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, calendar.monthrange(year, mon)[1])


async def _as_of(session, history, key, end: date) -> dict[str, Any]:
    """From a dated history (one row per event), each key's row as recorded on or before ``end``, or None if every
    row of the key was recorded after it. A key with no history at all (kept before the history was) is absent:
    the caller reads its latest value."""
    then: dict[str, Any] = {}
    for r in (await session.execute(select(history).order_by(history.c.recorded_at, history.c.event_id))).all():
        k = r._mapping[key.name]
        if r.recorded_on <= end:
            then[k] = r
        else:
            then.setdefault(k, None)
    return then


async def street_progress(session, end: date) -> list[StreetProgress]:
    """Every street inspection knows, with its progress inputs as of ``end``."""
    codes = {r.code for r in (await session.execute(select(streets.c.code))).all()}
    states: dict[str, list[str]] = defaultdict(list)
    dated: dict[str, list] = defaultdict(list)
    for r in (await session.execute(select(project_states).order_by(project_states.c.project_id,
                                                                    project_states.c.version))).all():
        dated[r.project_id].append(r)
    for r in (await session.execute(select(projects.c.id, projects.c.street_code, projects.c.state))).all():
        codes.add(r.street_code)
        state = state_as_of([(h.version, h.effective_on, h.state) for h in dated.get(r.id, [])], end, r.state)
        if state is not None:
            states[r.street_code].append(state)
    due: dict[str, int] = defaultdict(int)
    on_time: dict[str, int] = defaultdict(int)
    plans_then = await _as_of(session, milestone_versions, milestone_versions.c.milestone_id, end)
    for r in (await session.execute(select(milestones))).all():
        # The plan as registry had it on ``end`` (a plan recorded later does not count); the day it was reached
        # is a dated fact of its own, read as now known.
        then = plans_then.get(r.id, r)
        if then is None:  # recorded only after that day: not yet planned then
            continue
        planned_on = then.planned_on
        if planned_on is None or planned_on > end:
            continue
        due[r.street_code] += 1
        if r.actual_on is not None and r.actual_on <= planned_on:
            on_time[r.street_code] += 1
    opened: dict[str, int] = defaultdict(int)
    closed: dict[str, int] = defaultdict(int)
    overdue: dict[str, int] = defaultdict(int)
    for r in (await session.execute(select(problems).where(problems.c.opened_on <= end))).all():
        opened[r.street_code] += 1
        if r.closed_on is not None and r.closed_on <= end:
            closed[r.street_code] += 1
        elif r.due_on is not None and r.due_on < end:
            overdue[r.street_code] += 1
    spent = dict((await session.execute(
        select(expenditures.c.street_code, func.sum(expenditures.c.amount_fen))
        .where(expenditures.c.eligible.is_(True), expenditures.c.reported_on <= end)
        .group_by(expenditures.c.street_code))).all())
    planned: dict[str, int] = defaultdict(int)
    capital_then = await _as_of(session, capital_plan_versions, capital_plan_versions.c.project_id, end)
    for r in (await session.execute(select(capital_plans))).all():
        plan = capital_then.get(r.project_id, r)  # as funding had it on ``end``
        if plan is not None:
            planned[plan.street_code] += plan.construction_total_fen
    return [StreetProgress(street_code=c, project_states=tuple(states[c]), milestones_due=due[c],
                           milestones_on_time=on_time[c], problems_opened=opened[c], problems_closed=closed[c],
                           problems_overdue=overdue[c],
                           spent_fen=int(spent.get(c) or 0), planned_fen=int(planned.get(c) or 0))
            for c in sorted(codes)]


async def publish(uow: UnitOfWork, by: str, month: str) -> dict[str, Any]:
    """§5.6: a month's bulletin is computed as of its last day and published once the month has ended."""
    if month_end(month) >= uow.clock.today():
        raise Problem(409, "Month not ended", f"{month} ends on {month_end(month)}; its bulletin is published once "
                      "the month has ended", type_="month-not-ended")
    exists = (await uow.session.execute(select(bulletins.c.month).where(bulletins.c.month == month))).first()
    if exists:
        raise Problem(409, "Conflict", f"the bulletin for {month} is already published and cannot change",
                      type_="bulletin-published")
    ranked = rank_streets(await street_progress(uow.session, month_end(month)))
    ranking = [{"street_code": r.street_code, "rank": r.rank, "score": float(r.score),
                "components": {k: float(v) for k, v in r.components.items()}, "inputs": r.inputs} for r in ranked]
    row = {"month": month, "ranking": ranking, "published_by": by, "published_at": utcnow()}
    try:
        await uow.session.execute(bulletins.insert().values(**row))
    except IntegrityError:
        raise Problem(409, "Conflict", f"the bulletin for {month} is already published and cannot change",
                      type_="bulletin-published") from None
    uow.emit("fc.bulletin.published", f"bulletin-{month}", {
        "month": month, "ranking": [{k: e[k] for k in ("street_code", "rank", "score")} for e in ranking]})
    return row


async def annual(session, year: int) -> tuple[list[str], list[Any]]:
    """§5.6 年度考核: the year's published bulletins rolled up by the shared formula (funding shows the same)."""
    rows = (await session.execute(select(bulletins).where(bulletins.c.month.like(f"{year:04d}-%"))
                                  .order_by(bulletins.c.month))).all()
    months = [r.month for r in rows]
    data = {r.month: [(e["street_code"], e["rank"], Decimal(str(e["score"]))) for e in r.ranking] for r in rows}
    return months, annual_rollup(data)
