"""Funding REST routes: project/street/year views, ledger and its export, year close, reversals,
budgets, expenditures and capital plans."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Row

from fc_shared.money import Fen, PositiveFen
from fc_shared.app import RuntimeDep
from fc_shared.auth import READ_ALL, Principal, require
from fc_shared.db import upsert
from fc_shared.errors import Problem
from fc_shared.idempotency import IdempotencyKey, run_idempotent
from fc_shared.pagination import PageDep, page_of
from fc_shared.strict import InputModel
from fc_shared.params import IsoDate, RowId, Year, YearQuery
from fc_shared.uow import UnitOfWork, utcnow
from fc_shared.xlsx import xlsx_response

from ..adapters.tables import approvals, budgets, capital_plans, expenditures, ledger_entries, projects, year_closes
from ..domain import plans, rules
from ..service_layer import ledger

router = APIRouter(prefix="/api/v1", tags=["funding"])
EntryKind = Literal["approval", "interim", "disbursement", "recovery", "reward"]
Category = Literal[plans.EXPENDITURE_CATEGORIES]  # type: ignore[valid-type]

READERS = (*READ_ALL, "finance", "street")


class _In(InputModel):
    """A request body (fc_shared.strict: unknown fields and JSON types as documented)."""


class LedgerEntry(BaseModel):
    id: int
    project_id: str
    street_code: str
    kind: EntryKind
    amount_fen: int
    rules: list[str]
    basis: str
    year: int
    source_event_id: str | None = None
    reverses_entry_id: int | None = None
    reason: str | None = None
    at: datetime


class ProjectFunding(BaseModel):
    project_id: str
    street_code: str
    name: str
    target_level: str
    level_reached: str | None
    award_fen: int
    entitlement_fen: int
    paid_fen: int
    recovery_due_fen: int
    entries: list[LedgerEntry]


class StreetFunding(BaseModel):
    street_code: str
    projects: int
    award_fen: int
    entitlement_fen: int
    paid_fen: int
    recovery_due_fen: int
    eligible_expenditure_fen: int


class YearFunding(BaseModel):
    year: int
    closed: bool
    budget_fen: int | None
    committed_fen: int
    recovery_due_fen: int
    remaining_fen: int | None
    by_kind: dict[str, int]


class YearCloseResult(BaseModel):
    year: int
    closed_at: datetime
    interims: list[LedgerEntry]


class ReversalIn(_In):
    reason: str = Field(min_length=1, max_length=2000)


class BudgetIn(_In):
    budget_fen: Fen
    note: str = Field(default="", max_length=2000)


class ExpenditureIn(_In):
    category: Category
    amount_fen: PositiveFen
    reported_on: IsoDate
    note: str = Field(default="", max_length=2000)


class Expenditure(BaseModel):
    id: int
    project_id: str
    street_code: str
    category: str
    amount_fen: int
    eligible: bool
    reported_on: IsoDate
    note: str
    at: datetime


class ExpenditurePage(BaseModel):
    items: list[Expenditure]
    next_cursor: str | None = None
    total_fen: int
    eligible_fen: int
    by_category: dict[str, int]


class ConstructionBySource(_In):
    district_fund: Fen = 0
    higher_level_subsidy: Fen = 0
    department_funds: Fen = 0
    state_owned_capital: Fen = 0
    private_capital: Fen = 0


class CapitalPlanIn(_In):
    construction_cost_fen: ConstructionBySource
    operating_income_fen: Fen
    operating_cost_fen: Fen
    note: str = Field(default="", max_length=2000)


class CapitalPlan(BaseModel):
    project_id: str
    street_code: str
    construction_cost_fen: dict[str, int]
    construction_total_fen: int
    operating_income_fen: int
    operating_cost_fen: int
    operating_balance_fen: int
    balanced: bool
    note: str
    updated_at: datetime


Reader = Annotated[Principal, require(*READERS)]


async def _visible_project(session, project_id: str, principal: Principal) -> Row:
    row = (await session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "funding knows no such project", type_="unknown-project")
    return row


def _street_filter(principal: Principal, street_code: str | None) -> str | None:
    if principal.role == "street":
        if street_code not in (None, principal.street_code):
            raise Problem(403, "Forbidden", "a street sees only its own money", type_="forbidden-street")
        return principal.street_code
    return street_code


def _entry(row: Row) -> LedgerEntry:
    return LedgerEntry.model_validate(row._mapping)


async def _project_funding(session, project: Row) -> ProjectFunding:
    rows = (await session.execute(select(ledger_entries).where(ledger_entries.c.project_id == project.id)
                                  .order_by(ledger_entries.c.id))).all()
    latest = (await session.execute(select(approvals).where(approvals.c.project_id == project.id)
                                    .order_by(approvals.c.id.desc()).limit(1))).first()
    by_kind: dict[str, int] = {}
    for r in rows:
        by_kind[r.kind] = by_kind.get(r.kind, 0) + r.amount_fen
    paid, recovery_due = ledger.paid_and_recovery(by_kind)
    levels = (await session.execute(select(approvals.c.level).where(approvals.c.project_id == project.id))).scalars()
    return ProjectFunding(
        project_id=project.id, street_code=project.street_code, name=project.name or "",
        target_level=project.target_level, level_reached=rules.highest_level(levels),
        award_fen=latest.award_fen if latest else 0, entitlement_fen=latest.entitlement_fen if latest else 0,
        paid_fen=paid, recovery_due_fen=recovery_due, entries=[_entry(r) for r in rows])


@router.get("/projects/{project_id}/funding", response_model=ProjectFunding)
async def project_funding(project_id: str, runtime: RuntimeDep, principal: Reader):
    """Award, entitlement, paid and recoveries of one project, with every ledger entry and its rules."""
    async with runtime.sessions() as session:
        project = await _visible_project(session, project_id, principal)
        return await _project_funding(session, project)


def _entry_filters(principal: Principal, project_id, street_code, year, kind) -> list:
    where = []
    street = _street_filter(principal, street_code)
    if street:
        where.append(ledger_entries.c.street_code == street)
    if project_id:
        where.append(ledger_entries.c.project_id == project_id)
    if year is not None:
        where.append(ledger_entries.c.year == year)
    if kind:
        where.append(ledger_entries.c.kind == kind)
    return where


class EntryPage(BaseModel):
    items: list[LedgerEntry]
    next_cursor: str | None = None


@router.get("/entries", response_model=EntryPage)
async def list_entries(runtime: RuntimeDep, principal: Reader, page: PageDep, project_id: str | None = None,
                       street_code: str | None = None, year: YearQuery = None, kind: EntryKind | None = None):
    """The ledger (台账), oldest first; per project, street, year or kind."""
    where = _entry_filters(principal, project_id, street_code, year, kind)
    if page.after is not None:
        if not isinstance(page.after, int):
            raise Problem(400, "Bad cursor", "the cursor is not one this API issued", type_="bad-cursor")
        where.append(ledger_entries.c.id > page.after)
    async with runtime.sessions() as session:
        rows = (await session.execute(select(ledger_entries).where(*where).order_by(ledger_entries.c.id)
                                      .limit(page.limit + 1))).all()
    items, cursor = page_of(rows, page, key=lambda r: r.id)
    return EntryPage(items=[_entry(r) for r in items], next_cursor=cursor)


LEDGER_HEADERS = ("分录编号", "项目编号", "街道", "类别", "金额(元)", "金额(分)", "适用规则", "依据", "年度",
                  "来源事件", "冲销分录", "冲销原因", "记账时间")
KIND_ZH = {"approval": "核定", "interim": "预拨(年末70%)", "disbursement": "拨付", "recovery": "追回",
           "reward": "奖励"}


@router.get("/ledger.xlsx", response_class=Response,
            responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
async def ledger_xlsx(runtime: RuntimeDep, principal: Reader, project_id: str | None = None,
                      street_code: str | None = None, year: YearQuery = None, kind: EntryKind | None = None):
    """The ledger as a spreadsheet with Chinese headers (资金台账)."""
    where = _entry_filters(principal, project_id, street_code, year, kind)
    async with runtime.sessions() as session:
        rows = (await session.execute(select(ledger_entries).where(*where).order_by(ledger_entries.c.id)
                                      .limit(100_000))).all()
    data = [(r.id, r.project_id, r.street_code, KIND_ZH.get(r.kind, r.kind), f"{r.amount_fen / 100:.2f}",
             r.amount_fen, ",".join(r.rules), r.basis, r.year, r.source_event_id or "", r.reverses_entry_id or "",
             r.reason or "", r.at.isoformat()) for r in rows]
    return xlsx_response("资金台账.xlsx", "资金台账", LEDGER_HEADERS, data)


@router.get("/streets/{street_code}/funding", response_model=StreetFunding)
async def street_funding(street_code: str, runtime: RuntimeDep, principal: Reader):
    """One street's money over all its projects."""
    _street_filter(principal, street_code)
    async with runtime.sessions() as session:
        count = (await session.execute(select(func.count()).select_from(projects)
                                       .where(projects.c.street_code == street_code))).scalar_one()
        by_kind = await ledger.totals_by_kind(session, ledger_entries.c.street_code == street_code)
        latest = (select(approvals.c.project_id, func.max(approvals.c.id).label("id"))
                  .where(approvals.c.street_code == street_code).group_by(approvals.c.project_id).subquery())
        award, entitlement = (await session.execute(
            select(func.coalesce(func.sum(approvals.c.award_fen), 0),
                   func.coalesce(func.sum(approvals.c.entitlement_fen), 0))
            .join(latest, latest.c.id == approvals.c.id))).one()
        eligible = (await session.execute(select(func.coalesce(func.sum(expenditures.c.amount_fen), 0)).where(
            expenditures.c.street_code == street_code, expenditures.c.eligible.is_(True)))).scalar_one()
    paid, recovery_due = ledger.paid_and_recovery(by_kind)
    return StreetFunding(street_code=street_code, projects=count, award_fen=int(award),
                         entitlement_fen=int(entitlement), paid_fen=paid, recovery_due_fen=recovery_due,
                         eligible_expenditure_fen=int(eligible))


