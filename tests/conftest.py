"""End-to-end fixtures: the whole platform as real processes on the real broker."""
from pathlib import Path

import pytest

from fc_devtools.testing import drop_platform_databases, make_platform

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def platform(broker, platform_env, tmp_path_factory):
    """One platform per test module (SQLite databases); tests use fresh ids so they don't collide."""
    p = make_platform(ROOT, tmp_path_factory.mktemp("platform"), broker, platform_env)
    p.start()
    yield p
    p.stop()
    drop_platform_databases(p)
