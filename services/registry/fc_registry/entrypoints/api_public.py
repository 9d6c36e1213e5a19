"""Public read API (§5.5 信息开放共享): no token, no personal data, no documents, no money details."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from fc_shared.params import IsoDate
from fc_shared.app import RuntimeDep
from fc_shared.errors import Problem
from fc_shared.pagination import Page, PageDep, fetch_page, filtered

from ..adapters.tables import bulletins, communities, projects, streets
from ..domain.projects import ProjectType

router = APIRouter(prefix="/api/v1/public", tags=["public"])
PUBLIC_STATES = ("applied", "selected", "submitted", "approved", "accepting", "district_reviewed", "accepted", "named")


class PublicProject(BaseModel):
    id: str
    name: str
    street_code: str
    street_name: str
    type: str
    target_level: str
    stage: str
    accepted_level: str | None
    applied_on: IsoDate | None
    approved_on: IsoDate | None
    creation_deadline: IsoDate | None
    accepted_on: IsoDate | None
    named_on: IsoDate | None


class PublicCommunity(BaseModel):
    id: str
    name: str
    street_code: str
    street_name: str
    area_ha: float
    project_id: str
    project_name: str
    named_on: IsoDate | None


class PublicBulletin(BaseModel):
    month: str
    ranking: list[dict]
    published_at: datetime


def _public_project(r) -> PublicProject:
    return PublicProject(id=r.id, name=r.name, street_code=r.street_code, street_name=r.street_name, type=r.type,
                         target_level=r.target_level, stage=r.state, accepted_level=r.accepted_level,
                         applied_on=r.applied_on, approved_on=r.approved_on, creation_deadline=r.creation_deadline,
                         accepted_on=r.accepted_on, named_on=r.named_on)


def _project_query():
    return (select(projects, streets.c.name.label("street_name"))
            .join(streets, streets.c.code == projects.c.street_code).where(projects.c.state.in_(PUBLIC_STATES)))


@router.get("/projects", response_model=Page[PublicProject])
async def public_projects(runtime: RuntimeDep, page: PageDep, street_code: str | None = None,
                          stage: Annotated[str | None, Query(pattern="^(" + "|".join(PUBLIC_STATES) + ")$")] = None,
                          type: ProjectType | None = None):
    """Projects from application on (drafts, withdrawn and rejected applications are not public)."""
    query = _project_query()
    query = filtered(query, {projects.c.street_code: street_code, projects.c.state: stage, projects.c.type: type})
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, projects.c.id, page)
    return Page[PublicProject](items=[_public_project(r) for r in rows], next_cursor=nxt)


@router.get("/projects/{project_id}", response_model=PublicProject)
async def public_project(project_id: str, runtime: RuntimeDep):
    async with runtime.read_sessions() as session:
        row = (await session.execute(_project_query().where(projects.c.id == project_id))).first()
    if row is None:
        raise Problem(404, "Not Found", "no such public project", type_="not-found")
    return _public_project(row)


@router.get("/communities", response_model=Page[PublicCommunity])
async def named_communities(runtime: RuntimeDep, page: PageDep, street_code: str | None = None):
    """Communities named future communities (命名的未来社区)."""
    from ..adapters.tables import project_communities

    query = (select(communities.c.id, communities.c.name, communities.c.street_code, communities.c.area_ha,
                    streets.c.name.label("street_name"), projects.c.id.label("project_id"),
                    projects.c.name.label("project_name"), projects.c.named_on)
             .join(project_communities, project_communities.c.community_id == communities.c.id)
             .join(projects, projects.c.id == project_communities.c.project_id)
             .join(streets, streets.c.code == communities.c.street_code)
             .where(projects.c.named_level.is_not(None)))
    query = filtered(query, {communities.c.street_code: street_code})
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, communities.c.id, page)
    return Page[PublicCommunity](items=[PublicCommunity(**r._mapping) for r in rows], next_cursor=nxt)


@router.get("/bulletins", response_model=Page[PublicBulletin])
async def public_bulletins(runtime: RuntimeDep, page: PageDep):
    """Published monthly evaluation bulletins (每月评价通报), newest first."""
    query = select(bulletins)
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, bulletins.c.month, page, descending=True)
    return Page[PublicBulletin](items=[PublicBulletin(**r._mapping) for r in rows], next_cursor=nxt)


@router.get("/bulletins/{month}", response_model=PublicBulletin)
async def public_bulletin(month: str, runtime: RuntimeDep):
    async with runtime.read_sessions() as session:
        row = (await session.execute(select(bulletins).where(bulletins.c.month == month))).first()
    if row is None:
        raise Problem(404, "Not Found", "no bulletin published for that month", type_="not-found")
    return PublicBulletin(**row._mapping)
