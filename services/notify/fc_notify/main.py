"""Notify composition root."""
from fc_shared.app import ServiceSpec, create_app
from fc_shared.events import EVENT_TYPES, TOPICS

from .adapters.tables import metadata, spine
from .entrypoints.api import router
from .service_layer.webhooks import dispatcher, on_event
from .settings import NotifySettings


def build_spec(settings: NotifySettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="notify", settings=settings or NotifySettings(), metadata=metadata, spine=spine, routers=[router],
        consumes=list(TOPICS), handlers={t: on_event for t in EVENT_TYPES}, jobs=[dispatcher],
        description="Signed webhooks to province/city systems, alerts, email.",
    )


def build_app(settings: NotifySettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
