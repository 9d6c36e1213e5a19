"""The four services as real processes, and a headless Chromium that can reach nothing but loopback."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from fc_devtools.testing import platform_running

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import DeadEndProxy, chromium_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def platform(platform_env, tmp_path_factory):
    with platform_running(ROOT, tmp_path_factory.mktemp("platform"), platform_env) as p:
        yield p


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