async def _year_funding(session, year: int) -> YearFunding:
    by_kind = await ledger.totals_by_kind(session, ledger_entries.c.year == year)
    budget = (await session.execute(select(budgets.c.budget_fen).where(budgets.c.year == year))).scalar()
    closed = (await session.execute(select(year_closes.c.year).where(year_closes.c.year == year))).first()
    committed, recovery_due = ledger.paid_and_recovery(by_kind)
    return YearFunding(year=year, closed=closed is not None, budget_fen=budget, committed_fen=committed,
                       recovery_due_fen=recovery_due, remaining_fen=None if budget is None else budget - committed,
                       by_kind=by_kind)


@router.get("/years/{year}/funding", response_model=YearFunding)
async def year_funding(year: Year, runtime: RuntimeDep, _: Annotated[Principal, require(*READ_ALL, "finance")]):
    """The district special fund in one year: budget, commitments (payments) and recoveries due."""
    async with runtime.sessions() as session:
        return await _year_funding(session, year)


@router.put("/years/{year}/budget", response_model=YearFunding)
async def set_budget(year: Year, body: BudgetIn, runtime: RuntimeDep,
                     principal: Annotated[Principal, require("finance")]):
    """Finance sets the annual budget of the district special fund (区财政专项资金)."""
    async with runtime.uow() as uow:
        await upsert(uow.session, budgets, {"year": year}, {"budget_fen": body.budget_fen, "note": body.note,
                                                            "set_by": principal.key, "set_at": utcnow()})
        await uow.commit()
    async with runtime.sessions() as session:
        return await _year_funding(session, year)


