"""Inspection composition root."""
from fc_shared.app import ServiceSpec, create_app
from fc_shared.events import TOPIC_FUNDING, TOPIC_REGISTRY

from .adapters.tables import metadata, spine
from .entrypoints.acceptance_api import router as acceptance_router
from .entrypoints.api import router
from .entrypoints.bulletin_api import router as bulletin_router
from .service_layer.projection import HANDLERS
from .settings import InspectionSettings


def build_spec(settings: InspectionSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="inspection", settings=settings or InspectionSettings(), metadata=metadata, spine=spine,
        routers=[router, acceptance_router, bulletin_router],
        consumes=[TOPIC_REGISTRY, TOPIC_FUNDING], handlers=dict(HANDLERS),
        description="Acceptance (验收), district review, province/city results, nine-scenario evaluation, bulletins.",
    )


def build_app(settings: InspectionSettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
