"""Acceptance (验收, §4.7): application, district review (复核), province/city result."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from fc_shared.auth import Principal
from fc_shared.contracts import EXPENSE_CATEGORIES
from fc_shared.db import upsert
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import acceptance_departments, acceptances, config, expenditures, reviews
from ..domain.acceptance import (
    DEFAULT_REQUIRED_DEPARTMENTS,
    EvaluationFacts,
    ProjectFacts,
    RESULT_ROLES,
    Result,
    application_refusal,
    declared_expenditure_refusal,
    highest_level,
    result_conflict,
    result_poster_problem,
    review_outcome,
)
from .access import not_found, visible_project
from .evaluations import latest_for

REQUIRED_DEPARTMENTS_KEY = "required_departments"


async def required_departments(session) -> list[str]:
    row = (await session.execute(select(config.c.value).where(config.c.key == REQUIRED_DEPARTMENTS_KEY))).first()
    return list(row.value) if row else list(DEFAULT_REQUIRED_DEPARTMENTS)


async def set_required_departments(uow: UnitOfWork, by: str, departments: list[str]) -> list[str]:
    """Configurable set (§4.7(2)); applications already made keep the set they were made with."""
    await upsert(uow.session, config, {"key": REQUIRED_DEPARTMENTS_KEY},
                 {"value": departments, "updated_by": by, "updated_at": utcnow()})
    return departments


def expenditure_of(row) -> dict[str, int]:
    return {c: getattr(row, f"{c}_fen") for c in EXPENSE_CATEGORIES}


async def recorded_eligible_fen(session, project_id: str) -> dict[str, int]:
    """The eligible expenditure funding has recorded for the project, by category (from fc.expenditure.reported)."""
    rows = (await session.execute(
        select(expenditures.c.category, func.coalesce(func.sum(expenditures.c.amount_fen), 0))
        .where(expenditures.c.project_id == project_id, expenditures.c.eligible.is_(True))
        .group_by(expenditures.c.category))).all()
    found = {category: int(total) for category, total in rows}
    return {c: found.get(c, 0) for c in EXPENSE_CATEGORIES}


async def accepted_city_fen(session, project_id: str) -> int | None:
    row = (await session.execute(select(acceptances).where(
        acceptances.c.project_id == project_id, acceptances.c.state == "passed", acceptances.c.level == "city")
        .order_by(acceptances.c.seq.desc()).limit(1))).first()
    return sum(expenditure_of(row).values()) if row else None


def _conflict(reason: str, type_: str = "acceptance-refused") -> Problem:
    return Problem(409, "Conflict", reason, type_=type_, reason=reason)


async def apply(uow: UnitOfWork, principal: Principal, project_id: str, level: str,
                final_expenditure_fen: dict[str, int], report: str) -> str:
    project = await visible_project(uow.session, principal, project_id)
    open_row = (await uow.session.execute(select(acceptances.c.id)
                                          .where(acceptances.c.open_project_id == project_id))).first()
    latest = await latest_for(uow.session, project_id)
    passed_levels = (await uow.session.execute(select(acceptances.c.level).where(
        acceptances.c.project_id == project_id, acceptances.c.state == "passed"))).scalars().all()
    reached = highest_level(project.accepted_level, *passed_levels)
    refusal = application_refusal(
        ProjectFacts(state=project.state, accepted_level=reached), level, open_row is not None,
        EvaluationFacts(all_standard_met=latest.all_standard_met, standard_met=latest.standard_met,
                        standard_total=latest.standard_total) if latest else None)
    if refusal:
        raise _conflict(refusal)
    refusal = declared_expenditure_refusal(dict(final_expenditure_fen),
                                           await recorded_eligible_fen(uow.session, project_id),
                                           await accepted_city_fen(uow.session, project_id) if level == "province"
                                           else None)
    if refusal:
        raise _conflict(refusal, "expenditure-refused")
    required = await required_departments(uow.session)
    acceptance_id = str(uuid.uuid4())
    try:
        await uow.session.execute(acceptances.insert(), dict(
            id=acceptance_id, project_id=project_id, open_project_id=project_id, street_code=project.street_code,
            level=level, state="requested", report=report, required_departments=required,
            evaluation_id=latest.id, applied_on=uow.clock.today(), applied_by=principal.key, created_at=utcnow(),
            **{f"{c}_fen": final_expenditure_fen[c] for c in EXPENSE_CATEGORIES}))
    except IntegrityError:
        raise _conflict("the project already has an open acceptance application") from None
    await uow.session.execute(acceptance_departments.insert(),
                              [{"acceptance_id": acceptance_id, "department_code": d} for d in required])
    uow.emit("fc.acceptance.requested", project_id, {
        "acceptance_id": acceptance_id, "project_id": project_id, "street_code": project.street_code, "level": level,
        "final_expenditure_fen": dict(final_expenditure_fen), "required_departments": required})
    return acceptance_id


async def _locked(uow: UnitOfWork, acceptance_id: str):
    return (await uow.session.execute(select(acceptances).where(acceptances.c.id == acceptance_id)
                                      .with_for_update())).first()


async def review(uow: UnitOfWork, principal: Principal, acceptance_id: str, department_code: str, passed: bool,
                 findings: str) -> None:
    """§4.7(2): one department's decision, for itself only."""
    if principal.department_code != department_code:
        raise Problem(403, "Forbidden", "a department decides only for itself", type_="forbidden-department")
    row = await _locked(uow, acceptance_id)
    if row is None or department_code not in row.required_departments:
        raise not_found("acceptance")
    if row.state != "requested":
        raise _conflict(f"the acceptance is {row.state}; reviews are taken while it is requested", "review-closed")
    if not passed and not findings.strip():
        raise Problem(422, "Findings required", "a failed review must state its findings", type_="findings-required")
    try:
        await uow.session.execute(reviews.insert(), dict(
            acceptance_id=acceptance_id, department_code=department_code, passed=passed, findings=findings,
            reviewed_by=principal.key, reviewed_at=utcnow()))
    except IntegrityError:
        raise _conflict(f"{department_code} has already decided on this acceptance", "already-reviewed") from None
    base = {"acceptance_id": acceptance_id, "project_id": row.project_id, "street_code": row.street_code}
    uow.emit("fc.acceptance.department_reviewed", row.project_id,
             {**base, "department_code": department_code, "passed": passed, "findings": findings})
    decided = {r.department_code: r.passed for r in (await uow.session.execute(
        select(reviews.c.department_code, reviews.c.passed).where(reviews.c.acceptance_id == acceptance_id))).all()}
    outcome = review_outcome(list(row.required_departments), decided)
    if outcome == "passed":
        await uow.session.execute(update(acceptances).where(acceptances.c.id == acceptance_id)
                                  .values(state="district_reviewed"))
        uow.emit("fc.acceptance.district_reviewed", row.project_id, {**base, "level": row.level})
    elif outcome == "failed":
        await uow.session.execute(update(acceptances).where(acceptances.c.id == acceptance_id)
                                  .values(state="returned", open_project_id=None))
        uow.emit("fc.acceptance.review_failed", row.project_id,
                 {**base, "department_code": department_code, "findings": findings})


