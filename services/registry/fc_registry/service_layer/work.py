"""Work summaries (§5.1) with their problem / work / innovation lists, problems, the special plan (§5.2)."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import problems, projects, special_plans, streets, work_summaries
from ..domain.deadlines import special_plan_dates
from ..domain.summaries import is_period_start, period_bounds
from .common import add_deadline, check_street_access, resolve_deadline
from .config import get_config


def _problem_event(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("street_code", "project_id", "owner_department", "due_on", "text", "source")} | {
        "problem_id": row["id"]}


async def open_problem(uow: UnitOfWork, *, street_code: str | None, project_id: str | None, text: str, owner_department: str,
                       due_on: date | None, source: str, summary_id: str | None = None,
                       acceptance_id: str | None = None) -> dict[str, Any]:
    """问题清单: a problem with its owner department and due date; its due date is watched."""
    row = {"id": str(uuid.uuid4()), "street_code": street_code, "project_id": project_id, "summary_id": summary_id,
           "acceptance_id": acceptance_id, "source": source, "text": text, "owner_department": owner_department,
           "due_on": due_on, "state": "open", "opened_at": utcnow(), "closed_at": None, "closed_by": None,
           "close_note": None}
    await uow.session.execute(insert(problems).values(**row))
    if due_on is not None:
        cfg = await get_config(uow.session)
        await add_deadline(uow, f"problem:{row['id']}", "problem", due_on, cfg.thresholds, project_id=project_id,
                           street_code=street_code)
    uow.emit("fc.problem.opened", project_id or street_code or OFFICE_FILER,
             {**_problem_event(row), "opened_on": uow.clock.today()})
    return row


async def _check_project_of_street(uow: UnitOfWork, project_id: str | None, street_code: str) -> None:
    if project_id is None:
        return
    row = (await uow.session.execute(select(projects.c.street_code).where(projects.c.id == project_id))).first()
    if row is None or row.street_code != street_code:
        raise Problem(422, "Unknown project", f"project {project_id} is not a project of street {street_code}",
                      type_="unknown-project")


async def _check_street(uow: UnitOfWork, street_code: str) -> None:
    if not (await uow.session.execute(select(streets.c.code).where(streets.c.code == street_code))).first():
        raise Problem(422, "Unknown street", f"street {street_code} does not exist", type_="unknown-street")


async def create_problem(uow: UnitOfWork, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    check_street_access(principal, data["street_code"])
    await _check_street(uow, data["street_code"])
    await _check_project_of_street(uow, data.get("project_id"), data["street_code"])
    return await open_problem(uow, street_code=data["street_code"], project_id=data.get("project_id"), text=data["text"],
                              owner_department=data["owner_department"], due_on=data.get("due_on"), source="manual")


def may_see_problem(principal: Principal, row: Any) -> bool:
    if principal.role == "department":
        return row.owner_department == principal.department_code
    return principal.can_see_street(row.street_code)


async def close_problem(uow: UnitOfWork, principal: Principal, problem_id: str, note: str | None) -> dict[str, Any]:
    row = (await uow.session.execute(select(problems).where(problems.c.id == problem_id))).first()
    if row is None or not may_see_problem(principal, row):
        raise Problem(404, "Not Found", "no such problem", type_="not-found")
    if row.state == "closed":
        raise Problem(409, "Already closed", "the problem is already closed", type_="already-closed")
    changes = {"state": "closed", "closed_at": utcnow(), "closed_by": principal.key, "close_note": note}
    result = await uow.session.execute(update(problems).where(problems.c.id == problem_id, problems.c.state == "open")
                                       .values(**changes))
    if result.rowcount != 1:
        raise Problem(409, "Already closed", "the problem is already closed", type_="already-closed")
    await resolve_deadline(uow, f"problem:{problem_id}")
    out = {**row._mapping, **changes}
    uow.emit("fc.problem.closed", out["project_id"] or out["street_code"] or OFFICE_FILER,
             {**_problem_event(out), "closed_on": uow.clock.today()})
    return out


OFFICE_FILER = "district_office"  # 区风貌办 files its own summaries beside the streets' (§5.1)


async def _problem_street(uow: UnitOfWork, project_id: str | None) -> str | None:
    if project_id is None:
        return None
    row = (await uow.session.execute(select(projects.c.street_code).where(projects.c.id == project_id))).first()
    if row is None:
        raise Problem(422, "Unknown project", f"project {project_id} does not exist", type_="unknown-project")
    return row.street_code


async def file_summary(uow: UnitOfWork, principal: Principal, data: dict[str, Any]) -> tuple[dict[str, Any], list]:
    """§5.1: a street's (or the district office's own) weekly / half-monthly / monthly summary with its lists."""
    street_code, period, start = data.get("street_code"), data["period"], data["period_start"]
    if street_code is None and principal.role == "street":
        street_code = principal.street_code  # a street's token names its one street: omitted, it is its own
    if street_code is None:
        if principal.role != "district_office":
            raise Problem(403, "Forbidden", "only the district office files a summary of its own",
                          type_="forbidden")
        filer = OFFICE_FILER
    else:
        check_street_access(principal, street_code)
        await _check_street(uow, street_code)
        filer = street_code
    if not is_period_start(period, start):
        first = period_bounds(period, start)[0]
        raise Problem(422, "Not a period start", f"a {period} period containing {start} starts on {first}",
                      type_="bad-period")
    end = period_bounds(period, start)[1]
    row = {"id": str(uuid.uuid4()), "street_code": street_code, "filer": filer, "period": period,
           "period_start": start, "period_end": end, "work": data["work"], "innovations": data["innovations"],
           "filed_by": principal.key, "filed_at": utcnow()}
    problem_streets = []
    for item in data["problems"]:
        if street_code is not None:
            await _check_project_of_street(uow, item.get("project_id"), street_code)
            problem_streets.append(street_code)
        else:
            problem_streets.append(await _problem_street(uow, item.get("project_id")))
    try:
        async with uow.session.begin_nested():
            await uow.session.execute(insert(work_summaries).values(**row))
    except IntegrityError:
        raise Problem(409, "Already filed", f"the {period} summary from {start} is already filed",
                      type_="duplicate") from None
    opened = [await open_problem(uow, street_code=code, project_id=item.get("project_id"), text=item["text"],
                                 owner_department=item["owner_department"], due_on=item["due_on"],
                                 source="summary", summary_id=row["id"])
              for item, code in zip(data["problems"], problem_streets)]
    await resolve_deadline(uow, f"summary:{filer}:{period}:{start}")
    return row, opened


async def record_special_plan(uow: UnitOfWork, year: int, published_on: date | None, approved_on: date | None,
                              by: str, today: date) -> dict[str, Any]:
    """§5.2: record when the district's special plan was actually published and approved."""
    for label, value in (("published_on", published_on), ("approved_on", approved_on)):
        if value is not None and value > today:
            raise Problem(422, "Bad date", f"{label} {value} is in the future", type_="bad-date")
    if published_on and approved_on and approved_on < published_on:
        raise Problem(422, "Bad date", "the plan is approved after it is published", type_="bad-date")
    current = (await uow.session.execute(select(special_plans).where(special_plans.c.year == year))).first()
    values = {"published_on": published_on if published_on is not None else (current.published_on if current else None),
              "approved_on": approved_on if approved_on is not None else (current.approved_on if current else None),
              "updated_at": utcnow(), "updated_by": by}
    if current:
        await uow.session.execute(update(special_plans).where(special_plans.c.year == year).values(**values))
    else:
        await uow.session.execute(insert(special_plans).values(year=year, **values))
    cfg = await get_config(uow.session)
    publish_due, approve_due = special_plan_dates(year)
    for kind, due, done in (("special_plan_publish", publish_due, values["published_on"]),
                            ("special_plan_approve", approve_due, values["approved_on"])):
        key = f"{kind}:{year}"
        await add_deadline(uow, key, kind, due, cfg.thresholds, resolved=done is not None)
        if done is not None:
            await resolve_deadline(uow, key)
    return {"year": year, **values}
