"""The four services as real processes, and a headless Chromium that can reach nothing but loopback."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from fc_devtools.testing import drop_platform_databases, make_platform

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import DeadEndProxy, chromium_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def platform(broker, platform_env, tmp_path_factory):
    p = make_platform(ROOT, tmp_path_factory.mktemp("platform"), broker, platform_env)
    p.start()
    yield p
    p.stop()
    drop_platform_databases(p)


@pytest.fixture(scope="session")
def browser_available() -> None:
    if chromium_path() is None:
        if os.environ.get("FC_TEST_BROWSER", "1") == "0":
            pytest.skip("FC_TEST_BROWSER=0: browser tests skipped on purpose")
        pytest.fail("headless Chromium is needed (apt-get install -y chromium; .ci/run installs it), "
                    "or set FC_TEST_BROWSER=0 to skip the browser tests on purpose")


@pytest.fixture
def proxy(browser_available):
    p = DeadEndProxy()
    yield p
    p.close()
