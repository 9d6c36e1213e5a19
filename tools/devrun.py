"""``make run``: migrate, start the broker and the four services, supervise them, load sample data.

Runs in the foreground. A child that dies is restarted with backoff (and the restart is
logged). Ctrl-C or SIGTERM stops every process it started; if the runner itself is killed
(even with SIGKILL), the kernel sends each child SIGTERM, so nothing it started is orphaned.
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.services import ROOT, SERVICES  # noqa: E402

PY = sys.executable
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_runner():
    """A ``preexec_fn`` making the child get SIGTERM when the runner dies, however it dies.

    Linux's PR_SET_PDEATHSIG; the death signal belongs to the thread that forks, so children
    are started from the runner's main thread only. Elsewhere there is no such guarantee.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    runner = os.getpid()

    def preexec() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            os._exit(126)
        if os.getppid() != runner:  # the runner died before the death signal was armed
            os._exit(1)

    return preexec


def log(msg: str, **fields) -> None:
    print(json.dumps({"ts": datetime.now(UTC).isoformat(timespec="seconds"), "runner": msg, **fields},
                     ensure_ascii=False), flush=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    logfile: Path
    proc: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = 0.0
    backoff: float = field(default=1.0)

    def start(self) -> None:
        # Its own session, so a Ctrl-C in the terminal reaches only the runner, which stops children in order.
        with open(self.logfile, "ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=ROOT, start_new_session=True, preexec_fn=die_with_runner())
        self.started_at = time.monotonic()
        log("started", child=self.name, pid=self.proc.pid, log=str(self.logfile))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)

    def wait_or_kill(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log("child did not stop in time; killing", child=self.name)
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def wait_http(url: str, timeout: float = 60.0) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def main() -> int:
    data_dir = Path(os.environ.get("FC_DATA_DIR", ".data")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(exist_ok=True)
    env = dict(os.environ)
    env["FC_DATA_DIR"] = str(data_dir)
    env.setdefault("FC_JWT_SECRET", "dev-secret-change-me")
    children: list[Child] = []

    external_kafka = "FC_KAFKA_BOOTSTRAP" in os.environ
    if not external_kafka:
        from fc_devtools.broker import tansu_binary

        port = int(env.get("FC_BROKER_PORT", "9092"))
        url = f"tcp://127.0.0.1:{port}"
        env["FC_KAFKA_BOOTSTRAP"] = f"127.0.0.1:{port}"
        children.append(Child("broker", [tansu_binary(), "broker", "--listener-url", url,
                                         "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                              {**env, "RUST_LOG": "warn"}, data_dir / "logs" / "broker.log"))

    for svc in SERVICES:
        log("migrating", service=svc.name)
        subprocess.run([PY, "-m", "alembic", "-c", str(svc.directory / "alembic.ini"), "upgrade", "head"],
                       env=env, cwd=ROOT, check=True, preexec_fn=die_with_runner())
        port = env.get(f"{svc.env_prefix}PORT", str(svc.default_port))
        children.append(Child(svc.name, [PY, "-m", "uvicorn", svc.module, "--host", env.get("FC_HOST", "127.0.0.1"),
                                         "--port", port, "--no-access-log", "--timeout-graceful-shutdown", "10"],
                              env, data_dir / "logs" / f"{svc.name}.log"))

    host = env.get("FC_HOST", "127.0.0.1")
    console_port = env.get("CONSOLE_PORT", "8000")
    console_env = {**env, **{f"CONSOLE_{svc.name.upper()}_URL":
                             f"http://127.0.0.1:{env.get(f'{svc.env_prefix}PORT', svc.default_port)}" for svc in SERVICES}}
    children.append(Child("console", [PY, "-m", "uvicorn", "fc_console.main:app", "--host", host,
                                      "--port", console_port, "--no-access-log"],
                          console_env, data_dir / "logs" / "console.log"))

    stopping = False

    def _stop(signum, _frame):
        nonlocal stopping
        stopping = True
        log("stopping", signal=signal.Signals(signum).name)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    for child in children:
        child.start()
        if child.name == "broker":
            from fc_devtools.broker import wait_for_port

            wait_for_port("127.0.0.1", int(env["FC_KAFKA_BOOTSTRAP"].rsplit(":", 1)[1]))

    urls = {svc.name: f"http://127.0.0.1:{env.get(f'{svc.env_prefix}PORT', svc.default_port)}" for svc in SERVICES}
    sample_pending = env.get("FC_SAMPLE_DATA", "1") == "1" and not (data_dir / "sample-data.loaded").exists()
    ready_logged = False
    try:
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.alive():
                    if now - child.started_at > 60:
                        child.backoff = 1.0  # it stayed up: forget earlier crashes
                    continue
                if child.next_start == 0.0:
                    code = child.proc.returncode if child.proc else None
                    child.next_start = now + child.backoff
                    log("child died; restarting", child=child.name, exit_code=code, restart_in_s=child.backoff)
                    child.backoff = min(child.backoff * 2, 30)
                elif now >= child.next_start:
                    child.restarts += 1
                    child.next_start = 0.0
                    child.start()
            if not ready_logged and all(wait_http(u + "/healthz", 0.5) for u in urls.values()):
                ready_logged = True
                log("all services up", **urls, broker=env["FC_KAFKA_BOOTSTRAP"])
                console_url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{console_port}"
                if wait_http(console_url + "/healthz", 30):
                    log(f"console: open {console_url}/ in a browser", console=console_url)
                if sample_pending:
                    sample_pending = False
                    from tools.sample_data import load

                    try:
                        summary = load(urls, env["FC_JWT_SECRET"])
                    except Exception as exc:  # noqa: BLE001 - the platform still runs; the next start tries again
                        log("sample data failed; will try again at the next start", error=repr(exc))
                    else:
                        (data_dir / "sample-data.loaded").write_text(datetime.now(UTC).isoformat())
                        log("sample data loaded (fictional district, marked SAMPLE)", **summary)
            time.sleep(0.5)
    finally:
        services = [c for c in children if c.name != "broker"]
        for child in services:
            child.terminate()
        deadline = time.monotonic() + 15
        for child in services:
            child.wait_or_kill(deadline)
        for child in children:
            if child.name == "broker":
                child.terminate()
                child.wait_or_kill(time.monotonic() + 5)
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