def _recorded(row) -> Result | None:
    if row.result_passed is None:
        return None
    return Result(passed=row.result_passed, level=row.level, decided_on=row.result_decided_on.isoformat(),
                  reference=row.result_reference)


async def record_result(uow: UnitOfWork, by: str, scope: str | None, acceptance_id: str, passed: bool, level: str,
                        decided_on: date, reference: str, *, role: str = "integration",
                        document_id: str | None = None) -> bool:
    """§4.7(3): the province/city result, posted by its system or recorded from paper by the district office.

    True if it took effect now, False if the same result was already recorded (by either channel)."""
    refusal = result_poster_problem(role, scope, level)
    if refusal:
        raise Problem(403, "Forbidden", refusal, type_="forbidden-scope")
    row = await _locked(uow, acceptance_id)
    if row is None or (role == "integration" and row.level != scope):
        raise not_found("acceptance")
    posted = Result(passed=passed, level=level, decided_on=decided_on.isoformat(), reference=reference)
    conflict = result_conflict(row.state, row.level, _recorded(row), posted)
    if conflict:
        raise _conflict(conflict, "result-refused")
    if row.state in ("passed", "failed"):
        return False
    state = "passed" if passed else "failed"
    channel = RESULT_ROLES[role]
    done = await uow.session.execute(update(acceptances).where(and_(
        acceptances.c.id == acceptance_id, acceptances.c.state == "district_reviewed")).values(
        state=state, open_project_id=None, result_passed=passed, result_decided_on=decided_on,
        result_reference=reference, result_by=by, result_at=utcnow(), result_channel=channel,
        result_document_id=document_id))
    if done.rowcount != 1:  # lost a race the row lock should have prevented; let the caller retry cleanly
        raise _conflict("the acceptance changed while the result was being recorded", "result-refused")
    data: dict[str, Any] = {"acceptance_id": acceptance_id, "project_id": row.project_id,
                            "street_code": row.street_code, "level": level, "decided_on": decided_on.isoformat(),
                            "reference": reference, "channel": channel, "recorded_by": by,
                            "document_id": document_id}
    if passed:
        uow.emit("fc.acceptance.passed", row.project_id, {**data, "final_expenditure_fen": expenditure_of(row)})
    else:
        uow.emit("fc.acceptance.failed", row.project_id, data)
    return True
