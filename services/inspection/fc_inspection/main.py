"""Inspection composition root."""
from fc_shared.app import ServiceSpec, create_app

from .adapters.tables import spine
from .entrypoints import api_acceptances, api_bulletins, api_evaluations
from .entrypoints.handlers import CONSUMES, HANDLERS
from .settings import InspectionSettings


def build_spec(settings: InspectionSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="inspection", settings=settings or InspectionSettings(), spine=spine,
        routers=[api_evaluations.router, api_acceptances.router, api_bulletins.router],
        consumes=CONSUMES, handlers=HANDLERS,
        description="Acceptance (验收), district review, province/city results, nine-scenario evaluation, bulletins.",
    )


def build_app(settings: InspectionSettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