@router.post("/years/{year}/close", response_model=YearCloseResult)
async def close_year(year: Year, request: Request, runtime: RuntimeDep,
                     principal: Annotated[Principal, require("finance")], idempotency_key: IdempotencyKey = None):
    """F4: pay the year-end interim of every project whose task year ended unaccepted; idempotent."""
    if year >= runtime.clock.year():
        raise Problem(409, "Year not ended", f"{year} has not ended yet", type_="year-not-ended")

    async def effect(uow: UnitOfWork):
        await ledger.close_year(uow, year, principal.key)
        closed_at = (await uow.session.execute(select(year_closes.c.closed_at)
                                               .where(year_closes.c.year == year))).scalar_one()
        rows = (await uow.session.execute(select(ledger_entries).where(
            ledger_entries.c.year == year, ledger_entries.c.kind == "interim",
            ledger_entries.c.reverses_entry_id.is_(None)).order_by(ledger_entries.c.id))).all()
        return 200, YearCloseResult(year=year, closed_at=closed_at, interims=[_entry(r) for r in rows])

    return await run_idempotent(request, principal, idempotency_key, {"year": year}, runtime.uow, effect)


@router.post("/entries/{entry_id}/reversal", response_model=LedgerEntry, status_code=201)
async def reverse_entry(entry_id: RowId, body: ReversalIn, request: Request, runtime: RuntimeDep,
                        principal: Annotated[Principal, require("finance")], idempotency_key: IdempotencyKey = None):
    """Correct the ledger by a reversing entry (冲销) with a reason; entries are never updated."""

    async def effect(uow: UnitOfWork):
        new_id = await ledger.reverse_entry(uow, entry_id, body.reason, principal.key)
        row = (await uow.session.execute(select(ledger_entries).where(ledger_entries.c.id == new_id))).one()
        return 201, _entry(row)

    return await run_idempotent(request, principal, idempotency_key, body.model_dump(), runtime.uow, effect)


