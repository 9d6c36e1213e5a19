"""What funding shows: a project's, a street's and a year's money, and the ledger with its filters."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.pagination import filtered

from ..adapters.tables import approvals, budgets, expenditures, ledger_entries, projects, year_closes
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
    paid, recovery_due = rules.paid_and_recovery(by_kind)
    levels = (await session.execute(select(approvals.c.level).where(approvals.c.project_id == project.id))).scalars()
    return {"project_id": project.id, "street_code": project.street_code, "name": project.name or "",
            "target_level": project.target_level, "level_reached": rules.highest_level(levels),
            "award_fen": latest.award_fen if latest else 0,
            "entitlement_fen": latest.entitlement_fen if latest else 0,
            "paid_fen": paid, "recovery_due_fen": recovery_due, "entries": rows}


async def street_funding(session, street_code: str) -> dict[str, Any]:
    """One street's money over all its projects."""
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
    paid, recovery_due = rules.paid_and_recovery(by_kind)
    return {"street_code": street_code, "projects": count, "award_fen": int(award),
            "entitlement_fen": int(entitlement), "paid_fen": paid, "recovery_due_fen": recovery_due,
            "eligible_expenditure_fen": int(eligible)}


async def year_funding(session, year: int) -> dict[str, Any]:
    """The district special fund in one year: budget, commitments (payments) and recoveries due."""
    by_kind = await ledger.totals_by_kind(session, ledger_entries.c.year == year)
    budget = (await session.execute(select(budgets.c.budget_fen).where(budgets.c.year == year))).scalar()
    closed = (await session.execute(select(year_closes.c.year).where(year_closes.c.year == year))).first()
    committed, recovery_due = rules.paid_and_recovery(by_kind)
    return {"year": year, "closed": closed is not None, "budget_fen": budget, "committed_fen": committed,
            "recovery_due_fen": recovery_due, "remaining_fen": None if budget is None else budget - committed,
            "by_kind": by_kind}


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
