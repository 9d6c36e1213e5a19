"""Event handlers: every event on every topic is kept, queued to subscribers and turned into alerts."""
from __future__ import annotations

from collections.abc import Callable

from fc_shared.event_models import payload_of
from fc_shared.events import EVENT_TYPES, TOPICS, Event
from fc_shared.inbox import Handler
from fc_shared.uow import UnitOfWork

from ..service_layer.alerts import raise_alerts
from ..service_layer.deliveries import record_event
from ..settings import NotifySettings

CONSUMES = list(TOPICS)  # every topic: each event may be subscribed to


def make_handler(settings: NotifySettings, deliveries_due: Callable[[], None] | None = None) -> Handler:
    async def on_event(uow: UnitOfWork, event: Event) -> None:
        # Read through the type's model: an off-contract payload is dead-lettered, never queued to subscribers
        # (who receive the event as published, unknown extra fields included).
        data = payload_of(event).model_dump(mode="json")
        await record_event(uow, event, settings, on_queued=deliveries_due)
        await raise_alerts(uow, event.id, event.type, data, today=uow.clock.today(),
                           email_enabled=settings.email_enabled)

    return on_event


def handlers(settings: NotifySettings, deliveries_due: Callable[[], None] | None = None) -> dict[str, Handler]:
    """Every event type goes to the one handler that records, queues and alerts."""
    on_event = make_handler(settings, deliveries_due)
    return {t: on_event for t in EVENT_TYPES}
