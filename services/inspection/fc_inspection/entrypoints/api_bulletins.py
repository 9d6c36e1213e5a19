"""Monthly evaluation bulletins (每月评价通报) and the annual assessment (年度考核), §5.6."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.errors import Problem
from fc_shared.pagination import Page, PageDep, fetch_page
from fc_shared.params import PROGRAMME_MONTH_PATTERN, YearQuery
from fc_shared.xlsx import XLSX_ROUTE, xlsx_response


from ..adapters.tables import bulletins
from ..service_layer import bulletins as svc
from .deps import AnyRole, Office
from .schemas import AssessmentEntry, AssessmentOut, BulletinIn, BulletinOut, BulletinSummary, RankingEntry

router = APIRouter(prefix="/api/v1", tags=["bulletins"])
MonthPath = Annotated[str, Path(pattern=PROGRAMME_MONTH_PATTERN)]
YearPath = Annotated[int, Path(ge=2000, le=2100)]

BULLETIN_HEADERS = ("排名", "街道代码", "得分", "创建阶段得分", "节点按时得分", "问题销号得分", "资金支出得分",
                    "在建项目数", "到期节点数", "按时节点数", "问题数", "已销号问题数", "已支出(分)", "计划投资(分)",
                    "逾期问题数")


def _bulletin_out(row) -> BulletinOut:
    return BulletinOut(month=row.month, published_at=row.published_at,
                       ranking=[RankingEntry(**e) for e in row.ranking])


async def _published(runtime, month: str):
    async with runtime.sessions() as session:
        row = (await session.execute(select(bulletins).where(bulletins.c.month == month))).first()
    if row is None:
        raise Problem(404, "Not Found", f"no bulletin is published for {month}", type_="not-found")
    return row


@router.post("/bulletins", status_code=201, response_model=BulletinOut)
async def publish_bulletin(body: BulletinIn, runtime: RuntimeDep,
                           principal: Office):
    """Compute the month's ranking of every street as of its last day and freeze it; only once the month has
    ended (409 before) and once (409 after)."""
    async with runtime.uow() as uow:
        row = await svc.publish(uow, principal.key, body.month)
        await uow.commit()
    return BulletinOut(month=row["month"], published_at=row["published_at"],
                       ranking=[RankingEntry(**e) for e in row["ranking"]])


@router.get("/bulletins", response_model=Page[BulletinSummary])
async def list_bulletins(runtime: RuntimeDep, page: PageDep, _: AnyRole, year: YearQuery = None):
    """Published bulletins, newest month first."""
    query = select(bulletins)
    if year is not None:
        query = query.where(bulletins.c.month.like(f"{year:04d}-%"))
    async with runtime.sessions() as session:
        rows, nxt = await fetch_page(session, query, bulletins.c.month, page, descending=True)
    return Page[BulletinSummary](items=[BulletinSummary(month=r.month, published_at=r.published_at,
                                                        streets=len(r.ranking)) for r in rows], next_cursor=nxt)


@router.get("/bulletins/{month}.xlsx", **XLSX_ROUTE)
async def bulletin_xlsx(month: MonthPath, runtime: RuntimeDep, _: AnyRole):
    """The published bulletin as a spreadsheet with Chinese headers."""
    row = await _published(runtime, month)
    rows = [(e["rank"], e["street_code"], e["score"], e["components"]["stage"], e["components"]["milestones"],
             e["components"]["problems"], e["components"]["spending"], e["inputs"]["active_projects"],
             e["inputs"]["milestones_due"], e["inputs"]["milestones_on_time"], e["inputs"]["problems_opened"],
             e["inputs"]["problems_closed"], e["inputs"]["spent_fen"], e["inputs"]["planned_fen"],
             e["inputs"].get("problems_overdue", 0))
            for e in row.ranking]
    return xlsx_response(f"未来社区月度评价通报-{month}.xlsx", f"{month}评价通报", BULLETIN_HEADERS, rows)


@router.get("/bulletins/{month}", response_model=BulletinOut)
async def get_bulletin(month: MonthPath, runtime: RuntimeDep, _: AnyRole):
    """A published bulletin: ranking[] of street_code, rank, score and the inputs of the score."""
    return _bulletin_out(await _published(runtime, month))


async def _assessment(runtime, year: int) -> AssessmentOut:
    async with runtime.sessions() as session:
        months, ranked = await svc.annual(session, year)
    return AssessmentOut(year=year, bulletin_months=months, ranking=[
        AssessmentEntry(street_code=a.street_code, rank=a.rank, average_score=float(a.average_score),
                        best_rank=a.best_rank, months={m: float(s) for m, s in a.months.items()}) for a in ranked])


@router.get("/assessments/{year}.xlsx", **XLSX_ROUTE)
async def assessment_xlsx(year: YearPath, runtime: RuntimeDep, _: AnyRole):
    """The annual assessment as a spreadsheet: one column per published month."""
    out = await _assessment(runtime, year)
    headers = ("排名", "街道代码", "年度平均得分", "最好名次", *[f"{m}得分" for m in out.bulletin_months])
    rows = [(e.rank, e.street_code, e.average_score, e.best_rank, *[e.months.get(m, 0) for m in out.bulletin_months])
            for e in out.ranking]
    return xlsx_response(f"未来社区年度考核-{year}.xlsx", f"{year}年度考核", headers, rows)


@router.get("/assessments/{year}", response_model=AssessmentOut)
async def get_assessment(year: YearPath, runtime: RuntimeDep, _: AnyRole):
    """The year's roll-up of published monthly bulletins per street (basis of the annual work assessment)."""
    return await _assessment(runtime, year)
