"""Event handlers: registry's project snapshots and year end, inspection's passed acceptances."""
from __future__ import annotations

from fc_shared.events import EVENT_TYPES, TOPIC_INSPECTION, TOPIC_REGISTRY, Event
from fc_shared.uow import UnitOfWork

from ..service_layer import ledger
from ..service_layer.projection import park, record_snapshot, replay_parked

CONSUMES = [TOPIC_REGISTRY, TOPIC_INSPECTION]


async def on_project_event(uow: UnitOfWork, event: Event) -> None:
    """Any fc.project.*: keep the projection, then run whatever waited for this project."""
    snap = await record_snapshot(uow, event.data)
    await replay_parked(uow, snap.project_id)
    if snap.task_year is not None and await ledger.year_closed(uow.session, snap.task_year):
        # Funding learnt of this project after its task year was closed: the close covers it too.
        project = await ledger.lock_project(uow, snap.project_id)
        await ledger.pay_interim(uow, project, snap.task_year, source_event_id=event.id)


async def on_year_end_incomplete(uow: UnitOfWork, event: Event) -> None:
    """F4: registry says the task year ended without acceptance → pay the interim (once)."""
    snap = await record_snapshot(uow, event.data)
    await replay_parked(uow, snap.project_id)
    project = await ledger.lock_project(uow, snap.project_id)
    await ledger.pay_interim(uow, project, int(event.data["year"]), source_event_id=event.id)


async def on_acceptance_passed(uow: UnitOfWork, event: Event) -> None:
    """§5.3: approve and pay (or recover) on a passed city/province acceptance."""
    project_id = str(event.data["project_id"])
    ledger.passed_data(event.data)  # a malformed result fails here, before it could be parked
    project = await ledger.lock_project(uow, project_id)
    if project is None:
        await park(uow, project_id, event)
        return
    await ledger.settle_acceptance(uow, project, event.data, event.id)


HANDLERS = {t: on_project_event for t in EVENT_TYPES if t.startswith("fc.project.")}
HANDLERS["fc.project.year_end_incomplete"] = on_year_end_incomplete
HANDLERS["fc.acceptance.passed"] = on_acceptance_passed
