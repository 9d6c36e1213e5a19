"""The console in Debian's Chromium (Playwright) against the platform started exactly as ``make run`` starts it.

tools/devrun.py runs with a temporary data directory and free ports (SQLite, the real broker, no sample data);
``npx playwright test`` drives the browser through the whole project path. Screenshots land in
services/console/web/test-results/ (kept as CI artifacts).
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "services" / "console" / "web"
CHROMIUM = os.environ.get("FC_CHROMIUM", "/usr/bin/chromium")
OUTPUT = WEB / "test-results"


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"devrun exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if "console: open" in log.read_text() and httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the platform did not come up in {timeout} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def console_url(tmp_path_factory):
    assert (WEB / "dist" / "index.html").is_file(), "the front end is not built: run make install (npm ci + vite build)"
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set FC_CHROMIUM)"
    data = tmp_path_factory.mktemp("console-e2e")
    ports = {name: free_port() for name in ("FC_BROKER_PORT", "REGISTRY_PORT", "FUNDING_PORT", "INSPECTION_PORT",
                                            "NOTIFY_PORT", "CONSOLE_PORT")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FC_", "CONSOLE_", "REGISTRY_", "FUNDING_",
                                                                      "INSPECTION_", "NOTIFY_"))}
    env.update({k: str(v) for k, v in ports.items()})
    env.update(FC_DATA_DIR=str(data), FC_SAMPLE_DATA="0", FC_ENV="development")
    log = data / "devrun.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "devrun.py")], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{ports['CONSOLE_PORT']}"
    try:
        _wait_ready(url, proc, log)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.timeout(1800)
def test_console_end_to_end_in_chromium(console_url):
    shutil.rmtree(OUTPUT, ignore_errors=True)
    env = {**os.environ, "CONSOLE_URL": console_url, "E2E_OUTPUT_DIR": str(OUTPUT), "FC_CHROMIUM": CHROMIUM,
           "CI": "1"}
    result = subprocess.run(["npx", "--no-install", "playwright", "test"], cwd=WEB, env=env, capture_output=True,
                            text=True, timeout=1500)
    print(result.stdout[-20000:])
    print(result.stderr[-5000:], file=sys.stderr)
    assert result.returncode == 0, "playwright failed (output above; screenshots in services/console/web/test-results)"
    shots = sorted(p.name for p in OUTPUT.rglob("*.png"))
    assert {"funding-paid.png", "street-board.png", "bulletin.png", "signed-out.png"} <= set(shots), shots
