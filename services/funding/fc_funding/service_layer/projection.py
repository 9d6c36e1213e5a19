"""Funding's projection of registry projects, kept from the snapshot every fc.project.* event carries."""
from __future__ import annotations

from sqlalchemy import delete, select

from fc_shared.contracts import ProjectSnapshot, record_project_snapshot
from fc_shared.db import insert_ignore
from fc_shared.event_models import AcceptancePassed
from fc_shared.events import Event
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import parked_events, projects
from . import ledger


async def record_snapshot(uow: UnitOfWork, data: ProjectSnapshot | dict) -> ProjectSnapshot:
    return await record_project_snapshot(uow.session, projects, data)


async def park(uow: UnitOfWork, project_id: str, event: Event) -> None:
    """Keep an event about a project funding has not seen yet; it runs when the project arrives."""
    await insert_ignore(uow.session, parked_events, {
        "event_id": event.id, "project_id": project_id, "type": event.type, "payload": event.to_json(),
        "parked_at": utcnow()}, key=["event_id"])


async def replay_parked(uow: UnitOfWork, project_id: str) -> None:
    rows = (await uow.session.execute(select(parked_events).where(parked_events.c.project_id == project_id)
                                      .order_by(parked_events.c.parked_at, parked_events.c.event_id))).all()
    for row in rows:
        event = Event.from_json(row.payload)
        project = await ledger.lock_project(uow, project_id)
        if event.type == "fc.acceptance.passed":
            await ledger.settle_acceptance(uow, project, AcceptancePassed.of(event).model_dump(mode="json"), event.id)
        await uow.session.execute(delete(parked_events).where(parked_events.c.event_id == row.event_id))


async def replay_arrived(uow: UnitOfWork) -> None:
    """Replay parked events whose project has arrived meanwhile (parked on another replica during its commit)."""
    waiting = (await uow.session.execute(
        select(parked_events.c.project_id).distinct()
        .join(projects, projects.c.id == parked_events.c.project_id))).scalars().all()
    for project_id in waiting:
        await replay_parked(uow, project_id)
