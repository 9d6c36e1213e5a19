"""Inspection's projection of registry projects, kept from registry events."""
from __future__ import annotations

from sqlalchemy import insert, select, update

from fc_shared.events import Event
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import projects


async def on_project_created(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    exists = (await uow.session.execute(select(projects.c.id).where(projects.c.id == d["project_id"]))).first()
    values = {"street_code": d["street_code"], "type": d["type"], "target_level": d["target_level"],
              "state": d.get("state", "draft"), "community_ids": d["community_ids"], "updated_at": utcnow()}
    if exists:
        await uow.session.execute(update(projects).where(projects.c.id == d["project_id"]).values(**values))
    else:
        await uow.session.execute(insert(projects).values(id=d["project_id"], **values))
