"""Event handlers: inspection moves project states; inspection and funding feed the portrait's projections."""
from __future__ import annotations

from fc_shared.events import TOPIC_FUNDING, TOPIC_INSPECTION, Event
from fc_shared.uow import UnitOfWork

from ..service_layer import inspection

CONSUMES = [TOPIC_INSPECTION, TOPIC_FUNDING]


async def on_acceptance(uow: UnitOfWork, event: Event) -> None:
    await inspection.apply_inspection_event(uow, event)


async def on_evaluation(uow: UnitOfWork, event: Event) -> None:
    await inspection.record_evaluation(uow, event)


async def on_subsidy(uow: UnitOfWork, event: Event) -> None:
    await inspection.record_subsidy(uow, event)


async def on_bulletin(uow: UnitOfWork, event: Event) -> None:
    await inspection.record_bulletin(uow, event)


HANDLERS = {
    "fc.acceptance.requested": on_acceptance,
    "fc.acceptance.district_reviewed": on_acceptance,
    "fc.acceptance.review_failed": on_acceptance,
    "fc.acceptance.passed": on_acceptance,
    "fc.acceptance.failed": on_acceptance,
    "fc.evaluation.recorded": on_evaluation,
    "fc.subsidy.approved": on_subsidy,
    "fc.subsidy.disbursed": on_subsidy,
    "fc.subsidy.recovery_due": on_subsidy,
    "fc.subsidy.recovery_settled": on_subsidy,
    "fc.bulletin.published": on_bulletin,
}
