"""Ledger routes: project, street and year money, the ledger and its export, year close, reversals, budgets."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fc_shared.app import RuntimeDep
from fc_shared.errors import Problem
from fc_shared.idempotency import IdempotencyKey, run_idempotent
from fc_shared.pagination import PageDep, fetch_page
from fc_shared.params import RowId, Year, YearQuery
from fc_shared.uow import UnitOfWork
from fc_shared.xlsx import XLSX_ROUTE, xlsx_response

from ..adapters.tables import ledger_entries
from ..service_layer import ledger, views
from .deps import Finance, FundReader, Reader
from .schemas import (
    BudgetIn,
    EntryKind,
    EntryPage,
    Income,
    IncomeIn,
    LedgerEntry,
    ProjectFunding,
    RepaymentIn,
    ReversalIn,
    StreetFunding,
    YearCloseResult,
    YearFunding,
)

router = APIRouter(prefix="/api/v1", tags=["funding"])

LEDGER_HEADERS = ("分录编号", "项目编号", "街道", "类别", "金额(元)", "金额(分)", "适用规则", "依据", "年度",
                  "来源事件", "冲销分录", "冲销原因", "记账时间")
LEDGER_HEADERS = (*LEDGER_HEADERS[:-1], "凭证号", "记账日期", LEDGER_HEADERS[-1])
KIND_ZH = {"approval": "核定", "interim": "预拨(年末70%)", "disbursement": "拨付", "recovery": "追回",
           "reward": "奖励", "repayment": "追回缴还", "offset": "抵扣追回"}


def entry_out(row) -> LedgerEntry:
    return LedgerEntry.model_validate(row._mapping)


@router.get("/projects/{project_id}/funding", response_model=ProjectFunding)
async def project_funding(project_id: str, runtime: RuntimeDep, principal: Reader):
    """Award, entitlement, paid and recoveries of one project, with every ledger entry and its rules."""
    async with runtime.sessions() as session:
        project = await views.visible_project(session, project_id, principal)
        funding = await views.project_funding(session, project)
    return ProjectFunding(**{**funding, "entries": [entry_out(r) for r in funding["entries"]]})


@router.get("/entries", response_model=EntryPage)
async def list_entries(runtime: RuntimeDep, principal: Reader, page: PageDep, project_id: str | None = None,
                       street_code: str | None = None, year: YearQuery = None, kind: EntryKind | None = None):
    """The ledger (台账), oldest first; per project, street, year or kind."""
    query = views.ledger_query(principal, project_id, street_code, year, kind)
    async with runtime.sessions() as session:
        items, cursor = await fetch_page(session, query, ledger_entries.c.id, page)
    return EntryPage(items=[entry_out(r) for r in items], next_cursor=cursor)


@router.get("/ledger.xlsx", **XLSX_ROUTE)
async def ledger_xlsx(runtime: RuntimeDep, principal: Reader, project_id: str | None = None,
                      street_code: str | None = None, year: YearQuery = None, kind: EntryKind | None = None):
    """The ledger as a spreadsheet with Chinese headers (资金台账)."""
    query = views.ledger_query(principal, project_id, street_code, year, kind)
    async with runtime.sessions() as session:
        rows = await views.ledger_export(session, query)
    data = [(r.id, r.project_id, r.street_code, KIND_ZH.get(r.kind, r.kind), f"{r.amount_fen / 100:.2f}",
             r.amount_fen, ",".join(r.rules), r.basis, r.year, r.source_event_id or "", r.reverses_entry_id or "",
             r.reason or "", r.reference or "", r.booked_on.isoformat() if r.booked_on else "",
             r.at.isoformat()) for r in rows]
    return xlsx_response("资金台账.xlsx", "资金台账", LEDGER_HEADERS, data)


@router.get("/streets/{street_code}/funding", response_model=StreetFunding)
async def street_funding(street_code: str, runtime: RuntimeDep, principal: Reader):
    """One street's money over all its projects."""
    views.street_filter(principal, street_code)
    async with runtime.sessions() as session:
        return StreetFunding(**await views.street_funding(session, street_code))


