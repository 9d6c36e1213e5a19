"""The platform under the real local runner (tools/devrun.py) on PostgreSQL, for fault tests.

The runner starts the broker and the four services and restarts whatever dies, exactly
as `make run` does; the tests kill children with SIGKILL and read the APIs afterwards.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from fc_devtools.broker import free_port
from fc_devtools.testing import (TEST_KAFKA_SESSION_TIMEOUT_MS, TEST_SECRET, create_pg_database, drop_pg_database,
                                 wait_until)

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "funding", "inspection", "notify")
MODULES = {s: f"fc_{s}.main:app" for s in SERVICES}


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _pids_matching(*needles: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            cmd = _cmdline(int(entry.name))
            if all(n in cmd for n in needles):
                out.append(int(entry.name))
    return out


class Supervised:
    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.ports = {s: free_port() for s in SERVICES}
        self.broker_port = free_port()
        self.db_urls = {s: create_pg_database(f"fc_fault_{s}") for s in SERVICES}
        self.env = {**os.environ, "FC_DATA_DIR": str(workdir / "data"), "FC_SAMPLE_DATA": "0",
                    "FC_JWT_SECRET": TEST_SECRET, "FC_BROKER_PORT": str(self.broker_port),
                    "FC_CONSUMER_RETRY_BACKOFF_S": "0.2",
                    # a killed consumer's partitions go to its restarted self after this long (production: 10 s)
                    "FC_KAFKA_SESSION_TIMEOUT_MS": str(TEST_KAFKA_SESSION_TIMEOUT_MS),
                    "NOTIFY_RETRY_SCHEDULE_S": json.dumps([0, 1, 1, 2, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]),
                    **(extra_env or {})}
        self.env.pop("FC_KAFKA_BOOTSTRAP", None)  # the runner starts its own broker
        for s in SERVICES:
            self.env[f"{s.upper()}_PORT"] = str(self.ports[s])
            self.env[f"{s.upper()}_DATABASE_URL"] = self.db_urls[s]
        self.urls = {s: f"http://127.0.0.1:{p}" for s, p in self.ports.items()}
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "runner.log"

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "devrun.py")], env=self.env, cwd=ROOT,
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_all_healthy(180)

    def healthy(self, service: str) -> bool:
        try:
            return httpx.get(self.urls[service] + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_all_healthy(self, timeout: float = 120) -> None:
        def ok():
            if self.proc.poll() is not None:
                raise RuntimeError(f"runner exited {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            return all(self.healthy(s) for s in SERVICES)
        wait_until(ok, timeout, interval=0.3, message="all four services healthy under the runner")

    def service_pid(self, service: str) -> int:
        pids = _pids_matching(MODULES[service], str(self.ports[service]))
        if not pids:
            raise RuntimeError(f"no process for {service}")
        return pids[0]

    def broker_pid(self) -> int:
        return _pids_matching("broker", f"tcp://127.0.0.1:{self.broker_port}")[0]

    def kill9(self, service: str) -> int:
        pid = self.broker_pid() if service == "broker" else self.service_pid(service)
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, service: str, old_pid: int, timeout: float = 120) -> None:
        def back():
            pid = (self.broker_pid() if service == "broker" else self.service_pid(service))
            return pid != old_pid and (service == "broker" or self.healthy(service))
        wait_until(back, timeout, interval=0.3, message=f"{service} restarted by the runner")

    def runner_log(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        for url in self.db_urls.values():
            drop_pg_database(url)
