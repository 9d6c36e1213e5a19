"""End-to-end on both databases: the same platform on SQLite files, then on PostgreSQL databases."""
from pathlib import Path

import pytest

from fc_devtools.testing import database_params, drop_platform_databases, make_platform

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=database_params())
def platform(request, broker, platform_env, tmp_path_factory):
    """One platform per test module and database; tests use fresh ids so they don't collide."""
    p = make_platform(ROOT, tmp_path_factory.mktemp(f"platform-{request.param}"), broker, platform_env,
                      database=request.param)
    p.start()
    yield p
    p.stop()
    drop_platform_databases(p)
