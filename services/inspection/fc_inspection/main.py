"""Inspection composition root."""
from fc_shared.app import ServiceSpec, create_app
from fc_shared.events import TOPIC_FUNDING, TOPIC_REGISTRY

from .adapters.tables import metadata, spine
from .entrypoints.api import router
from .service_layer.projection import on_project_created
from .settings import InspectionSettings


def build_spec(settings: InspectionSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="inspection", settings=settings or InspectionSettings(), metadata=metadata, spine=spine, routers=[router],
        consumes=[TOPIC_REGISTRY, TOPIC_FUNDING], handlers={"fc.project.created": on_project_created},
        description="Acceptance (验收), district review, province/city results, nine-scenario evaluation, bulletins.",
    )


def build_app(settings: InspectionSettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
