"""Helpers every registry use case shares: today's date, street scoping, the project snapshot."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from fc_shared.auth import Principal
from fc_shared.db import insert_ignore
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import deadlines, projects
from ..domain.deadlines import next_alert_on

SNAPSHOT_FIELDS = ("name", "street_code", "type", "target_level", "state", "accepted_level", "community_ids",
                   "approved_on", "creation_deadline", "task_year", "version")


def check_street_access(principal: Principal, street_code: str) -> None:
    if not principal.can_see_street(street_code):
        raise Problem(403, "Forbidden", "a street may only act on its own street's data", type_="forbidden-street")


def snapshot(row: Any) -> dict[str, Any]:
    """The project snapshot every fc.project.* event carries (fc_shared.contracts.ProjectSnapshot)."""
    data = row if isinstance(row, dict) else dict(row._mapping)
    return {"project_id": data["id"], **{k: data.get(k) for k in SNAPSHOT_FIELDS}}


async def load_project(uow: UnitOfWork, project_id: str, principal: Principal | None = None) -> dict[str, Any]:
    row = (await uow.session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None or (principal is not None and not principal.can_see_street(row.street_code)):
        raise Problem(404, "Not Found", "no such project", type_="not-found")
    return dict(row._mapping)


async def save_project(uow: UnitOfWork, project: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Optimistic concurrency: the update only lands if nobody changed the project since it was read."""
    result = await uow.session.execute(
        update(projects).where(projects.c.id == project["id"], projects.c.version == project["version"])
        .values(**changes, version=project["version"] + 1, updated_at=utcnow()))
    if result.rowcount != 1:
        raise Problem(409, "Concurrent change", "the project changed meanwhile; read it again and retry",
                      type_="concurrent-update")
    return {**project, **changes, "version": project["version"] + 1}


async def add_deadline(uow: UnitOfWork, key: str, kind: str, due_on: date, thresholds: tuple[int, ...], *,
                       project_id: str | None = None, street_code: str | None = None,
                       resolved: bool = False) -> bool:
    """Start following a deadline; a deadline is followed once, so a known key is left alone."""
    return await insert_ignore(uow.session, deadlines, {
        "key": key, "kind": kind, "project_id": project_id, "street_code": street_code, "due_on": due_on,
        "next_alert_on": None if resolved else (due_on if kind == "year_end" else next_alert_on(due_on, None, thresholds)),
        "last_threshold": None,
        "resolved_at": utcnow() if resolved else None, "created_at": utcnow()}, key=["key"])


async def resolve_deadline(uow: UnitOfWork, key: str) -> None:
    await uow.session.execute(update(deadlines).where(deadlines.c.key == key, deadlines.c.resolved_at.is_(None))
                              .values(resolved_at=utcnow(), next_alert_on=None))


