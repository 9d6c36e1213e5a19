"""Inspection-driven states (§4.7) and the projections of inspection and funding events."""
from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import select

from fc_shared.db import insert_ignore, upsert
from fc_shared.events import Event
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import bulletins, evaluations, projects, subsidy_approvals, subsidy_entries
from ..domain.lifecycle import inspection_target
from ..domain.projects import higher_level
from .common import resolve_deadline, save_project, snapshot
from .config import get_config
from .work import open_problem

log = logging.getLogger(__name__)


async def apply_inspection_event(uow: UnitOfWork, event: Event) -> None:
    """§4.7: acceptance events move accepting → district_reviewed → accepted, or back on failure."""
    data = event.data
    project_id = str(data.get("project_id") or event.subject)
    row = (await uow.session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None:
        log.warning("inspection event for an unknown project", extra={"type": event.type, "project_id": project_id})
        return
    project = dict(row._mapping)
    if event.type == "fc.acceptance.review_failed":
        await _findings_to_problems(uow, project, data)
    target = inspection_target(event.type, project["state"], project["accepted_level"], data.get("level"),
                               named_level=project["named_level"])
    if target is None:
        log.info("inspection event does not move the project in its state",
                 extra={"type": event.type, "project_id": project_id, "state": project["state"]})
        return
    changes: dict = {"state": target}
    decided_on = _date(data.get("decided_on"))
    if event.type == "fc.acceptance.passed":
        level = data.get("level")
        on = decided_on or uow.clock.today()
        changes["accepted_level"] = higher_level(project["accepted_level"], level)
        # §3: coverage counts from the first acceptance at any level; a later level keeps its own date.
        changes["accepted_on"] = project["accepted_on"] or on
        if level in ("city", "province") and project[f"{level}_accepted_on"] is None:
            changes[f"{level}_accepted_on"] = on
    from_state = project["state"]
    project = await save_project(uow, project, changes)
    from .projects import _history

    await _history(uow, project_id, event.type, from_state, target, _recorded_by(data),
                   _note(event), decided_on)
    if target == "accepted":
        await resolve_deadline(uow, f"creation:{project_id}")
        if project["task_year"] is None or project["accepted_on"] <= date(project["task_year"], 12, 31):
            await resolve_deadline(uow, f"year_end:{project_id}")
    uow.emit("fc.project.state_changed", project_id, {
        **snapshot(project), "from_state": from_state, "to_state": target, "cause": event.type,
        "acceptance_id": data.get("acceptance_id"), "on": decided_on or uow.clock.today()})


def _recorded_by(data: dict) -> str:
    """Who the history names: the person who recorded a result on paper, else the acceptance in inspection."""
    if data.get("recorded_by"):
        return f"{data.get('channel') or 'inspection'}:{data['recorded_by']}"
    return f"inspection:{data.get('acceptance_id') or ''}"


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _note(event: Event) -> str | None:
    findings = event.data.get("findings")
    if findings:
        return f"{event.data.get('department_code') or ''}: {findings}".strip(": ")
    parts = [event.data.get("reference"), f"scan {event.data['document_id']}" if event.data.get("document_id") else None]
    return "; ".join(p for p in parts if p) or None


async def _findings_to_problems(uow: UnitOfWork, project: dict, data: dict) -> None:
    """§4.7 step 2: a failed department review puts its findings on the problem list (问题清单)."""
    cfg = await get_config(uow.session)
    findings = data.get("findings")
    items = findings if isinstance(findings, list) else [findings] if findings else ["district review failed"]
    for text in items:
        await open_problem(uow, street_code=project["street_code"], project_id=project["id"], text=str(text),
                           owner_department=str(data.get("department_code") or "district_office"),
                           due_on=uow.clock.today() + timedelta(days=cfg.review_problem_due_days),
                           source="acceptance_review", acceptance_id=data.get("acceptance_id"))


async def record_evaluation(uow: UnitOfWork, event: Event) -> None:
    """Projection of fc.evaluation.recorded: the latest scenario coverage per project (三化九场景)."""
    d = event.data
    await upsert(uow.session, evaluations, {"project_id": str(d["project_id"])}, {
        "evaluation_id": str(d.get("evaluation_id") or event.id), "catalogue_version": str(d.get("catalogue_version") or ""),
        "standard_met": int(d.get("standard_met") or 0), "standard_total": int(d.get("standard_total") or 0),
        "all_standard_met": bool(d.get("all_standard_met")), "recorded_at": utcnow()})


async def record_subsidy(uow: UnitOfWork, event: Event) -> None:
    """Projection of fc.subsidy.*: money approved, paid and owed back per project, for the portrait."""
    d = event.data
    project_id = str(d["project_id"])
    if event.type == "fc.subsidy.approved":
        await upsert(uow.session, subsidy_approvals, {"project_id": project_id}, {
            "level": d.get("level"), "award_fen": int(d.get("award_fen") or 0),
            "entitlement_fen": int(d.get("entitlement_fen") or 0), "updated_at": utcnow()})
        return
    kind = "recovery" if event.type == "fc.subsidy.recovery_due" else str(d.get("kind") or "disbursement")
    await upsert(uow.session, subsidy_entries, {"entry_id": str(d.get("entry_id") or event.id)}, {
        "project_id": project_id, "kind": kind, "amount_fen": int(d.get("amount_fen") or 0),
        "rules": list(d.get("rules") or []), "recorded_at": utcnow()})


async def record_bulletin(uow: UnitOfWork, event: Event) -> None:
    """Projection of fc.bulletin.published (每月评价通报) for the public read API; immutable once published."""
    d = event.data
    ranking = [{"street_code": r.get("street_code"), "rank": r.get("rank"), "score": r.get("score")}
               for r in d.get("ranking") or []]
    await insert_ignore(uow.session, bulletins, {"month": str(d["month"]), "ranking": ranking, "published_at": utcnow()},
                        key=["month"])
