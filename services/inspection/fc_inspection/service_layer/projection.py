"""Inspection's projections of registry and funding data, kept from their events (docs/EVENTS.md)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select, update

from fc_shared.contracts import record_project_snapshot
from fc_shared.db import upsert
from fc_shared.events import Event
from fc_shared.uow import UnitOfWork

from ..adapters.tables import (acceptances, capital_plans, expenditures, milestones, problems, project_states, projects,
                              streets)


def _day(value) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _event_day(uow: UnitOfWork, event: Event) -> date:
    """The district's date on which the event happened."""
    return uow.clock.day_of(datetime.fromisoformat(event.time.replace("Z", "+00:00"))) if event.time else uow.clock.today()


async def _know_street(uow: UnitOfWork, code: str, name: str | None = None) -> None:
    await upsert(uow.session, streets, {"code": code}, {"name": name} if name else {})


async def on_project_event(uow: UnitOfWork, event: Event) -> None:
    """Every fc.project.* event carries the snapshot: upsert it, and date the state it shows (for bulletins)."""
    snap = await record_project_snapshot(uow.session, projects, event.data)
    await _know_street(uow, snap.street_code)
    if snap.version is not None:
        on = _day(event.data.get("on")) or _day(event.data.get("created_on")) or _event_day(uow, event)
        await upsert(uow.session, project_states, {"project_id": snap.project_id, "version": snap.version},
                     {"state": snap.state, "effective_on": on})


async def on_project_cancelled(uow: UnitOfWork, event: Event) -> None:
    """撤销创建: an open acceptance of a cancelled project is closed; no result can reach it any more."""
    await on_project_event(uow, event)
    await uow.session.execute(update(acceptances).where(acceptances.c.open_project_id == event.data["project_id"])
                              .values(state="cancelled", open_project_id=None))


async def on_milestone_updated(uow: UnitOfWork, event: Event) -> None:
    await on_project_event(uow, event)
    d = event.data
    await upsert(uow.session, milestones, {"id": str(d["milestone_id"])}, {
        "project_id": d["project_id"], "street_code": d["street_code"], "title": d.get("title") or "",
        "planned_on": _day(d.get("planned_on")), "actual_on": _day(d.get("actual_on"))})


async def on_street_created(uow: UnitOfWork, event: Event) -> None:
    await _know_street(uow, event.data["street_code"], event.data.get("name"))


async def on_problem_opened(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    if not d.get("street_code"):
        return  # the district office's own problem of no project: no street's bulletin counts it
    await upsert(uow.session, problems, {"id": str(d["problem_id"])}, {
        "street_code": d["street_code"], "project_id": d.get("project_id"),
        "opened_on": _day(d.get("opened_on")) or _event_day(uow, event),
        "due_on": _day(d.get("due_on"))})
    await _know_street(uow, d["street_code"])


async def on_problem_closed(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    if not d.get("street_code"):
        return
    day = _day(d.get("closed_on")) or _event_day(uow, event)
    key = str(d["problem_id"])
    known = (await uow.session.execute(select(problems.c.id).where(problems.c.id == key))).first()
    if known:
        await uow.session.execute(update(problems).where(problems.c.id == key).values(closed_on=day))
    else:  # a close seen without its open (e.g. after a replay window): it was open until today
        await uow.session.execute(insert(problems).values(id=key, street_code=d["street_code"],
                                                          project_id=d.get("project_id"), opened_on=day, closed_on=day,
                                                          due_on=_day(d.get("due_on"))))
    await _know_street(uow, d["street_code"])


async def on_expenditure_reported(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    await upsert(uow.session, expenditures, {"event_id": event.id}, {
        "project_id": d["project_id"], "street_code": d["street_code"], "category": d["category"],
        "amount_fen": int(d["amount_fen"]), "eligible": bool(d["eligible"]),
        "reported_on": _day(d.get("reported_on")) or _event_day(uow, event)})


async def on_capital_plan_updated(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    await upsert(uow.session, capital_plans, {"project_id": d["project_id"]}, {
        "street_code": d["street_code"], "construction_total_fen": int(d["construction_total_fen"]),
        "operating_balance_fen": int(d["operating_balance_fen"]), "balanced": bool(d["balanced"])})

