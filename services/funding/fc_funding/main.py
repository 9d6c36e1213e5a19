"""Funding composition root."""
from fc_shared.app import ServiceSpec, create_app

from .adapters.metrics import refresh_paid_fen
from .adapters.tables import spine
from .entrypoints import api_ledger, api_plans
from .entrypoints.handlers import CONSUMES, HANDLERS
from .entrypoints.jobs import sweep_parked_events
from .settings import FundingSettings


def build_spec(settings: FundingSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="funding", settings=settings or FundingSettings(), spine=spine,
        routers=[api_ledger.router, api_plans.router],
        consumes=CONSUMES, handlers=HANDLERS, jobs=[sweep_parked_events, refresh_paid_fen],
        description="Awards in lieu of subsidies (以奖代补): rules F1–F7, ledger, year close, budget.",
    )


def build_app(settings: FundingSettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
