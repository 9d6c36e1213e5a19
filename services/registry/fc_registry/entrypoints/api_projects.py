"""Creation projects, the lifecycle, history and time nodes."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from fc_shared.params import IsoDate, YearQuery
from fc_shared.app import RuntimeDep
from fc_shared.pagination import Page, PageDep, fetch_page, filtered

from ..adapters.tables import milestones, project_communities, projects
from ..domain.lifecycle import STATES, allowed_actions
from ..domain.projects import Level, ProjectType
from ..service_layer import projects as svc
from ..service_layer.common import find_project, load_project
from ..service_layer.config import get_config
from .deps import Reader, Today, Writer
from .schemas import (
    HistoryOut,
    MilestoneIn,
    MilestoneOut,
    MilestonePatch,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    TransitionIn,
)

router = APIRouter(prefix="/api/v1", tags=["projects"])
StateFilter = Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$")]


def project_out(row: dict, role: str | None = None, warnings: list[str] | None = None) -> ProjectOut:
    return ProjectOut(**{k: v for k, v in row.items() if k in ProjectOut.model_fields},
                      creation_period_months=row["period_months"], creation_period_reason=row["period_reason"],
                      first_accepted_on=row.get("accepted_on"),
                      warnings=warnings or [], allowed_actions=allowed_actions(row["state"], role, row.get("accepted_level")))


@router.post("/projects", status_code=201, response_model=ProjectOut)
async def create_project(body: ProjectIn, runtime: RuntimeDep, principal: Writer, today: Today):
    """A creation project over one community or adjacent communities of one street (§4.4); scope warnings (§4.3)."""
    async with runtime.uow() as uow:
        cfg = await get_config(uow.session)
        row, warnings = await svc.create_project(uow, principal, body.model_dump(), cfg, today)
        await uow.commit()
    return project_out(row, principal.role, warnings)


@router.get("/projects", response_model=Page[ProjectOut])
async def list_projects(runtime: RuntimeDep, page: PageDep, principal: Reader, street_code: str | None = None,
                        state: StateFilter = None, type: ProjectType | None = None, target_level: Level | None = None,
                        accepted_level: Level | None = None, community_id: str | None = None,
                        task_year: YearQuery = None, approved_from: IsoDate | None = None,
                        approved_to: IsoDate | None = None, deadline_from: IsoDate | None = None,
                        deadline_to: IsoDate | None = None, name_contains: str | None = None):
    """Projects, filterable by street, state, type, level and dates; paginated by id."""
    query = select(projects)
    if principal.role == "street":
        query = query.where(projects.c.street_code == principal.street_code)
    query = filtered(query, {
        projects.c.street_code: street_code, projects.c.state: state, projects.c.type: type,
        projects.c.target_level: target_level, projects.c.accepted_level: accepted_level,
        projects.c.task_year: task_year}, [(projects.c.approved_on, approved_from, approved_to),
                                           (projects.c.creation_deadline, deadline_from, deadline_to)])
    if community_id:
        query = query.where(projects.c.id.in_(select(project_communities.c.project_id)
                                              .where(project_communities.c.community_id == community_id)))
    if name_contains:
        query = query.where(projects.c.name.contains(name_contains))
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, projects.c.id, page)
    return Page[ProjectOut](items=[project_out(dict(r._mapping), principal.role) for r in rows], next_cursor=nxt)


@router.get("/projects/{project_id}", response_model=ProjectOut)
async def get_project(project_id: str, runtime: RuntimeDep, principal: Reader):
    """One project; its answer is kept while the database is unchanged (fc_registry.main.CACHED_READS)."""
    async with runtime.read_sessions() as session:
        return project_out(await find_project(session, project_id, principal), principal.role)


@router.patch("/projects/{project_id}", response_model=ProjectOut)
async def update_project(project_id: str, body: ProjectPatch, runtime: RuntimeDep, principal: Writer):
    """Edit a project before approval (name, communities, type, level, area, creation period with reason)."""
    async with runtime.uow() as uow:
        cfg = await get_config(uow.session)
        row, warnings = await svc.update_project(uow, principal, project_id, body.model_dump(exclude_unset=True), cfg)
        await uow.commit()
    return project_out(row, principal.role, warnings)


@router.post("/projects/{project_id}/transitions", response_model=ProjectOut,
             responses={409: {"description": "not allowed in this state; `allowed_actions` lists what is"}})
async def transition(project_id: str, body: TransitionIn, runtime: RuntimeDep, principal: Writer, today: Today):
    """One lifecycle step (§4.2–§4.7); inspection-driven states move only from inspection events.

    approve/decline take `on`, `level`, `reference`; reschedule takes `creation_deadline` and a `note`;
    cancel takes a `note`; name takes `on` and `level`."""
    async with runtime.uow() as uow:
        cfg = await get_config(uow.session)
        row = await svc.transition(uow, principal, project_id, action=body.action, on=body.on, note=body.note,
                                   task_year=body.task_year, expected_version=body.expected_version, today=today,
                                   cfg=cfg, level=body.level, reference=body.reference,
                                   creation_deadline=body.creation_deadline)
        await uow.commit()
    return project_out(row, principal.role)


@router.get("/projects/{project_id}/history", response_model=list[HistoryOut])
async def project_history(project_id: str, runtime: RuntimeDep, principal: Reader):
    """Every transition: who, when, from, to, note."""
    async with runtime.uow() as uow:
        await load_project(uow, project_id, principal)
        return [HistoryOut(**r) for r in await svc.history(uow.session, project_id)]


@router.post("/projects/{project_id}/milestones", status_code=201, response_model=MilestoneOut)
async def add_milestone(project_id: str, body: MilestoneIn, runtime: RuntimeDep, principal: Writer):
    """A time node (时间节点) with its planned date and, once reached, its actual date."""
    async with runtime.uow() as uow:
        row = await svc.save_milestone(uow, principal, project_id, body.model_dump())
        await uow.commit()
    return MilestoneOut(**row)


@router.patch("/projects/{project_id}/milestones/{milestone_id}", response_model=MilestoneOut)
async def update_milestone(project_id: str, milestone_id: str, body: MilestonePatch, runtime: RuntimeDep,
                           principal: Writer):
    async with runtime.uow() as uow:
        row = await svc.save_milestone(uow, principal, project_id, body.model_dump(exclude_unset=True), milestone_id)
        await uow.commit()
    return MilestoneOut(**row)


@router.get("/projects/{project_id}/milestones", response_model=list[MilestoneOut])
async def list_milestones(project_id: str, runtime: RuntimeDep, principal: Reader):
    async with runtime.uow() as uow:
        await load_project(uow, project_id, principal)
        rows = (await uow.session.execute(select(milestones).where(milestones.c.project_id == project_id)
                                          .order_by(milestones.c.planned_on))).all()
    return [MilestoneOut(**r._mapping) for r in rows]