def _expenditure(row: Row) -> Expenditure:
    return Expenditure.model_validate(row._mapping)


@router.post("/projects/{project_id}/expenditures", response_model=Expenditure, status_code=201)
async def report_expenditure(project_id: str, body: ExpenditureIn, request: Request, runtime: RuntimeDep,
                             principal: Annotated[Principal, require("street", "district_office")],
                             idempotency_key: IdempotencyKey = None):
    """A street reports spending on its project by category; only §5.3 categories are eligible."""
    async with runtime.sessions() as session:
        await _visible_project(session, project_id, principal)

    async def effect(uow: UnitOfWork):
        project = await ledger.lock_project(uow, project_id)
        eligible = plans.is_eligible_category(body.category)
        result = await uow.session.execute(insert(expenditures).values(
            project_id=project_id, street_code=project.street_code, category=body.category,
            amount_fen=body.amount_fen, eligible=eligible, reported_on=body.reported_on, note=body.note,
            reported_by=principal.key, at=utcnow()))
        new_id = int(result.inserted_primary_key[0])
        uow.emit("fc.expenditure.reported", project_id, {
            "project_id": project_id, "street_code": project.street_code, "category": body.category,
            "amount_fen": body.amount_fen, "eligible": eligible, "reported_on": body.reported_on,
            "expenditure_id": new_id})
        row = (await uow.session.execute(select(expenditures).where(expenditures.c.id == new_id))).one()
        return 201, _expenditure(row)

    return await run_idempotent(request, principal, idempotency_key, body.model_dump(mode="json"),
                                runtime.uow, effect)


