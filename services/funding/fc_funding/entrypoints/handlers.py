"""Event handlers: registry's project snapshots, cancellations and year end, inspection's passed acceptances
and published bulletins.

Each event's data is read through its payload model (fc_shared.event_models) in one function below (``*_data``).
"""
from __future__ import annotations

from typing import Any

from fc_shared.event_models import (AcceptancePassed, BulletinPublished, ProjectCancelled, ProjectSnapshot,
                                    ProjectYearEndIncomplete)
from fc_shared.events import EVENT_TYPES, TOPIC_INSPECTION, TOPIC_REGISTRY, Event
from fc_shared.uow import UnitOfWork

from ..service_layer import ledger, views
from ..service_layer.projection import park, record_snapshot, replay_parked

CONSUMES = [TOPIC_REGISTRY, TOPIC_INSPECTION]


def cancelled_data(event: Event) -> str | None:
    """fc.project.cancelled: the reason (note) beside the snapshot."""
    return ProjectCancelled.of(event).note or None


def year_end_data(event: Event) -> int:
    """fc.project.year_end_incomplete: the task year that ended without acceptance."""
    return ProjectYearEndIncomplete.of(event).year


def bulletin_data(event: Event) -> tuple[str, list[tuple[str, int, str]]]:
    """fc.bulletin.published: the month and each street's rank and score."""
    data = BulletinPublished.of(event)
    return data.month, [(e.street_code, e.rank, str(e.score)) for e in data.ranking]


def passed_data(event: Event) -> dict[str, Any]:
    """fc.acceptance.passed, checked against its model, as the dict the ledger settles from."""
    return AcceptancePassed.of(event).model_dump(mode="json")


async def _after_snapshot(uow: UnitOfWork, event: Event):
    snap = await record_snapshot(uow, ProjectSnapshot.of(event))
    await replay_parked(uow, snap.project_id)
    return snap


async def on_project_event(uow: UnitOfWork, event: Event) -> None:
    """Any fc.project.* (rescheduled too: the projection follows the new task year): keep the projection,
    then run whatever waited for this project."""
    snap = await _after_snapshot(uow, event)
    if snap.task_year is not None and await ledger.year_closed(uow.session, snap.task_year):
        # Funding learnt of this project (or of its new task year) after that year was closed: the close covers it.
        project = await ledger.lock_project(uow, snap.project_id)
        await ledger.pay_interim(uow, project, snap.task_year, source_event_id=event.id)


async def on_cancelled(uow: UnitOfWork, event: Event) -> None:
    """F4: a cancelled project gets no interim ever; what it holds becomes a recovery due."""
    snap = await _after_snapshot(uow, event)
    project = await ledger.lock_project(uow, snap.project_id)
    if project.state != "cancelled":
        return  # a newer snapshot is already kept (cannot happen from registry: cancelled is final)
    await ledger.cancel(uow, project, reason=cancelled_data(event), source_event_id=event.id)


async def on_year_end_incomplete(uow: UnitOfWork, event: Event) -> None:
    """F4: registry says the task year ended without acceptance → pay the interim (once, once the year has ended)."""
    snap = await _after_snapshot(uow, event)
    project = await ledger.lock_project(uow, snap.project_id)
    await ledger.pay_interim(uow, project, year_end_data(event), source_event_id=event.id)


async def on_acceptance_passed(uow: UnitOfWork, event: Event) -> None:
    """§5.3: approve and pay (or recover) on a passed city/province acceptance."""
    data = passed_data(event)  # a malformed result fails here, before it could be parked
    ledger.passed_data(data)
    project = await ledger.lock_project(uow, data["project_id"])
    if project is None:
        await park(uow, data["project_id"], event)
        return
    await ledger.settle_acceptance(uow, project, data, event.id)


async def on_bulletin_published(uow: UnitOfWork, event: Event) -> None:
    """§5.6: keep each street's published monthly rank and score, shown beside its money."""
    month, ranking = bulletin_data(event)
    await views.record_bulletin(uow.session, month, ranking)


HANDLERS = {t: on_project_event for t in EVENT_TYPES if t.startswith("fc.project.")}
HANDLERS["fc.project.cancelled"] = on_cancelled
HANDLERS["fc.project.year_end_incomplete"] = on_year_end_incomplete
HANDLERS["fc.acceptance.passed"] = on_acceptance_passed
HANDLERS["fc.bulletin.published"] = on_bulletin_published
