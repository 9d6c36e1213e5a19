"""Funding composition root."""
from fc_shared.app import ServiceSpec, create_app
from fc_shared.events import TOPIC_INSPECTION, TOPIC_REGISTRY

from .adapters.metrics import refresh_paid_fen
from .adapters.tables import metadata, spine
from .entrypoints.api import router
from .entrypoints.handlers import HANDLERS
from .entrypoints.jobs import sweep_parked_events
from .settings import FundingSettings


def build_spec(settings: FundingSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="funding", settings=settings or FundingSettings(), metadata=metadata, spine=spine, routers=[router],
        consumes=[TOPIC_REGISTRY, TOPIC_INSPECTION], handlers=HANDLERS, jobs=[sweep_parked_events, refresh_paid_fen],
        description="Awards in lieu of subsidies (以奖代补): rules F1–F7, ledger, year close, budget.",
    )


def build_app(settings: FundingSettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