@router.get("/projects/{project_id}/expenditures", response_model=ExpenditurePage)
async def list_expenditures(project_id: str, runtime: RuntimeDep, principal: Reader, page: PageDep,
                            category: Category | None = None, eligible: bool | None = None,
                            reported_from: IsoDate | None = None, reported_to: IsoDate | None = None):
    """Reported expenditures of one project, with totals by category and the eligible total."""
    async with runtime.sessions() as session:
        await _visible_project(session, project_id, principal)
        totals = dict((await session.execute(
            select(expenditures.c.category, func.sum(expenditures.c.amount_fen))
            .where(expenditures.c.project_id == project_id).group_by(expenditures.c.category))).all())
        where = [expenditures.c.project_id == project_id]
        if category:
            where.append(expenditures.c.category == category)
        if eligible is not None:
            where.append(expenditures.c.eligible.is_(eligible))
        if reported_from:
            where.append(expenditures.c.reported_on >= reported_from)
        if reported_to:
            where.append(expenditures.c.reported_on <= reported_to)
        if page.after is not None:
            if not isinstance(page.after, int):
                raise Problem(400, "Bad cursor", "the cursor is not one this API issued", type_="bad-cursor")
            where.append(expenditures.c.id > page.after)
        rows = (await session.execute(select(expenditures).where(*where).order_by(expenditures.c.id)
                                      .limit(page.limit + 1))).all()
    items, cursor = page_of(rows, page, key=lambda r: r.id)
    by_category = {k: int(v) for k, v in totals.items()}
    return ExpenditurePage(items=[_expenditure(r) for r in items], next_cursor=cursor,
                           total_fen=sum(by_category.values()),
                           eligible_fen=sum(v for k, v in by_category.items() if plans.is_eligible_category(k)),
                           by_category=by_category)


def _capital_plan(row: Row) -> CapitalPlan:
    by_source = {s: int(getattr(row, f"{s}_fen")) for s in plans.CAPITAL_SOURCES}
    balance = plans.capital_balance(by_source, row.operating_income_fen, row.operating_cost_fen)
    return CapitalPlan(project_id=row.project_id, street_code=row.street_code, construction_cost_fen=by_source,
                       construction_total_fen=balance.construction_total_fen,
                       operating_income_fen=row.operating_income_fen, operating_cost_fen=row.operating_cost_fen,
                       operating_balance_fen=balance.operating_balance_fen, balanced=balance.balanced,
                       note=row.note, updated_at=row.updated_at)


@router.put("/projects/{project_id}/capital-plan", response_model=CapitalPlan)
async def set_capital_plan(project_id: str, body: CapitalPlanIn, runtime: RuntimeDep,
                           principal: Annotated[Principal, require("street", "district_office")]):
    """§4.5: construction cost by source and operating income against cost (资金平衡)."""
    async with runtime.uow() as uow:
        project = await _visible_project(uow.session, project_id, principal)
        by_source = body.construction_cost_fen.model_dump()
        await upsert(uow.session, capital_plans, {"project_id": project_id}, {
            "street_code": project.street_code, **{f"{s}_fen": v for s, v in by_source.items()},
            "operating_income_fen": body.operating_income_fen, "operating_cost_fen": body.operating_cost_fen,
            "note": body.note, "updated_by": principal.key, "updated_at": utcnow()})
        row = (await uow.session.execute(select(capital_plans)
                                         .where(capital_plans.c.project_id == project_id))).one()
        plan = _capital_plan(row)
        uow.emit("fc.capital_plan.updated", project_id, {
            "project_id": project_id, "street_code": project.street_code,
            "construction_total_fen": plan.construction_total_fen,
            "operating_balance_fen": plan.operating_balance_fen, "balanced": plan.balanced})
        await uow.commit()
    return plan


@router.get("/projects/{project_id}/capital-plan", response_model=CapitalPlan)
async def get_capital_plan(project_id: str, runtime: RuntimeDep, principal: Reader):
    """§4.5: the project's capital plan with its balance indicator."""
    async with runtime.sessions() as session:
        await _visible_project(session, project_id, principal)
        row = (await session.execute(select(capital_plans)
                                     .where(capital_plans.c.project_id == project_id))).first()
    if row is None:
        raise Problem(404, "Not Found", "this project has no capital plan yet", type_="no-capital-plan")
    return _capital_plan(row)
