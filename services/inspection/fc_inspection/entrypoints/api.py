"""Inspection REST routes."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.auth import READ_ALL, Principal, require
from fc_shared.errors import Problem

from ..adapters.tables import projects

router = APIRouter(prefix="/api/v1", tags=["inspection"])


class ProjectView(BaseModel):
    id: str
    street_code: str
    state: str
    target_level: str


@router.get("/projects/{project_id}", response_model=ProjectView)
async def project_view(project_id: str, runtime: RuntimeDep,
                       principal: Annotated[Principal, require(*READ_ALL, "street", "department", "integration")]):
    """Inspection's view of a project, from registry events."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "inspection knows no such project")
    return ProjectView(id=row.id, street_code=row.street_code, state=row.state, target_level=row.target_level)
