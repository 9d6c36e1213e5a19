"""Helpers every registry use case shares: today's date, street scoping, the project snapshot."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update

from fc_shared.auth import Principal
from fc_shared.db import insert_ignore, insert_ignore_many
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import deadlines, fired_alerts, projects
from ..domain.deadlines import next_alert_on, year_end_check_on

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
    return await find_project(uow.session, project_id, principal)


_PROJECT_BY_ID = select(projects).where(projects.c.id == bindparam("project_id"))  # built once: its cache key too


async def find_project(session, project_id: str, principal: Principal | None = None) -> dict[str, Any]:
    """The project's row (404 when it does not exist or the principal's street may not see it)."""
    row = (await session.execute(_PROJECT_BY_ID, {"project_id": project_id})).first()
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


def deadline_row(key: str, kind: str, due_on: date, thresholds: tuple[int, ...], *, project_id: str | None = None,
                 street_code: str | None = None, resolved: bool = False) -> dict:
    """The row that starts following a deadline: its first alert falls due by the thresholds (a year end: on
    the check date); a deadline already met is followed resolved, with no alert to come."""
    now = utcnow()
    return {"key": key, "kind": kind, "project_id": project_id, "street_code": street_code, "due_on": due_on,
            "next_alert_on": None if resolved else (year_end_check_on(due_on) if kind == "year_end"
                                                    else next_alert_on(due_on, None, thresholds)),
            "last_threshold": None, "resolved_at": now if resolved else None, "created_at": now}


async def add_deadline(uow: UnitOfWork, key: str, kind: str, due_on: date, thresholds: tuple[int, ...], *,
                       project_id: str | None = None, street_code: str | None = None,
                       resolved: bool = False) -> bool:
    """Start following a deadline; a deadline is followed once, so a known key is left alone."""
    return await insert_ignore(uow.session, deadlines, deadline_row(
        key, kind, due_on, thresholds, project_id=project_id, street_code=street_code, resolved=resolved),
        key=["key"])


async def add_deadlines(uow: UnitOfWork, rows: list[dict]) -> None:
    """``add_deadline`` for many ``deadline_row``s in one statement; known keys are left alone."""
    await insert_ignore_many(uow.session, deadlines, rows, key=["key"])


async def resolve_deadline(uow: UnitOfWork, key: str) -> None:
    await uow.session.execute(update(deadlines).where(deadlines.c.key == key, deadlines.c.resolved_at.is_(None))
                              .values(resolved_at=utcnow(), next_alert_on=None))




PROJECT_DEADLINE_KINDS = ("creation", "plan_upload", "year_end")
YEAR_END_FIRED = -1  # fired_alerts.threshold / deadlines.last_threshold of the year-end announcement


async def move_deadline(uow: UnitOfWork, key: str, due_on: date, thresholds: tuple[int, ...]) -> None:
    """§4.6 按需调整: a deadline moved to a new date alerts afresh against it (its old alerts were for the old date)."""
    await uow.session.execute(delete(fired_alerts).where(fired_alerts.c.deadline_key == key))
    await uow.session.execute(update(deadlines).where(deadlines.c.key == key).values(
        due_on=due_on, last_threshold=None, resolved_at=None, next_alert_on=next_alert_on(due_on, None, thresholds)))


async def move_year_end(uow: UnitOfWork, key: str, year_end: date) -> None:
    """F4: a new task year moves the year-end check, unless the announcement was already made (it is made once)."""
    await uow.session.execute(update(deadlines).where(
        deadlines.c.key == key, deadlines.c.resolved_at.is_(None),
        or_(deadlines.c.last_threshold.is_(None), deadlines.c.last_threshold != YEAR_END_FIRED))
        .values(due_on=year_end, next_alert_on=year_end_check_on(year_end)))


async def stop_project_deadlines(uow: UnitOfWork, project_id: str) -> None:
    """A project that ends (cancelled, declined, withdrawn) stops alerting on its own deadlines."""
    await uow.session.execute(update(deadlines).where(
        deadlines.c.project_id == project_id, deadlines.c.kind.in_(PROJECT_DEADLINE_KINDS),
        deadlines.c.resolved_at.is_(None)).values(resolved_at=utcnow(), next_alert_on=None))


async def reopen_deadline(uow: UnitOfWork, key: str, thresholds: tuple[int, ...]) -> None:
    """A deadline met and then unmet again (a returned plan, §4.2) is followed again from where it stood."""
    row = (await uow.session.execute(select(deadlines).where(deadlines.c.key == key))).first()
    if row is None or row.resolved_at is None:
        return
    await uow.session.execute(update(deadlines).where(deadlines.c.key == key).values(
        resolved_at=None, next_alert_on=next_alert_on(row.due_on, row.last_threshold, thresholds)))
