"""Registry composition root."""
from fc_shared.app import ServiceSpec, create_app

from .adapters.metrics import refresh_projects
from .adapters.tables import spine
from .entrypoints import api_archive, api_projects, api_public, api_work
from .entrypoints.handlers import CONSUMES, HANDLERS
from .entrypoints.jobs import deadline_watcher
from .settings import RegistrySettings


# Read far more often than they change (the console polls the board; every official of a street opens it):
# their 200 answers are kept while the database is unchanged (fc_shared.readcache). Each depends on nothing but
# the database, the path and query, the caller's role and scope and the district's day.
CACHED_READS = ("/api/v1/board", "/api/v1/projects/{project_id}")


def build_spec(settings: RegistrySettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="registry", settings=settings or RegistrySettings(), spine=spine,
        routers=[api_archive.router, api_projects.router, api_work.router, api_public.router],
        consumes=CONSUMES, handlers=HANDLERS, jobs=[deadline_watcher, refresh_projects], cached_reads=CACHED_READS,
        description="Streets, communities (一社一档), creation projects and lifecycle, time nodes, work summaries, "
                    "deadline watcher, targets, board (挂图作战), public read API, premises lease requests.",
    )


def build_app(settings: RegistrySettings | None = None):
    return create_app(build_spec(settings))


app = build_app()
