"""What funding shows: a project's, a street's and a year's money, and the ledger with its filters."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Row

from fc_shared.assessment import annual_rollup
from fc_shared.auth import Principal
from fc_shared.db import upsert
from fc_shared.errors import Problem
from fc_shared.uow import utcnow
from fc_shared.pagination import filtered

from ..adapters.tables import (
    approvals,
    budgets,
    expenditures,
    fund_income,
    ledger_entries,
    projects,
    street_bulletins,
    year_closes,
)
from ..domain import rules
from . import ledger


async def visible_project(session, project_id: str, principal: Principal) -> Row:
    row = (await session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "funding knows no such project", type_="unknown-project")
    return row


def street_filter(principal: Principal, street_code: str | None) -> str | None:
    """A street sees only its own money; everyone else may pick a street or none."""
    if principal.role == "street":
        if street_code not in (None, principal.street_code):
            raise Problem(403, "Forbidden", "a street sees only its own money", type_="forbidden-street")
        return principal.street_code
    return street_code


def ledger_query(principal: Principal, project_id: str | None, street_code: str | None, year: int | None,
                 kind: str | None):
    """Ledger entries the caller may see, filtered by project, street, year and kind."""
    return filtered(select(ledger_entries), {
        ledger_entries.c.street_code: street_filter(principal, street_code),
        ledger_entries.c.project_id: project_id, ledger_entries.c.year: year, ledger_entries.c.kind: kind})


async def project_funding(session, project: Row) -> dict[str, Any]:
    """Award, entitlement, paid and recoveries of one project, with every ledger entry."""
    rows = (await session.execute(select(ledger_entries).where(ledger_entries.c.project_id == project.id)
                                  .order_by(ledger_entries.c.id))).all()
    latest = (await session.execute(select(approvals).where(approvals.c.project_id == project.id)
                                    .order_by(approvals.c.id.desc()).limit(1))).first()
    by_kind: dict[str, int] = {}
    for r in rows:
        by_kind[r.kind] = by_kind.get(r.kind, 0) + r.amount_fen
    held = rules.position(by_kind)
    levels = (await session.execute(select(approvals.c.level).where(approvals.c.project_id == project.id))).scalars()
    return {"project_id": project.id, "street_code": project.street_code, "name": project.name or "",
            "target_level": project.target_level, "state": project.state, "task_year": project.task_year,
            "level_reached": rules.highest_level(levels),
            "award_fen": latest.award_fen if latest else 0,
            "entitlement_fen": latest.entitlement_fen if latest else 0,
            "final_expenditure_fen": latest.eligible_expenditure_fen if latest else None,
            "street_borne_fen": latest.street_borne_fen if latest else 0,
            "covered_communities": (latest.covered_communities or {}) if latest else {},
            "paid_fen": held.paid_fen, "repaid_fen": held.repaid_fen, "recovered_fen": held.recovered_fen,
            "offset_fen": held.offset_fen, "recovery_due_fen": held.owed_fen, "cash_at_street_fen": held.cash_fen,
            "entries": rows}


async def record_bulletin(session, month: str, ranking: list[tuple[str, int, str]]) -> None:
    """§5.6: a published bulletin is immutable, so a redelivery writes the same rows again."""
    for street_code, rank, score in ranking:
        await upsert(session, street_bulletins, {"month": month, "street_code": street_code},
                     {"rank": rank, "score": score})


async def assessment(session, year: int | None = None, street_code: str | None = None) -> list[dict[str, Any]]:
    """§5.6 考核结果: the published monthly ranks and scores (inspection's), shown beside the money as they are."""
    stmt = select(street_bulletins).order_by(street_bulletins.c.month, street_bulletins.c.rank,
                                             street_bulletins.c.street_code)
    if year is not None:
        stmt = stmt.where(street_bulletins.c.month.like(f"{year:04d}-%"))
    if street_code is not None:
        stmt = stmt.where(street_bulletins.c.street_code == street_code)
    return [{"month": r.month, "street_code": r.street_code, "rank": r.rank, "score": r.score}
            for r in (await session.execute(stmt)).all()]


async def annual_assessment(session, year: int) -> dict[str, Any]:
    """§5.6 年度考核 beside the money: the year's published bulletins as funding keeps them, rolled up by the one
    shared formula inspection uses for ``GET /api/v1/assessments/{year}`` (fc_shared.assessment.annual_rollup),
    so both give the same ranks and averages; nothing is computed on top of it."""
    rows = (await session.execute(select(street_bulletins).where(street_bulletins.c.month.like(f"{year:04d}-%")))).all()
    bulletins: dict[str, list[tuple[str, int, Decimal]]] = {}
    for r in rows:
        bulletins.setdefault(r.month, []).append((r.street_code, r.rank, Decimal(r.score)))
    return {"year": year, "bulletin_months": sorted(bulletins), "ranking": [
        {"street_code": a.street_code, "rank": a.rank, "average_score": float(a.average_score),
         "best_rank": a.best_rank, "months": {m: float(v) for m, v in a.months.items()}}
        for a in annual_rollup(bulletins)]}


async def street_annual_assessments(session, street_code: str) -> list[dict[str, Any]]:
    """The street's place in the annual assessment of each year whose published bulletins list it, oldest first."""
    months = (await session.execute(select(street_bulletins.c.month)
                                    .where(street_bulletins.c.street_code == street_code))).scalars()
    out = []
    for year in sorted({int(m[:4]) for m in months}):
        annual = await annual_assessment(session, year)
        mine = next(e for e in annual["ranking"] if e["street_code"] == street_code)
        out.append({"year": year, "bulletin_months": annual["bulletin_months"],
                    **{k: v for k, v in mine.items() if k != "street_code"}})
    return out


async def _latest_approvals(session, *where) -> tuple[int, int, int]:
    """Award, entitlement and street-borne part summed over each project's latest approval only."""
    latest = (select(approvals.c.project_id, func.max(approvals.c.id).label("id"))
              .where(*where).group_by(approvals.c.project_id).subquery())
    award, entitlement, borne = (await session.execute(
        select(func.coalesce(func.sum(approvals.c.award_fen), 0),
               func.coalesce(func.sum(approvals.c.entitlement_fen), 0),
               func.coalesce(func.sum(approvals.c.street_borne_fen), 0))
        .join(latest, latest.c.id == approvals.c.id))).one()
    return int(award), int(entitlement), int(borne)


async def recovery_figures(session, key_column, key) -> rules.RecoveryFigures:
    """§5.3 追回 of one year or street: recoveries booked under ``key`` and what of them is repaid, netted and
    still owed; each repayment and netting counts where the recovery it settled is booked (rules.attribute_recoveries),
    so a repayment in a later year lowers its recovery's year and no figure goes negative."""
    le = ledger_entries
    touched = select(le.c.project_id).where(le.c.kind == "recovery", key_column == key).distinct()
    rows = (await session.execute(
        select(le.c.id, le.c.project_id, le.c.kind, le.c.amount_fen, key_column.label("key"), le.c.reverses_entry_id)
        .where(le.c.project_id.in_(touched), le.c.kind.in_(("recovery", *rules.SETTLING_KINDS)))
        .order_by(le.c.id))).all()
    figures = rules.attribute_recoveries(rules.Movement(r.id, r.project_id, r.kind, int(r.amount_fen), r.key,
                                                        r.reverses_entry_id) for r in rows)
    return figures.get(key, rules.RecoveryFigures())


async def street_funding(session, street_code: str) -> dict[str, Any]:
    """One street's money over all its projects."""
    count = (await session.execute(select(func.count()).select_from(projects)
                                   .where(projects.c.street_code == street_code))).scalar_one()
    by_kind = await ledger.totals_by_kind(session, ledger_entries.c.street_code == street_code)
    award, entitlement, borne = await _latest_approvals(session, approvals.c.street_code == street_code)
    eligible = (await session.execute(select(func.coalesce(func.sum(expenditures.c.amount_fen), 0)).where(
        expenditures.c.street_code == street_code, expenditures.c.eligible.is_(True)))).scalar_one()
    held = rules.position(by_kind)
    recovered = await recovery_figures(session, ledger_entries.c.street_code, street_code)
    return {"street_code": street_code, "projects": count, "award_fen": award,
            "entitlement_fen": entitlement, "paid_fen": held.paid_fen, "repaid_fen": recovered.repaid_fen,
            "recovery_due_fen": recovered.due_fen, "street_borne_fen": borne,
            "eligible_expenditure_fen": int(eligible),
            "assessment": await assessment(session, street_code=street_code),
            "annual_assessments": await street_annual_assessments(session, street_code)}


async def year_funding(session, year: int) -> dict[str, Any]:
    """The district special fund in one year: budget, commitments (payments) and recoveries due."""
    by_kind = await ledger.totals_by_kind(session, ledger_entries.c.year == year)
    budget = (await session.execute(select(budgets.c.budget_fen).where(budgets.c.year == year))).scalar()
    closed = (await session.execute(select(year_closes.c.year).where(year_closes.c.year == year))).first()
    income = int((await session.execute(select(func.coalesce(func.sum(fund_income.c.amount_fen), 0))
                                        .where(fund_income.c.year == year))).scalar_one())
    _, approved, _ = await _latest_approvals(session, func.extract("year", approvals.c.decided_on) == year)
    held = rules.position(by_kind)
    recovered = await recovery_figures(session, ledger_entries.c.year, year)
    # Paid, recovered, repaid and netted count as attributed (each repayment with the recovery it settled), so
    # what is left of the year's fund rises when a recovery of that year's payments is repaid, whenever it is.
    return {"year": year, "closed": closed is not None, "budget_fen": budget, "income_fen": income,
            "approved_fen": approved, "committed_fen": held.paid_fen, "paid_fen": held.paid_fen,
            "recovered_fen": recovered.recovered_fen, "repaid_fen": recovered.repaid_fen,
            "offset_fen": recovered.offset_fen, "recovery_due_fen": recovered.due_fen,
            "remaining_fen": None if budget is None else budget + income - held.paid_fen + recovered.repaid_fen,
            "by_kind": by_kind, "assessment": await assessment(session, year=year),
            "annual_assessment": await annual_assessment(session, year)}


async def record_income(uow, year: int, *, amount_fen: int, received_on, source: str, reference: str, note: str,
                        by: str) -> int:
    """§5.3: a higher-level special subsidy (上级专项补助) pooled into the district fund: income, not pay to a street."""
    exists = (await uow.session.execute(select(fund_income.c.id).where(
        fund_income.c.year == year, fund_income.c.reference == reference))).first()
    if exists:
        raise Problem(409, "Income already recorded", f"income with reference {reference!r} is recorded for {year}",
                      type_="duplicate-income")
    result = await uow.session.execute(insert(fund_income).values(
        year=year, amount_fen=amount_fen, received_on=received_on, source=source, reference=reference, note=note,
        recorded_by=by, at=utcnow()))
    income_id = int(result.inserted_primary_key[0])
    uow.emit("fc.fund.income_recorded", f"fund-{year}", {
        "income_id": income_id, "year": year, "amount_fen": amount_fen, "received_on": received_on,
        "source": source, "reference": reference})
    return income_id


async def year_close(session, year: int) -> dict[str, Any]:
    """When the year was closed and the interims (F4) it paid."""
    closed_at = (await session.execute(select(year_closes.c.closed_at)
                                       .where(year_closes.c.year == year))).scalar_one()
    rows = (await session.execute(select(ledger_entries).where(
        ledger_entries.c.year == year, ledger_entries.c.kind == "interim",
        ledger_entries.c.reverses_entry_id.is_(None)).order_by(ledger_entries.c.id))).all()
    return {"year": year, "closed_at": closed_at, "interims": rows}


async def ledger_entry(session, entry_id: int) -> Row:
    return (await session.execute(select(ledger_entries).where(ledger_entries.c.id == entry_id))).one()


async def ledger_export(session, query, cap: int = 100_000) -> list[Row]:
    return (await session.execute(query.order_by(ledger_entries.c.id).limit(cap))).all()
