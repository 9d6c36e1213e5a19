"""``make run``'s runner leaves no orphans: SIGKILL it and the broker and services it started end too."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fc_devtools.broker import free_port
from fc_devtools.testing import TEST_SECRET, wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "funding", "inspection", "notify", "console")

pytestmark = pytest.mark.e2e


def _proc_identity(pid: int) -> tuple[str, str] | None:
    """(state, start time) from /proc, or None once the process is gone (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is field 3, starttime field 22
    state, start = fields[0], fields[19]
    return None if state in ("Z", "X") else (state, start)


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Runner:
    """tools/devrun.py as ``make run`` starts it, on free ports, reading its JSON log lines."""

    def __init__(self, workdir: Path) -> None:
        self.ports = {name: free_port() for name in (*SERVICES, "broker")}
        env = {k: v for k, v in os.environ.items() if k != "FC_KAFKA_BOOTSTRAP"}
        env.update({"FC_DATA_DIR": str(workdir), "FC_SAMPLE_DATA": "0", "FC_JWT_SECRET": TEST_SECRET,
                    "FC_BROKER_PORT": str(self.ports["broker"]), "FC_ENV": "development"})
        env.update({f"{name.upper()}_PORT": str(self.ports[name]) for name in SERVICES})
        self.lines: list[dict] = []
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "devrun.py")], env=env, cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                pass

    def logged(self, msg: str) -> list[dict]:
        return [line for line in list(self.lines) if line.get("runner") == msg]

    def children(self) -> dict[str, int]:
        return {line["child"]: line["pid"] for line in self.logged("started")}


@pytest.fixture
def runner(tmp_path):
    r = Runner(tmp_path)
    yield r
    if r.proc.poll() is None:  # the test failed before killing it: stop it the ordinary way
        r.proc.send_signal(signal.SIGTERM)
        r.proc.wait(30)
    for pid in r.children().values():  # and never leave a process behind, whatever happened
        if _proc_identity(pid) is not None:
            os.killpg(pid, signal.SIGKILL)


def test_sigkill_of_the_runner_ends_everything_it_started(runner):
    wait_until(lambda: runner.logged("all services up"), timeout=180, message="the runner's services up")
    children = runner.children()
    assert set(children) == {*SERVICES, "broker"}, children
    identities = {name: _proc_identity(pid) for name, pid in children.items()}
    assert all(identities.values()), identities
    for pid in children.values():  # each child keeps a process session of its own for clean stops
        assert os.getsid(pid) == pid

    runner.proc.kill()
    runner.proc.wait(10)

    def left_over() -> dict[str, int]:
        return {name: pid for name, pid in children.items()
                if (now := _proc_identity(pid)) is not None and now[1] == identities[name][1]}

    wait_until(lambda: not left_over(), timeout=30, message="every child of the killed runner gone")
    wait_until(lambda: not any(_answers(port) for port in runner.ports.values()), timeout=10,
               message="no port of the killed runner's children still answering")
