"""Notify composition root."""
from fc_shared.app import ServiceSpec, create_app
from fc_shared.events import EVENT_TYPES, TOPICS
from fc_shared.netpolicy import Resolver

from .adapters.endpoints import endpoint_guard
from .adapters.tables import metadata, spine
from .entrypoints.api import router
from .entrypoints.handlers import make_handler
from .entrypoints.jobs import dispatch_webhooks, email_sender
from .settings import NotifySettings


def build_spec(settings: NotifySettings | None = None, *, consume: bool = True,
               resolver: Resolver | None = None) -> ServiceSpec:
    settings = settings or NotifySettings()
    on_event = make_handler(settings)
    return ServiceSpec(
        name=settings.name, settings=settings, metadata=metadata, spine=spine, routers=[router],
        consumes=list(TOPICS) if consume else [], handlers={t: on_event for t in EVENT_TYPES},
        jobs=[dispatch_webhooks, email_sender],
        description="Signed webhooks to province/city systems, alert inbox, e-mail.",
        resources={"endpoint_guard": endpoint_guard(settings, resolver)},
    )


def build_app(settings: NotifySettings | None = None, *, consume: bool = True, resolver: Resolver | None = None):
    return create_app(build_spec(settings, consume=consume, resolver=resolver))


app = build_app()
