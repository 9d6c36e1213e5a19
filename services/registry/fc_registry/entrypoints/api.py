"""Registry REST routes (thin: validate, authorise, call the service layer)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.auth import READ_ALL, Principal, require
from fc_shared.errors import Problem
from fc_shared.pagination import Page, PageDep, page_of

from ..adapters.tables import communities, projects, streets
from ..domain.projects import Level, ProjectType
from ..service_layer import projects as svc

router = APIRouter(prefix="/api/v1", tags=["registry"])
NonEmpty = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]


class StreetIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
    name: NonEmpty
    kind: Literal["subdistrict", "town"]


class StreetOut(BaseModel):
    code: str
    name: str
    kind: str


class Location(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class CommunityIn(BaseModel):
    street_code: NonEmpty
    name: NonEmpty
    area_ha: float = Field(gt=0, le=100000)
    population: int = Field(ge=0)
    households: int = Field(ge=0)
    elderly_share: float = Field(ge=0, le=1)
    children_share: float = Field(ge=0, le=1)
    needs: str = Field("", max_length=10000)
    features: str = Field("", max_length=10000)
    spatial_resources: str = Field("", max_length=10000)
    location: Location | None = None


class CommunityOut(BaseModel):
    id: str
    street_code: str
    name: str
    area_ha: float
    population: int
    households: int
    elderly_share: float
    children_share: float
    needs: str
    features: str
    spatial_resources: str
    location: Location | None


class ProjectIn(BaseModel):
    name: NonEmpty
    community_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(min_length=1, max_length=50)
    type: ProjectType
    target_level: Level
    area_ha: float = Field(gt=0, le=100000)
    life_circle_minutes: Literal[5, 10, 15]


class ProjectOut(BaseModel):
    id: str
    name: str
    state: str
    type: str
    target_level: str
    street_code: str
    community_ids: list[str]
    area_ha: float
    life_circle_minutes: int
    accepted_level: str | None = None
    approved_on: date | None = None
    creation_deadline: date | None = None
    task_year: int | None = None
    created_at: datetime
    warnings: list[str] = []


def _community_out(row) -> CommunityOut:
    data = dict(row._mapping)
    lat, lon = data.pop("lat"), data.pop("lon")
    return CommunityOut(**data, location=Location(lat=lat, lon=lon) if lat is not None else None)


@router.post("/streets", status_code=201, response_model=StreetOut)
async def create_street(body: StreetIn, runtime: RuntimeDep,
                        _: Annotated[Principal, require("district_office")]) -> StreetOut:
    async with runtime.uow() as uow:
        row = await svc.create_street(uow, body.code, body.name, body.kind)
        await uow.commit()
    return StreetOut(**row)


@router.get("/streets", response_model=Page[StreetOut])
async def list_streets(runtime: RuntimeDep, page: PageDep,
                       _: Annotated[Principal, require(*READ_ALL, "street", "department", "finance")]):
    query = select(streets).order_by(streets.c.code).limit(page.limit + 1)
    if page.after is not None:
        query = query.where(streets.c.code > str(page.after))
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    rows, nxt = page_of(rows, page, key=lambda r: r.code)
    return Page[StreetOut](items=[StreetOut(code=r.code, name=r.name, kind=r.kind) for r in rows], next_cursor=nxt)


@router.post("/communities", status_code=201, response_model=CommunityOut)
async def create_community(body: CommunityIn, runtime: RuntimeDep,
                           principal: Annotated[Principal, require("district_office", "street")]) -> CommunityOut:
    async with runtime.uow() as uow:
        row = await svc.create_community(uow, principal, body.model_dump())
        await uow.commit()
    return CommunityOut(**{k: v for k, v in row.items() if k not in ("lat", "lon", "created_at")},
                        location=body.location)


@router.get("/communities/{community_id}", response_model=CommunityOut)
async def get_community(community_id: str, runtime: RuntimeDep,
                        principal: Annotated[Principal, require(*READ_ALL, "street", "department", "finance")]):
    async with runtime.sessions() as session:
        row = (await session.execute(select(communities).where(communities.c.id == community_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "no such community")
    return _community_out(row)


@router.post("/projects", status_code=201, response_model=ProjectOut)
async def create_project(body: ProjectIn, runtime: RuntimeDep,
                         principal: Annotated[Principal, require("district_office", "street")]) -> ProjectOut:
    async with runtime.uow() as uow:
        row, warnings = await svc.create_project(uow, principal, body.model_dump(mode="json"))
        await uow.commit()
    return ProjectOut(**row, warnings=warnings)


@router.get("/projects/{project_id}", response_model=ProjectOut)
async def get_project(project_id: str, runtime: RuntimeDep,
                      principal: Annotated[Principal, require(*READ_ALL, "street", "department", "finance", "integration")]):
    async with runtime.sessions() as session:
        row = (await session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "no such project")
    return ProjectOut(**row._mapping)
