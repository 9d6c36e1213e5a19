"""End-to-end on both databases: the same platform on SQLite files, then on PostgreSQL databases."""
from pathlib import Path

import pytest

from fc_devtools.testing import database_params, platform_running

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=database_params())
def platform(request, platform_env, tmp_path_factory):
    """One platform per test module and database, on its own broker; tests use fresh ids so they don't collide."""
    with platform_running(ROOT, tmp_path_factory.mktemp(f"platform-{request.param}"), platform_env,
                          database=request.param) as p:
        yield p
