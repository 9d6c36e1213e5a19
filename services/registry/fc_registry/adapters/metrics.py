"""Registry's domain figures for the dashboard."""
from prometheus_client import Gauge
from sqlalchemy import func, select

from fc_shared.metrics import gauge_job

from .tables import projects

PROJECTS = Gauge("fc_projects", "Creation projects in each lifecycle state", ["state"])


async def projects_by_state(session) -> dict[tuple[str], float]:
    rows = (await session.execute(select(projects.c.state, func.count()).group_by(projects.c.state))).all()
    return {(state,): float(count) for state, count in rows}


refresh_projects = gauge_job(PROJECTS, projects_by_state)
