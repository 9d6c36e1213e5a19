"""Event payload contracts shared by producers and consumers (the written-down-once part of the API).

Every ``fc.project.*`` event carries the project snapshot (``fc_shared.event_models.ProjectSnapshot``,
re-exported here) in ``data`` plus its own fields, so any consumer can keep its projection from whichever
project event it sees first; the payload model of every type is in ``fc_shared.event_models``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_

from .event_models import EXPENSE_CATEGORIES, ProjectSnapshot

__all__ = ["EXPENSE_CATEGORIES", "ProjectSnapshot", "eligible_expenditure_fen", "project_projection_columns",
           "record_project_snapshot"]


def project_projection_columns() -> list:
    """The columns of a projection of registry projects (one row per project, from its snapshot)."""
    from sqlalchemy import JSON, Column, Date, Integer, String

    from .db import UtcDateTime

    return [
        Column("id", String(36), primary_key=True),
        Column("name", String(200), nullable=False, default=""),
        Column("street_code", String(40), nullable=False, index=True),
        Column("type", String(30), nullable=False),
        Column("target_level", String(20), nullable=False),
        Column("state", String(30), nullable=False),
        Column("accepted_level", String(20), nullable=True),
        Column("approved_on", Date, nullable=True),
        Column("creation_deadline", Date, nullable=True),
        Column("task_year", Integer, nullable=True, index=True),
        Column("community_ids", JSON, nullable=False),
        Column("version", Integer, nullable=True),
        Column("updated_at", UtcDateTime(), nullable=False),
    ]


def _not_older(t, new):
    """An existing snapshot is replaced unless it is newer than the incoming one (registry's row version)."""
    return or_(t.c.version.is_(None), new.version.is_(None), t.c.version <= new.version)


async def record_project_snapshot(session, table, data: ProjectSnapshot | dict[str, Any]) -> ProjectSnapshot:
    """Upsert a project's snapshot into a projection; an older snapshot arriving late changes nothing."""
    from .db import upsert
    from .uow import utcnow

    snap = data if isinstance(data, ProjectSnapshot) else ProjectSnapshot.from_event_data(data)
    values = {k: getattr(snap, k) for k in ProjectSnapshot.model_fields if k != "project_id"} | {"updated_at": utcnow()}
    await upsert(session, table, {"id": snap.project_id}, values, only_if=_not_older)
    return snap


def eligible_expenditure_fen(by_category: dict[str, Any]) -> int:
    """§5.3: only consulting/design, construction and equipment count toward the award."""
    return sum(int(by_category.get(c) or 0) for c in EXPENSE_CATEGORIES)
