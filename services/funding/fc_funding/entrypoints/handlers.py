"""Event handlers: registry's project snapshots, cancellations and year end, inspection's passed acceptances
and published bulletins.

Each event's data is read in one function below (``*_data``), so a typed contract can replace it in one place.
"""
from __future__ import annotations

from typing import Any

from fc_shared.events import EVENT_TYPES, TOPIC_INSPECTION, TOPIC_REGISTRY, Event
from fc_shared.uow import UnitOfWork

from ..service_layer import ledger, views
from ..service_layer.projection import park, record_snapshot, replay_parked

CONSUMES = [TOPIC_REGISTRY, TOPIC_INSPECTION]


def cancelled_data(data: dict[str, Any]) -> str | None:
    """fc.project.cancelled: the reason (note) beside the snapshot."""
    note = data.get("note")
    return str(note) if note else None


def year_end_data(data: dict[str, Any]) -> int:
    """fc.project.year_end_incomplete: the task year that ended without acceptance."""
    return int(data["year"])


def bulletin_data(data: dict[str, Any]) -> tuple[str, list[tuple[str, int, str]]]:
    """fc.bulletin.published: the month and each street's rank and score."""
    month = str(data["month"])
    return month, [(str(e["street_code"]), int(e["rank"]), str(e["score"])) for e in data.get("ranking") or []]


async def _after_snapshot(uow: UnitOfWork, event: Event):
    snap = await record_snapshot(uow, event.data)
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
    await ledger.cancel(uow, project, reason=cancelled_data(event.data), source_event_id=event.id)


async def on_year_end_incomplete(uow: UnitOfWork, event: Event) -> None:
    """F4: registry says the task year ended without acceptance → pay the interim (once, once the year has ended)."""
    snap = await _after_snapshot(uow, event)
    project = await ledger.lock_project(uow, snap.project_id)
    await ledger.pay_interim(uow, project, year_end_data(event.data), source_event_id=event.id)


async def on_acceptance_passed(uow: UnitOfWork, event: Event) -> None:
    """§5.3: approve and pay (or recover) on a passed city/province acceptance."""
    project_id = str(event.data["project_id"])
    ledger.passed_data(event.data)  # a malformed result fails here, before it could be parked
    project = await ledger.lock_project(uow, project_id)
    if project is None:
        await park(uow, project_id, event)
        return
    await ledger.settle_acceptance(uow, project, event.data, event.id)


async def on_bulletin_published(uow: UnitOfWork, event: Event) -> None:
    """§5.6: keep each street's published monthly rank and score, shown beside its money."""
    month, ranking = bulletin_data(event.data)
    await views.record_bulletin(uow.session, month, ranking)


HANDLERS = {t: on_project_event for t in EVENT_TYPES if t.startswith("fc.project.")}
HANDLERS["fc.project.cancelled"] = on_cancelled
HANDLERS["fc.project.year_end_incomplete"] = on_year_end_incomplete
HANDLERS["fc.acceptance.passed"] = on_acceptance_passed
HANDLERS["fc.bulletin.published"] = on_bulletin_published
