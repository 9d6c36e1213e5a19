"""Funding REST routes."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.auth import READ_ALL, Principal, require
from fc_shared.errors import Problem

from ..adapters.tables import projects

router = APIRouter(prefix="/api/v1", tags=["funding"])


class LedgerEntry(BaseModel):
    kind: str
    amount_fen: int
    rules: list[str]
    at: str


class ProjectFunding(BaseModel):
    project_id: str
    award_fen: int
    entitlement_fen: int
    paid_fen: int
    recovery_due_fen: int
    entries: list[LedgerEntry]


@router.get("/projects/{project_id}/funding", response_model=ProjectFunding)
async def project_funding(project_id: str, runtime: RuntimeDep,
                          principal: Annotated[Principal, require(*READ_ALL, "finance", "street")]):
    async with runtime.sessions() as session:
        row = (await session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "funding knows no such project")
    return ProjectFunding(project_id=project_id, award_fen=0, entitlement_fen=0, paid_fen=0, recovery_due_fen=0,
                          entries=[])