@router.get("/years/{year}/funding", response_model=YearFunding)
async def year_funding(year: Year, runtime: RuntimeDep, _: FundReader):
    """The district special fund in one year: budget, commitments (payments) and recoveries due."""
    async with runtime.sessions() as session:
        return YearFunding(**await views.year_funding(session, year))


@router.put("/years/{year}/budget", response_model=YearFunding)
async def set_budget(year: Year, body: BudgetIn, runtime: RuntimeDep, principal: Finance):
    """Finance sets the annual budget of the district special fund (区财政专项资金)."""
    async with runtime.uow() as uow:
        await ledger.set_budget(uow, year, body.budget_fen, body.note, principal.key)
        await uow.commit()
    async with runtime.sessions() as session:
        return YearFunding(**await views.year_funding(session, year))


@router.post("/years/{year}/close", response_model=YearCloseResult)
async def close_year(year: Year, request: Request, runtime: RuntimeDep, principal: Finance,
                     idempotency_key: IdempotencyKey = None):
    """F4: pay the year-end interim of every project whose task year ended unaccepted; idempotent."""
    if year >= runtime.clock.year():
        raise Problem(409, "Year not ended", f"{year} has not ended yet", type_="year-not-ended")

    async def effect(uow: UnitOfWork):
        await ledger.close_year(uow, year, principal.key)
        closed = await views.year_close(uow.session, year)
        return 200, YearCloseResult(**{**closed, "interims": [entry_out(r) for r in closed["interims"]]})

    return await run_idempotent(request, principal, idempotency_key, {"year": year}, runtime.uow, effect)


@router.post("/entries/{entry_id}/reversal", response_model=LedgerEntry, status_code=201)
async def reverse_entry(entry_id: RowId, body: ReversalIn, request: Request, runtime: RuntimeDep,
                        principal: Finance, idempotency_key: IdempotencyKey = None):
    """Correct the ledger by a reversing entry (冲销) with a reason; entries are never updated."""

    async def effect(uow: UnitOfWork):
        new_id = await ledger.reverse_entry(uow, entry_id, body.reason, principal.key)
        return 201, entry_out(await views.ledger_entry(uow.session, new_id))

    return await run_idempotent(request, principal, idempotency_key, body.model_dump(), runtime.uow, effect)


@router.post("/projects/{project_id}/repayments", response_model=LedgerEntry, status_code=201)
async def record_repayment(project_id: str, body: RepaymentIn, request: Request, runtime: RuntimeDep,
                           principal: Finance, idempotency_key: IdempotencyKey = None):
    """追回: finance records the street's repayment of a recovery; more than is still owed is refused (422)."""

    async def effect(uow: UnitOfWork):
        new_id = await ledger.record_repayment(uow, project_id, amount_fen=body.amount_fen, repaid_on=body.repaid_on,
                                               reference=body.reference, by=principal.key)
        return 201, entry_out(await views.ledger_entry(uow.session, new_id))

    return await run_idempotent(request, principal, idempotency_key, {"project_id": project_id,
                                                                       **body.model_dump(mode="json")},
                                runtime.uow, effect)


@router.post("/years/{year}/income", response_model=YearFunding, status_code=201)
async def record_income(year: Year, body: IncomeIn, request: Request, runtime: RuntimeDep, principal: Finance,
                        idempotency_key: IdempotencyKey = None):
    """§5.3: finance records a higher-level special subsidy (上级专项补助) received into the district fund."""

    async def effect(uow: UnitOfWork):
        await views.record_income(uow, year, amount_fen=body.amount_fen, received_on=body.received_on,
                                  source=body.source, reference=body.reference, note=body.note, by=principal.key)
        return 201, YearFunding(**await views.year_funding(uow.session, year))

    return await run_idempotent(request, principal, idempotency_key, {"year": year, **body.model_dump(mode="json")},
                                runtime.uow, effect)
