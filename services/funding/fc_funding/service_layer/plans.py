"""Expenditure reports and capital plans (§4.5, §5.3): what a street spends and how it is financed."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Row

from fc_shared.auth import Principal
from fc_shared.db import upsert
from fc_shared.pagination import filtered
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import capital_plans, expenditures
from ..domain import plans
from . import ledger
from .views import visible_project


async def report_expenditure(uow: UnitOfWork, principal: Principal, project_id: str, *, category: str,
                             amount_fen: int, reported_on: date, note: str) -> Row:
    """A street reports spending by category; only §5.3 categories are eligible. Announced to inspection."""
    project = await ledger.lock_project(uow, project_id)
    eligible = plans.is_eligible_category(category)
    result = await uow.session.execute(insert(expenditures).values(
        project_id=project_id, street_code=project.street_code, category=category, amount_fen=amount_fen,
        eligible=eligible, reported_on=reported_on, note=note, reported_by=principal.key, at=utcnow()))
    new_id = int(result.inserted_primary_key[0])
    uow.emit("fc.expenditure.reported", project_id, {
        "project_id": project_id, "street_code": project.street_code, "category": category,
        "amount_fen": amount_fen, "eligible": eligible, "reported_on": reported_on, "expenditure_id": new_id})
    return (await uow.session.execute(select(expenditures).where(expenditures.c.id == new_id))).one()


async def expenditure_totals(session, project_id: str) -> dict[str, Any]:
    """A project's reported spending by category, its total and its eligible total."""
    totals = (await session.execute(
        select(expenditures.c.category, func.sum(expenditures.c.amount_fen))
        .where(expenditures.c.project_id == project_id).group_by(expenditures.c.category))).all()
    by_category = {k: int(v) for k, v in totals}
    return {"total_fen": sum(by_category.values()),
            "eligible_fen": sum(v for k, v in by_category.items() if plans.is_eligible_category(k)),
            "by_category": by_category}


def expenditure_query(project_id: str, category: str | None, eligible: bool | None,
                      reported_from: date | None, reported_to: date | None):
    """A project's reported expenditures, filtered by category, eligibility and report date."""
    return filtered(select(expenditures).where(expenditures.c.project_id == project_id),
                    {expenditures.c.category: category, expenditures.c.eligible: eligible},
                    [(expenditures.c.reported_on, reported_from, reported_to)])


def capital_plan_view(row: Row) -> dict[str, Any]:
    """§4.5: the stored plan with its construction total and operating balance (资金平衡)."""
    by_source = {s: int(getattr(row, f"{s}_fen")) for s in plans.CAPITAL_SOURCES}
    balance = plans.capital_balance(by_source, row.operating_income_fen, row.operating_cost_fen)
    return {"project_id": row.project_id, "street_code": row.street_code, "construction_cost_fen": by_source,
            "construction_total_fen": balance.construction_total_fen,
            "operating_income_fen": row.operating_income_fen, "operating_cost_fen": row.operating_cost_fen,
            "operating_balance_fen": balance.operating_balance_fen, "balanced": balance.balanced,
            "note": row.note, "updated_at": row.updated_at}


async def set_capital_plan(uow: UnitOfWork, principal: Principal, project_id: str, *,
                           construction_cost_fen: dict[str, int], operating_income_fen: int,
                           operating_cost_fen: int, note: str) -> dict[str, Any]:
    """§4.5: replace the project's capital plan and announce its balance."""
    project = await visible_project(uow.session, project_id, principal)
    await upsert(uow.session, capital_plans, {"project_id": project_id}, {
        "street_code": project.street_code, **{f"{s}_fen": v for s, v in construction_cost_fen.items()},
        "operating_income_fen": operating_income_fen, "operating_cost_fen": operating_cost_fen,
        "note": note, "updated_by": principal.key, "updated_at": utcnow()})
    plan = capital_plan_view(await capital_plan(uow.session, project_id))
    uow.emit("fc.capital_plan.updated", project_id, {
        "project_id": project_id, "street_code": project.street_code,
        "construction_total_fen": plan["construction_total_fen"],
        "operating_balance_fen": plan["operating_balance_fen"], "balanced": plan["balanced"]})
    return plan


async def capital_plan(session, project_id: str) -> Row | None:
    return (await session.execute(select(capital_plans).where(capital_plans.c.project_id == project_id))).first()
