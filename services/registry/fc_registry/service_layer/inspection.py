"""Inspection-driven states (§4.7) and the projections of inspection and funding events."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from fc_shared.db import insert_ignore, upsert
from fc_shared.event_models import (AcceptanceEvent, AcceptanceFailed, AcceptanceReviewFailed, BulletinPublished,
                                    EvaluationRecorded, LedgerEntry, Payload, SubsidyApproved)
from fc_shared.events import Event
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import bulletins, evaluations, projects, subsidy_approvals, subsidy_entries
from ..domain.lifecycle import accepted_within_task_year, inspection_target
from ..domain.projects import higher_level
from .common import resolve_deadline, save_project, snapshot
from .config import get_config
from .work import open_problem

log = logging.getLogger(__name__)


async def apply_inspection_event(uow: UnitOfWork, event: Event) -> None:
    """§4.7: acceptance events move accepting → district_reviewed → accepted, or back on failure."""
    data = AcceptanceEvent.of(event)
    project_id = data.project_id
    row = (await uow.session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None:
        log.warning("inspection event for an unknown project", extra={"type": event.type, "project_id": project_id})
        return
    project = dict(row._mapping)
    if isinstance(data, AcceptanceReviewFailed):
        await _findings_to_problems(uow, project, data)
    target = inspection_target(event.type, project["state"], project["accepted_level"], getattr(data, "level", None),
                               named_level=project["named_level"])
    if target is None:
        log.info("inspection event does not move the project in its state",
                 extra={"type": event.type, "project_id": project_id, "state": project["state"]})
        return
    changes: dict = {"state": target}
    decided_on = data.decided_on if isinstance(data, AcceptanceFailed) else None  # passed or failed
    if event.type == "fc.acceptance.passed":
        level = data.level
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
                   _note(data), decided_on)
    if target == "accepted":
        await resolve_deadline(uow, f"creation:{project_id}")
        if accepted_within_task_year(project["task_year"], project["accepted_on"]):
            await resolve_deadline(uow, f"year_end:{project_id}")
    uow.emit("fc.project.state_changed", project_id, {
        **snapshot(project), "from_state": from_state, "to_state": target, "cause": event.type,
        "acceptance_id": data.acceptance_id, "on": decided_on or uow.clock.today()})


def _recorded_by(data: AcceptanceEvent) -> str:
    """Who the history names: the person who recorded a result on paper, else the acceptance in inspection."""
    if isinstance(data, AcceptanceFailed) and data.recorded_by:
        return f"{data.channel}:{data.recorded_by}"
    return f"inspection:{data.acceptance_id}"


def _note(data: AcceptanceEvent) -> str | None:
    if isinstance(data, AcceptanceReviewFailed) and data.findings:
        return f"{data.department_code}: {data.findings}".strip(": ")
    if isinstance(data, AcceptanceFailed):
        parts = [data.reference, f"scan {data.document_id}" if data.document_id else None]
        return "; ".join(p for p in parts if p) or None
    return None


async def _findings_to_problems(uow: UnitOfWork, project: dict, data: AcceptanceReviewFailed) -> None:
    """§4.7 step 2: a failed department review puts its findings on the problem list (问题清单)."""
    cfg = await get_config(uow.session)
    await open_problem(uow, street_code=project["street_code"], project_id=project["id"],
                       text=data.findings or "district review failed", owner_department=data.department_code,
                       due_on=uow.clock.today() + timedelta(days=cfg.review_problem_due_days),
                       source="acceptance_review", acceptance_id=data.acceptance_id)


async def record_evaluation(uow: UnitOfWork, event: Event) -> None:
    """Projection of fc.evaluation.recorded: the latest scenario coverage per project (三化九场景)."""
    d = EvaluationRecorded.of(event)
    await upsert(uow.session, evaluations, {"project_id": d.project_id}, {
        "evaluation_id": d.evaluation_id, "catalogue_version": str(d.catalogue_version),
        "standard_met": d.standard_met, "standard_total": d.standard_total,
        "all_standard_met": d.all_standard_met, "recorded_at": utcnow()})


async def record_subsidy(uow: UnitOfWork, event: Event) -> None:
    """Projection of fc.subsidy.*: money approved, paid, owed back and settled per project, for the portrait.

    Keyed by funding's entry id, so a redelivery (under any event id) counts once."""
    d: Payload = Payload.of(event)
    if isinstance(d, SubsidyApproved):
        await upsert(uow.session, subsidy_approvals, {"project_id": d.project_id}, {
            "level": d.level, "award_fen": d.award_fen, "entitlement_fen": d.entitlement_fen, "updated_at": utcnow()})
        return
    entry = LedgerEntry.of(event)
    # fc.subsidy.recovery_due has no kind: it is the recovery; fc.subsidy.recovery_settled's kind (repayment or
    # offset) settles part of one. A reversal is its own entry (negative amount) of the reversed entry's kind.
    kind = getattr(entry, "kind", "recovery")
    await upsert(uow.session, subsidy_entries, {"entry_id": str(entry.entry_id)}, {
        "project_id": entry.project_id, "kind": kind, "amount_fen": entry.amount_fen,
        "rules": entry.rules, "recorded_at": utcnow()})


async def record_bulletin(uow: UnitOfWork, event: Event) -> None:
    """Projection of fc.bulletin.published (每月评价通报) for the public read API; immutable once published."""
    d = BulletinPublished.of(event)
    ranking = [r.model_dump() for r in d.ranking]
    await insert_ignore(uow.session, bulletins, {"month": d.month, "ranking": ranking, "published_at": utcnow()},
                        key=["month"])
