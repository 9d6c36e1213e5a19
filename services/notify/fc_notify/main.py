"""Notify composition root."""
import asyncio

from fc_shared.app import ServiceSpec, create_app
from fc_shared.netpolicy import Resolver

from .adapters.endpoints import endpoint_guard
from .adapters.tables import spine
from .entrypoints import api_alerts, api_subscriptions
from .entrypoints.handlers import CONSUMES, handlers
from .entrypoints.jobs import dispatch_webhooks, email_sender
from .settings import NotifySettings


def build_spec(settings: NotifySettings | None = None, *, consume: bool = True,
               resolver: Resolver | None = None) -> ServiceSpec:
    settings = settings or NotifySettings()
    webhooks_due = asyncio.Event()  # set when deliveries are committed: the dispatcher looks at once
    return ServiceSpec(
        name=settings.name, settings=settings, spine=spine,
        routers=[api_subscriptions.router, api_alerts.router],
        consumes=CONSUMES if consume else [], handlers=handlers(settings, webhooks_due.set),
        jobs=[dispatch_webhooks, email_sender],
        description="Signed webhooks to province/city systems, alert inbox, e-mail.",
        resources={"endpoint_guard": endpoint_guard(settings, resolver), "webhooks_due": webhooks_due},
    )


def build_app(settings: NotifySettings | None = None, *, consume: bool = True, resolver: Resolver | None = None):
    return create_app(build_spec(settings, consume=consume, resolver=resolver))


app = build_app()
