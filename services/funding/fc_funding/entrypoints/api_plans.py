"""Plan routes: expenditure reports by category (§5.3) and capital plans with their balance (§4.5)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from fc_shared.app import RuntimeDep
from fc_shared.errors import Problem
from fc_shared.idempotency import IdempotencyKey, run_idempotent
from fc_shared.pagination import PageDep, fetch_page
from fc_shared.params import IsoDate
from fc_shared.uow import UnitOfWork

from ..adapters.tables import expenditures
from ..service_layer import plans as svc
from ..service_layer.views import visible_project
from .deps import Reader, Reporter
from .schemas import CapitalPlan, CapitalPlanIn, Category, Expenditure, ExpenditureIn, ExpenditurePage

router = APIRouter(prefix="/api/v1", tags=["funding"])


def expenditure_out(row) -> Expenditure:
    return Expenditure.model_validate(row._mapping)


@router.post("/projects/{project_id}/expenditures", response_model=Expenditure, status_code=201)
async def report_expenditure(project_id: str, body: ExpenditureIn, request: Request, runtime: RuntimeDep,
                             principal: Reporter, idempotency_key: IdempotencyKey = None):
    """A street reports spending on its project by category; only §5.3 categories are eligible."""
    async with runtime.sessions() as session:
        await visible_project(session, project_id, principal)

    async def effect(uow: UnitOfWork):
        return 201, expenditure_out(await svc.report_expenditure(uow, principal, project_id, **body.model_dump()))

    return await run_idempotent(request, principal, idempotency_key, body.model_dump(mode="json"),
                                runtime.uow, effect)


@router.get("/projects/{project_id}/expenditures", response_model=ExpenditurePage)
async def list_expenditures(project_id: str, runtime: RuntimeDep, principal: Reader, page: PageDep,
                            category: Category | None = None, eligible: bool | None = None,
                            reported_from: IsoDate | None = None, reported_to: IsoDate | None = None):
    """Reported expenditures of one project, with totals by category and the eligible total."""
    query = svc.expenditure_query(project_id, category, eligible, reported_from, reported_to)
    async with runtime.sessions() as session:
        await visible_project(session, project_id, principal)
        totals = await svc.expenditure_totals(session, project_id)
        items, cursor = await fetch_page(session, query, expenditures.c.id, page)
    return ExpenditurePage(items=[expenditure_out(r) for r in items], next_cursor=cursor, **totals)


@router.put("/projects/{project_id}/capital-plan", response_model=CapitalPlan)
async def set_capital_plan(project_id: str, body: CapitalPlanIn, runtime: RuntimeDep, principal: Reporter):
    """§4.5: construction cost by source and operating income against cost (资金平衡)."""
    async with runtime.uow() as uow:
        plan = await svc.set_capital_plan(uow, principal, project_id, **body.model_dump())
        await uow.commit()
    return CapitalPlan(**plan)


@router.get("/projects/{project_id}/capital-plan", response_model=CapitalPlan)
async def get_capital_plan(project_id: str, runtime: RuntimeDep, principal: Reader):
    """§4.5: the project's capital plan with its balance indicator."""
    async with runtime.sessions() as session:
        await visible_project(session, project_id, principal)
        row = await svc.capital_plan(session, project_id)
    if row is None:
        raise Problem(404, "Not Found", "this project has no capital plan yet", type_="no-capital-plan")
    return CapitalPlan(**svc.capital_plan_view(row))
