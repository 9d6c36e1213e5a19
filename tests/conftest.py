"""End-to-end fixtures: the whole platform as real processes on the real broker."""
from pathlib import Path

import pytest

from fc_devtools.testing import platform_running

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def platform(platform_env, tmp_path_factory):
    """One platform per test module (SQLite databases) on its own broker; tests use fresh ids so they don't collide."""
    with platform_running(ROOT, tmp_path_factory.mktemp("platform"), platform_env) as p:
        yield p
