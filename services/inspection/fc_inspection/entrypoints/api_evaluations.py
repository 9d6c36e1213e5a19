"""Inspection REST routes: projects (inspection's view), scenario catalogue, evaluations."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.errors import Problem
from fc_shared.pagination import Page, PageDep, fetch_page

from ..adapters.tables import evaluations
from ..service_layer import catalogue as cat_svc
from ..service_layer import evaluations as eval_svc
from ..service_layer.access import not_found, visible_project
from .deps import AnyRole, Office, ProjectReader, Viewer, Writer
from .schemas import CatalogueIn, CatalogueOut, EvaluationIn, EvaluationOut, Gap, ProjectView

router = APIRouter(prefix="/api/v1", tags=["inspection"])


@router.get("/projects/{project_id}", response_model=ProjectView)
async def project_view(project_id: str, runtime: RuntimeDep,
                       principal: Viewer):
    """Inspection's view of a project, from registry events."""
    async with runtime.sessions() as session:
        row = await visible_project(session, principal, project_id)
    return ProjectView(**{k: v for k, v in row._mapping.items() if k != "updated_at"})


@router.get("/scenario-catalogue", response_model=CatalogueOut, tags=["catalogue"])
async def current_catalogue(runtime: RuntimeDep, _: AnyRole):
    """The current nine-scenario catalogue (三化九场景): each indicator standard (标配) or optional (选配)."""
    async with runtime.sessions() as session:
        cat = await cat_svc.current_catalogue(session)
    return CatalogueOut(version=cat.version, **cat_svc.catalogue_document(cat))


@router.get("/scenario-catalogue/versions/{version}", response_model=CatalogueOut, tags=["catalogue"])
async def catalogue_version(version: Annotated[int, Path(ge=1, le=2**31 - 1)], runtime: RuntimeDep,
                            _: AnyRole):
    """An earlier (or the current) catalogue version, as evaluations recorded against it saw it."""
    async with runtime.sessions() as session:
        cat = await cat_svc.catalogue_version(session, version)
    if cat is None:
        raise not_found("catalogue version")
    return CatalogueOut(version=cat.version, **cat_svc.catalogue_document(cat))


@router.post("/scenario-catalogue", status_code=201, response_model=CatalogueOut, tags=["catalogue"])
async def publish_catalogue(body: CatalogueIn, runtime: RuntimeDep,
                            principal: Office):
    """Publish a new catalogue version (district office); earlier evaluations keep their version."""
    async with runtime.uow() as uow:
        orientations = ([o.model_dump() for o in body.orientations] if body.orientations is not None else
                        cat_svc.catalogue_document(await cat_svc.current_catalogue(uow.session))["orientations"])
        cat = await cat_svc.publish(uow, principal.key, orientations, [i.model_dump() for i in body.indicators])
        await uow.commit()
    return CatalogueOut(version=cat.version, **cat_svc.catalogue_document(cat))


def _evaluation_out(row) -> EvaluationOut:
    return EvaluationOut(id=row.id, project_id=row.project_id, street_code=row.street_code,
                         catalogue_version=row.catalogue_version, indicators=row.answers,
                         standard_met=row.standard_met, standard_total=row.standard_total,
                         all_standard_met=row.all_standard_met, gaps=[Gap(**g) for g in row.gaps],
                         recorded_at=row.recorded_at)


@router.post("/projects/{project_id}/evaluations", status_code=201, response_model=EvaluationOut,
             tags=["evaluations"])
async def record_evaluation(project_id: str, body: EvaluationIn, runtime: RuntimeDep,
                            principal: Writer):
    """Record a nine-scenario evaluation against the current catalogue (the street's self-assessment, or the office)."""
    async with runtime.uow() as uow:
        row = await eval_svc.record(uow, principal, project_id,
                                    {c: a.model_dump() for c, a in body.indicators.items()})
        await uow.commit()
    return _evaluation_out(SimpleNamespace(**row))


@router.get("/projects/{project_id}/evaluations", response_model=Page[EvaluationOut], tags=["evaluations"])
async def list_evaluations(project_id: str, runtime: RuntimeDep, page: PageDep, principal: ProjectReader):
    """A project's evaluations, newest first."""
    query = select(evaluations).where(evaluations.c.project_id == project_id)
    async with runtime.sessions() as session:
        await visible_project(session, principal, project_id)
        rows, nxt = await fetch_page(session, query, evaluations.c.seq, page, descending=True)
    return Page[EvaluationOut](items=[_evaluation_out(r) for r in rows], next_cursor=nxt)


@router.get("/projects/{project_id}/gap-report", response_model=EvaluationOut, tags=["evaluations"])
async def gap_report(project_id: str, runtime: RuntimeDep, principal: ProjectReader):
    """The latest evaluation with its gaps: standard (标配) indicators not yet met."""
    async with runtime.sessions() as session:
        await visible_project(session, principal, project_id)
        row = await eval_svc.latest_for(session, project_id)
    if row is None:
        raise Problem(404, "Not Found", "the project has no evaluation yet", type_="not-found")
    return _evaluation_out(row)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationOut, tags=["evaluations"])
async def get_evaluation(evaluation_id: str, runtime: RuntimeDep, principal: ProjectReader):
    async with runtime.sessions() as session:
        row = (await session.execute(select(evaluations).where(evaluations.c.id == evaluation_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise not_found("evaluation")
    return _evaluation_out(row)
