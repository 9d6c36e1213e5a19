"""Registry composition root."""
from fc_shared.app import ServiceSpec, create_app

from .adapters.tables import metadata, spine
from .entrypoints.api import router
from .settings import RegistrySettings


def build_spec(settings: RegistrySettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="registry", settings=settings or RegistrySettings(), metadata=metadata, spine=spine,
        routers=[router], description="Streets, communities (一社一档), creation projects, time nodes, board.",
    )


def build_app(settings: RegistrySettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
