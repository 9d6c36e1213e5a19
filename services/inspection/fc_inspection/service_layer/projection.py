"""Inspection's projections of registry and funding data, kept from their events (docs/EVENTS.md)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update

from fc_shared.contracts import ProjectSnapshot, record_project_snapshot
from fc_shared.db import upsert
from fc_shared.event_models import (CapitalPlanUpdated, ExpenditureReported, ProblemClosed, ProblemOpened,
                                    ProjectCancelled, ProjectCreated, ProjectMilestoneUpdated, StreetCreated)
from fc_shared.events import Event
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import (acceptances, capital_plan_versions, capital_plans, expenditures, milestone_versions,
                              milestones, problems, project_states, projects, streets)


def _event_day(uow: UnitOfWork, event: Event) -> date:
    """The district's date on which the event happened."""
    return uow.clock.day_of(datetime.fromisoformat(event.time.replace("Z", "+00:00"))) if event.time else uow.clock.today()


def _recorded(uow: UnitOfWork, event: Event) -> dict[str, object]:
    """When the producing service recorded the change an event carries: the moment, and the district's day of it.

    The event's own time even with a pinned day (FC_TODAY), which only caps it: nothing is recorded after "today".
    (A bulletin reads these days against a month that ended before today, so capping changes no bulletin.)"""
    at = datetime.fromisoformat(event.time.replace("Z", "+00:00")) if event.time else utcnow()
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    day = at.astimezone(uow.clock.zone).date()
    if uow.clock.pinned is not None:
        day = min(day, uow.clock.pinned)
    return {"recorded_at": at, "recorded_on": day}


async def _know_street(uow: UnitOfWork, code: str, name: str | None = None) -> None:
    await upsert(uow.session, streets, {"code": code}, {"name": name} if name else {})


async def on_project_event(uow: UnitOfWork, event: Event) -> None:
    """Every fc.project.* event carries the snapshot: upsert it, and date the state it shows (for bulletins)."""
    snap = ProjectSnapshot.of(event)
    await record_project_snapshot(uow.session, projects, snap)
    await _know_street(uow, snap.street_code)
    if snap.version is not None:
        # The step's own day: a transition's `on`, a creation's `created_on`, else the day the event happened.
        on = getattr(snap, "on", None) or (snap.created_on if isinstance(snap, ProjectCreated) else None) \
            or _event_day(uow, event)
        await upsert(uow.session, project_states, {"project_id": snap.project_id, "version": snap.version},
                     {"state": snap.state, "effective_on": on})


async def on_project_cancelled(uow: UnitOfWork, event: Event) -> None:
    """撤销创建: an open acceptance of a cancelled project is closed; no result can reach it any more."""
    await on_project_event(uow, event)
    project_id = ProjectCancelled.of(event).project_id
    await uow.session.execute(update(acceptances).where(acceptances.c.open_project_id == project_id)
                              .values(state="cancelled", open_project_id=None))


async def on_milestone_updated(uow: UnitOfWork, event: Event) -> None:
    await on_project_event(uow, event)
    d = ProjectMilestoneUpdated.of(event)
    await upsert(uow.session, milestones, {"id": d.milestone_id}, {
        "project_id": d.project_id, "street_code": d.street_code, "title": d.title,
        "planned_on": d.planned_on, "actual_on": d.actual_on})
    await upsert(uow.session, milestone_versions, {"event_id": event.id}, {
        "milestone_id": d.milestone_id, "planned_on": d.planned_on, "actual_on": d.actual_on,
        **_recorded(uow, event)})


async def on_street_created(uow: UnitOfWork, event: Event) -> None:
    d = StreetCreated.of(event)
    await _know_street(uow, d.street_code, d.name)


async def on_problem_opened(uow: UnitOfWork, event: Event) -> None:
    d = ProblemOpened.of(event)
    if not d.street_code:
        return  # the district office's own problem of no project: no street's bulletin counts it
    await upsert(uow.session, problems, {"id": d.problem_id}, {
        "street_code": d.street_code, "project_id": d.project_id, "opened_on": d.opened_on, "due_on": d.due_on})
    await _know_street(uow, d.street_code)


async def on_problem_closed(uow: UnitOfWork, event: Event) -> None:
    d = ProblemClosed.of(event)
    if not d.street_code:
        return
    day = d.closed_on
    key = d.problem_id
    known = (await uow.session.execute(select(problems.c.id).where(problems.c.id == key))).first()
    if known:
        await uow.session.execute(update(problems).where(problems.c.id == key).values(closed_on=day))
    else:  # a close seen without its open (e.g. after a replay window): it was open until today
        await uow.session.execute(insert(problems).values(id=key, street_code=d.street_code,
                                                          project_id=d.project_id, opened_on=day, closed_on=day,
                                                          due_on=d.due_on))
    await _know_street(uow, d.street_code)


async def on_expenditure_reported(uow: UnitOfWork, event: Event) -> None:
    d = ExpenditureReported.of(event)
    await upsert(uow.session, expenditures, {"event_id": event.id}, {
        "project_id": d.project_id, "street_code": d.street_code, "category": d.category,
        "amount_fen": d.amount_fen, "eligible": d.eligible, "reported_on": d.reported_on})


async def on_capital_plan_updated(uow: UnitOfWork, event: Event) -> None:
    d = CapitalPlanUpdated.of(event)
    await upsert(uow.session, capital_plans, {"project_id": d.project_id}, {
        "street_code": d.street_code, "construction_total_fen": d.construction_total_fen,
        "operating_balance_fen": d.operating_balance_fen, "balanced": d.balanced})
    await upsert(uow.session, capital_plan_versions, {"event_id": event.id}, {
        "project_id": d.project_id, "street_code": d.street_code,
        "construction_total_fen": d.construction_total_fen, **_recorded(uow, event)})

