"""Creation projects: creation, edits, the lifecycle (§4.2–§4.7), history and time nodes."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import communities, milestones, project_communities, project_history, projects
from ..domain import lifecycle
from ..domain.deadlines import plan_upload_due
from ..domain.projects import (
    creation_deadline as creation_deadline_of,
    default_period_months,
    default_task_year,
    missing_survey_fields,
    period_override_problem,
    scope_warnings,
)
from .archive import plans_settled
from .common import (add_deadline, check_street_access, load_project, move_deadline, move_year_end, save_project,
                     snapshot, stop_project_deadlines)
from .config import RegistryConfig

EDITABLE_STATES = ("draft", "applied", "selected", "submitted")


async def _communities_of_one_street(uow: UnitOfWork, ids: list[str]) -> str:
    found = (await uow.session.execute(
        select(communities.c.id, communities.c.street_code).where(communities.c.id.in_(ids)))).all()
    if len(found) != len(ids):
        missing = sorted(set(ids) - {r.id for r in found})
        raise Problem(422, "Unknown community", f"unknown community ids: {', '.join(missing)}", type_="unknown-community")
    street_codes = {r.street_code for r in found}
    if len(street_codes) != 1:
        raise Problem(422, "Communities of several streets",
                      "a project covers one community or adjacent communities of one street (§4.4)", type_="mixed-streets")
    return street_codes.pop()


def _period(data: dict[str, Any], project_type: str) -> tuple[int, str | None]:
    months, reason = data.get("creation_period_months"), data.get("creation_period_reason")
    problem = period_override_problem(project_type, months, reason)
    if problem:
        raise Problem(422, "Reason required", problem, type_="period-reason-required")
    if months is None or months == default_period_months(project_type):
        return default_period_months(project_type), None
    return months, reason.strip()


async def _history(uow: UnitOfWork, project_id: str, action: str, from_state: str | None, to_state: str,
                   by: str, note: str | None = None, on: date | None = None) -> None:
    await uow.session.execute(insert(project_history).values(
        project_id=project_id, action=action, from_state=from_state, to_state=to_state, note=note, by=by, on=on,
        at=utcnow()))


async def create_project(uow: UnitOfWork, principal: Principal, data: dict[str, Any],
                         cfg: RegistryConfig, today: date) -> tuple[dict[str, Any], list[str]]:
    created_on = data.get("created_on") or today
    if created_on > today:
        raise Problem(422, "Bad date", f"created_on {created_on} is in the future", type_="bad-date")
    ids = list(dict.fromkeys(data["community_ids"]))
    street_code = await _communities_of_one_street(uow, ids)
    check_street_access(principal, street_code)
    months, reason = _period(data, data["type"])
    replaces = data.get("replaces_project_id")
    if replaces is not None:
        replaced = (await uow.session.execute(select(projects.c.street_code).where(projects.c.id == replaces))).first()
        if replaced is None or replaced.street_code != street_code:
            raise Problem(422, "Unknown project", f"replaces_project_id {replaces} is not a project of street "
                          f"{street_code}", type_="unknown-project")
    warnings = scope_warnings(data["area_ha"], cfg.scope_min_ha, cfg.scope_max_ha)
    warnings += await _live_overlaps(uow, ids, replaces)
    row = {"id": str(uuid.uuid4()), "street_code": street_code, "name": data["name"], "type": data["type"],
           "target_level": data["target_level"], "area_ha": data["area_ha"],
           "life_circle_minutes": data["life_circle_minutes"], "period_months": months, "period_reason": reason,
           "state": "draft", "accepted_level": None, "applied_on": None, "approved_on": None,
           "creation_deadline": None, "task_year": None, "accepted_on": None, "named_on": None,
           "community_ids": ids, "created_on": created_on, "created_at": utcnow(), "updated_at": None,
           "version": 1, "replaces_project_id": replaces, **{c: None for c in LIFECYCLE_COLUMNS}}
    await uow.session.execute(insert(projects).values(**row))
    await uow.session.execute(insert(project_communities), [{"project_id": row["id"], "community_id": c} for c in ids])
    await _history(uow, row["id"], "create", None, "draft", principal.key, "; ".join(warnings) or None, on=created_on)
    uow.emit("fc.project.created", row["id"], {**snapshot(row), "created_on": created_on,
                                               "replaces_project_id": replaces, "warnings": warnings})
    return row, warnings


LIFECYCLE_COLUMNS = ("submitted_on", "approval_level", "approval_reference", "declined_on", "decline_level",
                     "decline_reference", "cancelled_on", "city_accepted_on", "province_accepted_on", "named_level")


async def _live_overlaps(uow: UnitOfWork, community_ids: list[str], replaces: str | None) -> list[str]:
    """A community already in another live project (not withdrawn, rejected, declined or cancelled): warn and record."""
    query = (select(projects.c.id, projects.c.name, projects.c.state, project_communities.c.community_id)
             .join(project_communities, project_communities.c.project_id == projects.c.id)
             .where(project_communities.c.community_id.in_(community_ids),
                    projects.c.state.not_in(lifecycle.NOT_LIVE)).order_by(projects.c.id))
    if replaces is not None:
        query = query.where(projects.c.id != replaces)
    rows = (await uow.session.execute(query)).all()
    by_project: dict[str, list] = {}
    for r in rows:
        by_project.setdefault(r.id, []).append(r)
    return [f"community {', '.join(x.community_id for x in rs)} is already in live project {pid} "
            f"({rs[0].name}, {rs[0].state}); the district office decides" for pid, rs in by_project.items()]


async def update_project(uow: UnitOfWork, principal: Principal, project_id: str, data: dict[str, Any],
                         cfg: RegistryConfig) -> tuple[dict[str, Any], list[str]]:
    project = await load_project(uow, project_id, principal)
    if data.get("expected_version") not in (None, project["version"]):
        raise Problem(409, "Concurrent change", "the project changed meanwhile", type_="concurrent-update")
    data.pop("expected_version", None)
    if project["state"] not in EDITABLE_STATES:
        raise Problem(409, "Not editable", f"a project in state {project['state']} can no longer be edited",
                      type_="not-editable")
    changes = {k: v for k, v in data.items() if k in ("name", "type", "target_level", "area_ha", "life_circle_minutes")}
    if "community_ids" in data:
        ids = list(dict.fromkeys(data["community_ids"]))
        if await _communities_of_one_street(uow, ids) != project["street_code"]:
            raise Problem(422, "Communities of another street", "a project stays within its street",
                          type_="mixed-streets")
        changes["community_ids"] = ids
        await uow.session.execute(delete(project_communities).where(project_communities.c.project_id == project_id))
        await uow.session.execute(insert(project_communities), [{"project_id": project_id, "community_id": c} for c in ids])
    project_type = changes.get("type", project["type"])
    if "creation_period_months" in data or "type" in changes:
        # A period that was the old type's default follows the new type's default.
        kept = project["period_months"] if project["period_reason"] else None
        months, reason = _period({"creation_period_months": data.get("creation_period_months", kept),
                                  "creation_period_reason": data.get("creation_period_reason", project["period_reason"])},
                                 project_type)
        changes.update(period_months=months, period_reason=reason)
    project = await save_project(uow, project, changes)
    uow.emit("fc.project.updated", project_id, snapshot(project))
    return project, scope_warnings(project["area_ha"], cfg.scope_min_ha, cfg.scope_max_ha)


async def transition(uow: UnitOfWork, principal: Principal, project_id: str, *, action: str, on: date | None,
                     note: str | None, task_year: int | None, expected_version: int | None, today: date,
                     cfg: RegistryConfig, level: str | None = None, reference: str | None = None,
                     creation_deadline: date | None = None) -> dict[str, Any]:
    """§4.2–§4.7: one lifecycle step, recorded in the history and announced with the project snapshot."""
    project = await load_project(uow, project_id, principal)
    if expected_version is not None and expected_version != project["version"]:
        raise Problem(409, "Concurrent change", "the project changed meanwhile", type_="concurrent-update")
    try:
        spec = lifecycle.check_transition(action, project["state"], principal.role, note, on, level=level,
                                          reference=reference, creation_deadline=creation_deadline,
                                          accepted_level=project["accepted_level"])
    except lifecycle.TransitionRefused as why:
        extra = {"allowed_actions": why.allowed} if why.allowed is not None else {}
        raise Problem(why.status, "Transition refused", why.detail, type_=why.reason, state=project["state"],
                      **extra) from None
    check_street_access(principal, project["street_code"])
    if task_year is not None and action not in lifecycle.TASK_YEAR_ACTIONS:
        raise Problem(422, "Field not used", f"{action} takes no task_year", type_="field-not-used")
    on = on or today
    problem = lifecycle.transition_date_problem(action, on, project["created_on"], today)
    if problem:
        raise Problem(422, "Bad date", problem, type_="bad-date")
    reference = reference.strip() if reference else None
    from_state = project["state"]
    target = lifecycle.target_of(spec, from_state)
    changes: dict[str, Any] = {"state": target}
    extra: dict[str, Any] = {}
    if action == "apply":
        await _check_survey(uow, project["community_ids"])
        changes["applied_on"] = on
    elif action == "submit":
        changes["submitted_on"] = on
    elif action == "approve":
        deadline = creation_deadline_of(on, project["period_months"])
        _check_task_year(task_year, on, deadline)
        changes.update(approved_on=on, creation_deadline=deadline, task_year=task_year or default_task_year(deadline),
                       approval_level=level, approval_reference=reference)
        extra = {"level": level, "reference": reference}
    elif action == "decline":
        changes.update(declined_on=on, decline_level=level, decline_reference=reference)
        extra = {"level": level, "reference": reference}
    elif action == "reschedule":
        why = lifecycle.reschedule_problem(creation_deadline, project["approved_on"], project["creation_deadline"])
        if why:
            raise Problem(422, "Bad creation deadline", why, type_="bad-deadline")
        _check_task_year(task_year, project["approved_on"], creation_deadline)
        changes.update(creation_deadline=creation_deadline,
                       task_year=task_year or default_task_year(creation_deadline))
        extra = {"previous_creation_deadline": project["creation_deadline"], "previous_task_year": project["task_year"]}
    elif action == "cancel":
        changes["cancelled_on"] = on
    elif action == "name":
        why = lifecycle.naming_problem(level, project["accepted_level"], project["named_level"])
        if why:
            raise Problem(409, "Naming refused", why, type_="naming-refused")
        changes.update(named_on=on, named_level=level)
        extra = {"level": level}
    project = await save_project(uow, project, changes)
    history_note = note
    if action in ("approve", "decline"):
        history_note = "; ".join(x for x in (f"{level} {reference}", note) if x)
    elif action == "reschedule":
        history_note = (f"creation deadline {extra['previous_creation_deadline']} → {project['creation_deadline']}, "
                        f"task year {extra['previous_task_year']} → {project['task_year']}: {note}")
    elif action == "name":
        history_note = "; ".join(x for x in (f"named at {level} level", note) if x)
    await _history(uow, project_id, action, from_state, target, principal.key, history_note, on)
    if action == "submit":
        # §4.2 申报后及时编制: the plans are due a set number of days after submission.
        await add_deadline(uow, f"plan_upload:{project_id}", "plan_upload", plan_upload_due(on, cfg.plan_upload_days),
                           cfg.thresholds, project_id=project_id, street_code=project["street_code"],
                           resolved=await plans_settled(uow.session, project_id))
    elif action == "approve":
        await add_deadline(uow, f"creation:{project_id}", "creation", project["creation_deadline"], cfg.thresholds,
                           project_id=project_id, street_code=project["street_code"])
        await add_deadline(uow, f"year_end:{project_id}", "year_end", date(project["task_year"], 12, 31), cfg.thresholds,
                           project_id=project_id, street_code=project["street_code"])
    elif action == "reschedule":
        await move_deadline(uow, f"creation:{project_id}", project["creation_deadline"], cfg.thresholds)
        await move_year_end(uow, f"year_end:{project_id}", date(project["task_year"], 12, 31))
    elif action in ("cancel", "decline", "withdraw", "reject"):
        await stop_project_deadlines(uow, project_id)
    uow.emit(spec.event, project_id, {**snapshot(project), "from_state": from_state, "to_state": target,
                                      "note": note, "by": principal.key, "on": on, **extra})
    return project


def _check_task_year(task_year: int | None, approved_on: date, deadline: date) -> None:
    if task_year is not None and not (approved_on.year <= task_year <= deadline.year + 1):
        raise Problem(422, "Bad task year", f"task_year must lie between {approved_on.year} and {deadline.year + 1}",
                      type_="bad-task-year")


async def _check_survey(uow: UnitOfWork, community_ids: list[str]) -> None:
    rows = (await uow.session.execute(select(communities).where(communities.c.id.in_(community_ids)))).all()
    gaps = {r.id: missing_survey_fields(dict(r._mapping)) for r in rows}
    gaps = {k: v for k, v in gaps.items() if v}
    if gaps:
        raise Problem(409, "Survey incomplete", "§4.2: fill in the survey of every community before applying",
                      type_="survey-incomplete", missing=gaps)


async def history(session, project_id: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(project_history).where(project_history.c.project_id == project_id)
                                  .order_by(project_history.c.id))).all()
    return [dict(r._mapping) for r in rows]


async def save_milestone(uow: UnitOfWork, principal: Principal, project_id: str, data: dict[str, Any],
                         milestone_id: str | None = None) -> dict[str, Any]:
    """Time nodes (时间节点): planned and actual dates per project, announced to inspection and the board."""
    project = await load_project(uow, project_id, principal)
    check_street_access(principal, project["street_code"])
    now = utcnow()
    if milestone_id is None:
        row = {"id": str(uuid.uuid4()), "project_id": project_id, "title": data["title"],
               "planned_on": data["planned_on"], "actual_on": data.get("actual_on"), "created_at": now, "updated_at": now}
        await uow.session.execute(insert(milestones).values(**row))
    else:
        current = (await uow.session.execute(select(milestones).where(
            milestones.c.id == milestone_id, milestones.c.project_id == project_id))).first()
        if current is None:
            raise Problem(404, "Not Found", "no such milestone", type_="not-found")
        changes = {k: v for k, v in data.items() if k in ("title", "planned_on", "actual_on")}
        await uow.session.execute(update(milestones).where(milestones.c.id == milestone_id).values(**changes, updated_at=now))
        row = {**current._mapping, **changes, "updated_at": now}
    uow.emit("fc.project.milestone_updated", project_id, {
        **snapshot(project), "milestone_id": row["id"], "title": row["title"], "planned_on": row["planned_on"],
        "actual_on": row["actual_on"]})
    return row
