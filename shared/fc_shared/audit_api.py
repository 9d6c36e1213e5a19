"""``/api/v1/audit``: read, verify and export the service's audit log (auditor and district office only)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select

from .auth import Principal, require
from .pagination import Page, PageDep, fetch_page
from .strict import IsoDateTime
from .xlsx import XLSX_ROUTE, xlsx_response

AUDIT_READERS = ("auditor", "district_office")
XLSX_MAX_ROWS = 100_000
XLSX_HEADERS = ("序号", "时间（UTC）", "操作人", "角色", "范围", "操作", "资源类型", "资源编号", "变更内容（字段: [原值, 新值]）",
                "请求编号", "接口", "哈希", "前一条哈希")
ACTION_ZH = {"create": "新增", "update": "修改", "delete": "删除"}


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    scope: str | None
    action: str
    resource: str
    resource_id: str | None
    changes: dict[str, list[Any]]
    request_id: str | None
    route: str | None
    hash: str
    prev_hash: str | None


class BrokenEntry(BaseModel):
    seq: int
    at: datetime
    reason: str


class AuditVerification(BaseModel):
    service: str
    ok: bool
    entries: int
    head: str | None
    first_broken: BrokenEntry | None


class AuditFilter(BaseModel):
    resource: str | None = None
    resource_id: str | None = None
    actor: str | None = None
    action: Literal["create", "update", "delete"] | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None

    def apply(self, query, table):
        for name in ("resource", "resource_id", "actor", "action"):
            if (value := getattr(self, name)) is not None:
                query = query.where(table.c[name] == value)
        if self.since is not None:
            query = query.where(table.c.at >= self.since)
        if self.until is not None:
            query = query.where(table.c.at < self.until)
        return query


def _filter(resource: str | None = None, resource_id: str | None = None, actor: str | None = None,
            action: Annotated[Literal["create", "update", "delete"] | None, Query()] = None,
            since: Annotated[IsoDateTime | None, Query(description="from this moment (inclusive)")] = None,
            until: Annotated[IsoDateTime | None, Query(description="before this moment")] = None) -> AuditFilter:
    return AuditFilter(resource=resource, resource_id=resource_id, actor=actor, action=action, since=since,
                       until=until)


FilterDep = Annotated[AuditFilter, Depends(_filter)]
AuditReader = Annotated[Principal, require(*AUDIT_READERS)]


def entry_out(row: Any) -> AuditEntryOut:
    data = dict(row._mapping)
    return AuditEntryOut(id=data["seq"], **{k: v for k, v in data.items() if k not in ("seq", "changes")},
                         changes=json.loads(data["changes"]))


def audit_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["audit"])

    @router.get("/audit", response_model=Page[AuditEntryOut])
    async def list_audit(request: Request, page: PageDep, filters: FilterDep, _: AuditReader):
        """Who changed what, when, from what to what — newest first; filter by resource, id, actor, action, time."""
        runtime = request.app.state.runtime
        table = runtime.spine.audit
        async with runtime.sessions() as session:
            rows, nxt = await fetch_page(session, filters.apply(select(table), table), table.c.seq, page,
                                         descending=True)
        return Page[AuditEntryOut](items=[entry_out(r) for r in rows], next_cursor=nxt)

    @router.get("/audit/verify", response_model=AuditVerification)
    async def verify_audit(request: Request, _: AuditReader):
        """Recompute the hash chain: whether it holds, how many entries it covered, the first broken entry."""
        from .audit import verify_chain

        runtime = request.app.state.runtime
        async with runtime.sessions() as session:
            result = await verify_chain(session, runtime.spine.audit,
                                        anchored=runtime.platform.audit_retention_days is None)
        return AuditVerification(service=runtime.name, **result)

    @router.get("/audit.xlsx", **XLSX_ROUTE)
    async def export_audit(request: Request, filters: FilterDep, _: AuditReader):
        """The filtered log as a spreadsheet with Chinese headers (newest first)."""
        runtime = request.app.state.runtime
        table = runtime.spine.audit
        query = filters.apply(select(table), table).order_by(table.c.seq.desc()).limit(XLSX_MAX_ROWS)
        async with runtime.sessions() as session:
            rows = [entry_out(r) for r in (await session.execute(query)).all()]
        return xlsx_response(f"{runtime.name}-audit.xlsx", "操作审计", XLSX_HEADERS, (
            (e.id, e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.role, e.scope, ACTION_ZH.get(e.action, e.action),
             e.resource, e.resource_id, json.dumps(e.changes, ensure_ascii=False), e.request_id, e.route, e.hash,
             e.prev_hash) for e in rows))

    return router
