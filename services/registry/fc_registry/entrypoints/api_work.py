"""Work summaries and problems (§5.1), deadlines, targets, the board (挂图作战), configuration, premises (§5.4)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from fc_shared.params import IsoDate, Year
from fc_shared.app import RuntimeDep
from fc_shared.db import is_sqlite
from fc_shared.errors import Problem
from fc_shared.pagination import Page, PageDep, fetch_page, filtered, page_in_memory
from fc_shared.xlsx import XLSX_ROUTE, xlsx_response

from ..adapters.tables import deadlines, lease_requests, problems, streets, work_summaries
from ..domain.dates import days_left
from ..domain.summaries import PERIODS, overdue_periods
from ..service_layer import premises as premises_svc
from ..service_layer import watcher
from ..service_layer import work as svc
from ..service_layer.config import RegistryConfig, get_config, update_config
from ..service_layer.views import board as build_board
from ..service_layer.views import targets as build_targets
from .deps import Office, ProblemCloser, Reader, Today, Writer
from .schemas import (
    Day,
    BoardRow,
    CloseIn,
    ConfigPatch,
    DeadlineOut,
    LeaseDecisionIn,
    LeaseRequestIn,
    LeaseRequestOut,
    OverdueSummary,
    Period,
    ProblemIn,
    ProblemOut,
    ScanIn,
    ScanOut,
    SpecialPlanIn,
    SpecialPlanOut,
    SummaryIn,
    SummaryOut,
    Targets,
)

router = APIRouter(prefix="/api/v1", tags=["work"])
Rag = Literal["red", "amber", "green"]


def _problem_out(row, as_of: IsoDate) -> ProblemOut:
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    return ProblemOut(**data, overdue=data["state"] == "open" and data["due_on"] is not None and data["due_on"] < as_of)


# --- work summaries and problems -------------------------------------------------------------

@router.post("/summaries", status_code=201, response_model=SummaryOut)
async def file_summary(body: SummaryIn, runtime: RuntimeDep, principal: Writer):
    """A weekly, half-monthly or monthly work summary with problem, work and innovation lists (§5.1)."""
    async with runtime.uow() as uow:
        row, opened = await svc.file_summary(uow, principal, body.model_dump())
        await uow.commit()
    return SummaryOut(**row, problem_ids=[p["id"] for p in opened])


@router.get("/summaries", response_model=Page[SummaryOut])
async def list_summaries(runtime: RuntimeDep, page: PageDep, principal: Reader, street_code: str | None = None,
                         period: Period | None = None, start_from: IsoDate | None = None, start_to: IsoDate | None = None):
    query = select(work_summaries)
    if principal.role == "street":
        query = query.where(work_summaries.c.street_code == principal.street_code)
    query = filtered(query, {work_summaries.c.street_code: street_code, work_summaries.c.period: period},
                     [(work_summaries.c.period_start, start_from, start_to)])
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, work_summaries.c.id, page)
        ids = [r.id for r in rows]
        linked = (await session.execute(select(problems.c.id, problems.c.summary_id)
                                        .where(problems.c.summary_id.in_(ids)))).all() if ids else []
    by_summary: dict[str, list[str]] = {}
    for p in linked:
        by_summary.setdefault(p.summary_id, []).append(p.id)
    return Page[SummaryOut](items=[SummaryOut(**r._mapping, problem_ids=by_summary.get(r.id, [])) for r in rows],
                            next_cursor=nxt)


@router.get("/summaries/overdue", response_model=list[OverdueSummary])
async def overdue_summaries(runtime: RuntimeDep, principal: Reader, today: Today, as_of: Day | None = None,
                            street_code: str | None = None, period: Period | None = None):
    """Summaries missing after their period (since each street was registered)."""
    as_of = as_of or today
    async with runtime.read_sessions() as session:
        cfg = await get_config(session)
        query = select(streets)
        if principal.role == "street":
            query = query.where(streets.c.code == principal.street_code)
        if street_code:
            query = query.where(streets.c.code == street_code)
        street_rows = (await session.execute(query.order_by(streets.c.code))).all()
        filed = (await session.execute(select(work_summaries.c.street_code, work_summaries.c.period,
                                              work_summaries.c.period_start))).all()
    filed_set: dict[tuple[str, str], set[IsoDate]] = {}
    for f in filed:
        filed_set.setdefault((f.street_code, f.period), set()).add(f.period_start)
    out = []
    for s in street_rows:
        for p in [period] if period else PERIODS:
            for start, end, due in overdue_periods(p, s.created_on, as_of, filed_set.get((s.code, p), set()),
                                                   cfg.summary_grace_days):
                out.append(OverdueSummary(street_code=s.code, period=p, period_start=start, period_end=end, due_on=due))
    return out


@router.post("/problems", status_code=201, response_model=ProblemOut)
async def create_problem(body: ProblemIn, runtime: RuntimeDep, principal: Writer, today: Today):
    async with runtime.uow() as uow:
        row = await svc.create_problem(uow, principal, body.model_dump())
        await uow.commit()
    return _problem_out(row, today)


@router.get("/problems", response_model=Page[ProblemOut])
async def list_problems(runtime: RuntimeDep, page: PageDep, principal: Reader, today: Today,
                        street_code: str | None = None, project_id: str | None = None,
                        owner_department: str | None = None,
                        state: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
                        overdue: bool | None = None, as_of: IsoDate | None = None):
    """问题清单: filterable by street, project, owner department, state and overdue (as of a date)."""
    as_of = as_of or today
    query = select(problems)
    if principal.role == "street":
        query = query.where(problems.c.street_code == principal.street_code)
    if principal.role == "department":
        query = query.where(problems.c.owner_department == principal.department_code)
    query = filtered(query, {problems.c.street_code: street_code, problems.c.project_id: project_id,
                             problems.c.owner_department: owner_department, problems.c.state: state})
    if overdue is True:
        query = query.where(problems.c.state == "open", problems.c.due_on < as_of)
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, problems.c.id, page)
    return Page[ProblemOut](items=[_problem_out(r, as_of) for r in rows], next_cursor=nxt)


@router.post("/problems/{problem_id}/close", response_model=ProblemOut)
async def close_problem(problem_id: str, body: CloseIn, runtime: RuntimeDep, today: Today,
                        principal: ProblemCloser):
    """Close a problem: the district office, its street or its owner department."""
    async with runtime.uow() as uow:
        row = await svc.close_problem(uow, principal, problem_id, body.note)
        await uow.commit()
    return _problem_out(row, today)


# --- deadlines, targets, special plan, configuration ----------------------------------------

@router.post("/deadlines/scan", response_model=ScanOut)
async def scan_deadlines(body: ScanIn, runtime: RuntimeDep, _: Office):
    """Run the deadline watcher as of a date; each alert fires once per deadline and threshold."""
    fired = await watcher.scan(runtime.uow, body.as_of, postgres=not is_sqlite(runtime.db_url))
    return ScanOut(as_of=body.as_of, fired=fired)


@router.get("/deadlines", response_model=Page[DeadlineOut])
async def list_deadlines(runtime: RuntimeDep, page: PageDep, principal: Reader, today: Today,
                         as_of: IsoDate | None = None, kind: str | None = None, street_code: str | None = None,
                         project_id: str | None = None, include_resolved: bool = False, breached: bool | None = None):
    """Followed deadlines; a breach stays listed until it is resolved."""
    as_of = as_of or today
    query = select(deadlines)
    if principal.role == "street":
        query = query.where((deadlines.c.street_code == principal.street_code) | deadlines.c.street_code.is_(None))
    query = filtered(query, {deadlines.c.kind: kind, deadlines.c.street_code: street_code,
                             deadlines.c.project_id: project_id})
    if not include_resolved:
        query = query.where(deadlines.c.resolved_at.is_(None))
    if breached is True:
        query = query.where(deadlines.c.due_on < as_of)
    elif breached is False:
        query = query.where(deadlines.c.due_on >= as_of)
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, deadlines.c.key, page)
    return Page[DeadlineOut](items=[DeadlineOut(
        key=r.key, kind=r.kind, project_id=r.project_id, street_code=r.street_code, due_on=r.due_on,
        days_left=days_left(r.due_on, as_of), breached=r.due_on < as_of and r.resolved_at is None,
        resolved=r.resolved_at is not None) for r in rows], next_cursor=nxt)


@router.get("/targets", response_model=Targets)
async def get_targets(runtime: RuntimeDep, _: Reader, today: Today,
                      year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                      as_of: IsoDate | None = None):
    """Programme targets (§3, §5.2) and their status: coverage, pipeline, special plan."""
    as_of = as_of or today
    async with runtime.read_sessions() as session:
        cfg = await get_config(session)
        return await build_targets(session, cfg, year or as_of.year, as_of)


@router.put("/special-plans/{year}", response_model=SpecialPlanOut)
async def record_special_plan(year: Year, body: SpecialPlanIn,
                              runtime: RuntimeDep, principal: Office, today: Today):
    """Record when the special plan (专项规划) was published and approved (§5.2)."""
    async with runtime.uow() as uow:
        row = await svc.record_special_plan(uow, year, body.published_on, body.approved_on, principal.key, today)
        await uow.commit()
    return SpecialPlanOut(**row)


@router.get("/config", response_model=RegistryConfig)
async def read_config(runtime: RuntimeDep, _: Reader):
    async with runtime.read_sessions() as session:
        return await get_config(session)


@router.patch("/config", response_model=RegistryConfig)
async def change_config(body: ConfigPatch, runtime: RuntimeDep, principal: Office):
    """Change the configurable parameters (thresholds, scope band, target dates …) without a code change."""
    async with runtime.uow() as uow:
        try:
            cfg = await update_config(uow, body.model_dump(exclude_none=True), principal.key)
        except ValueError as exc:
            raise Problem(422, "Invalid configuration", str(exc), type_="invalid-configuration") from None
        await uow.commit()
    return cfg


# --- board ------------------------------------------------------------------------------------

BOARD_HEADERS = ("项目编号", "项目名称", "街道", "类型", "目标级别", "阶段", "验收级别", "批复日期", "创建期限",
                 "任务年度", "下一节点", "节点日期", "剩余天数", "红黄绿")
TYPE_ZH = {"renovation": "旧改类", "new_build": "新建类·规划新建", "demolish_rebuild": "新建类·拆除重建"}
LEVEL_ZH = {"city": "市级", "province": "省级", None: ""}
STATE_ZH = {"draft": "草稿", "applied": "已申报", "selected": "已择优", "rejected": "未入选", "submitted": "已报省市",
            "approved": "已批复", "withdrawn": "已撤回", "accepting": "验收中", "district_reviewed": "区级复核通过",
            "accepted": "已验收", "named": "已命名"}
RAG_ZH = {"red": "红", "amber": "黄", "green": "绿"}


async def _board(runtime, principal, today, as_of, street_code, state, type, target_level, rag):
    async with runtime.read_sessions() as session:
        cfg = await get_config(session)
        return await build_board(session, principal, cfg, as_of or today, {
            "street_code": street_code, "state": state, "type": type, "target_level": target_level, "rag": rag})


@router.get("/board", response_model=Page[BoardRow])
async def get_board(runtime: RuntimeDep, principal: Reader, today: Today, page: PageDep, as_of: IsoDate | None = None,
                    street_code: str | None = None, state: str | None = None, type: str | None = None,
                    target_level: str | None = None, rag: Rag | None = None):
    """挂图作战: every project with stage, next time node, days left and red/amber/green.

    Red: breached or due within ``rag_red_days`` (default 7); amber: within ``rag_amber_days`` (30); else green.
    Its answer is kept while the database is unchanged (fc_registry.main.CACHED_READS).
    """
    rows = await _board(runtime, principal, today, as_of, street_code, state, type, target_level, rag)
    rows, nxt = page_in_memory(rows, page, key=lambda r: [r["street_code"], r["project_id"]])
    return Page[BoardRow](items=[BoardRow(**r) for r in rows], next_cursor=nxt)


@router.get("/board.xlsx", **XLSX_ROUTE)
async def get_board_xlsx(runtime: RuntimeDep, principal: Reader, today: Today, as_of: IsoDate | None = None,
                         street_code: str | None = None, state: str | None = None, type: str | None = None,
                         target_level: str | None = None, rag: Rag | None = None):
    """The board as a spreadsheet with Chinese column headers."""
    rows = await _board(runtime, principal, today, as_of, street_code, state, type, target_level, rag)
    return xlsx_response(f"挂图作战-{(as_of or today).isoformat()}.xlsx", "挂图作战", BOARD_HEADERS, [
        (r["project_id"], r["name"], r["street_code"], TYPE_ZH.get(r["type"], r["type"]),
         LEVEL_ZH.get(r["target_level"], r["target_level"]), STATE_ZH.get(r["state"], r["state"]),
         LEVEL_ZH.get(r["accepted_level"], r["accepted_level"]), r["approved_on"], r["creation_deadline"],
         r["task_year"], (r["next_node"] or {}).get("title", ""), (r["next_node"] or {}).get("due_on"),
         r["days_left"], RAG_ZH[r["rag"]]) for r in rows])


# --- state-owned premises (§5.4) --------------------------------------------------------------

@router.post("/premises-requests", status_code=201, response_model=LeaseRequestOut)
async def file_lease_request(body: LeaseRequestIn, runtime: RuntimeDep, principal: Writer, today: Today):
    """A street asks to lease a district state-owned property for a project (§5.4)."""
    async with runtime.uow() as uow:
        row = await premises_svc.file_request(uow, principal, body.model_dump(), today)
        await uow.commit()
    return LeaseRequestOut(**row)


@router.get("/premises-requests", response_model=Page[LeaseRequestOut])
async def list_lease_requests(runtime: RuntimeDep, page: PageDep, principal: Reader, street_code: str | None = None,
                              state: Annotated[str | None, Query(pattern="^(requested|offered|declined|withdrawn)$")] = None):
    query = select(lease_requests)
    if principal.role == "street":
        query = query.where(lease_requests.c.street_code == principal.street_code)
    query = filtered(query, {lease_requests.c.street_code: street_code, lease_requests.c.state: state})
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, lease_requests.c.id, page)
    return Page[LeaseRequestOut](items=[LeaseRequestOut(**r._mapping) for r in rows], next_cursor=nxt)


@router.get("/premises-requests/{request_id}", response_model=LeaseRequestOut)
async def get_lease_request(request_id: str, runtime: RuntimeDep, principal: Reader):
    async with runtime.read_sessions() as session:
        return LeaseRequestOut(**await premises_svc.load_request(session, principal, request_id))


@router.post("/premises-requests/{request_id}/decision", response_model=LeaseRequestOut)
async def decide_lease_request(request_id: str, body: LeaseDecisionIn, runtime: RuntimeDep, principal: Office,
                               today: Today):
    """The district office records the owning state enterprise's answer (offered with terms / declined)."""
    async with runtime.uow() as uow:
        row = await premises_svc.decide(uow, principal, request_id, body.model_dump(), today)
        await uow.commit()
    return LeaseRequestOut(**row)


@router.post("/premises-requests/{request_id}/withdraw", response_model=LeaseRequestOut)
async def withdraw_lease_request(request_id: str, runtime: RuntimeDep, principal: Writer, today: Today):
    async with runtime.uow() as uow:
        row = await premises_svc.withdraw(uow, principal, request_id, today)
        await uow.commit()
    return LeaseRequestOut(**row)
