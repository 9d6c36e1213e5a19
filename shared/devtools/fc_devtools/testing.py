"""Pytest plugin shared by every test suite: the real broker, real databases, real service processes.

Loaded from the repository's root ``conftest.py``. PostgreSQL is the one at
127.0.0.1:5432 (user postgres, trust); its tests fail loudly when it is unreachable
unless ``FC_TEST_POSTGRES=0`` is set explicitly.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from fc_shared.auth import mint_token
from fc_shared.clock import Clock
from fc_shared.settings import PlatformSettings

from .broker import free_port, start_broker, wait_for_port

TEST_SECRET = "test-secret-not-for-production-0123456789"
# Consumers under test: the local broker answers a group join after half the session timeout, so each consumer
# start waited 5 s at the default 10 s (most of a short integration test); 3 s still leaves room for a busy box.
TEST_KAFKA_SESSION_TIMEOUT_MS = 3000
PG_HOST = os.environ.get("FC_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("FC_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("FC_TEST_PG_USER", "postgres")


def _test_today() -> date:
    pinned = os.environ.get("FC_TEST_TODAY")
    return date.fromisoformat(pinned) if pinned else Clock().today()


# The district's day every service under test runs on, fixed for the whole session so a run that crosses
# midnight stays consistent. ``FC_TEST_TODAY=YYYY-MM-DD`` pins it (CI runs the ``calendar`` tests on hard days).
TEST_TODAY: date = _test_today()


@pytest.fixture(scope="session")
def district_today() -> date:
    """The district's day the services under test believe it is (``TEST_TODAY``)."""
    return TEST_TODAY


def postgres_enabled() -> bool:
    return os.environ.get("FC_TEST_POSTGRES", "1") != "0"


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1,
               message: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - keep polling, report the last one
            last_exc = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}" + (f" (last error: {last_exc!r})" if last_exc else ""))


async def async_wait_until(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1,
                           message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
        except Exception as exc:  # noqa: BLE001
            last_exc = exc
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}" + (f" (last error: {last_exc!r})" if last_exc else ""))


class Broker:
    """A Tansu broker on a free loopback port; ``restart`` empties it, as a crash would."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log = workdir / f"tansu-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = start_broker(self.port, self.log)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()


async def read_from_start(broker: Broker, topic: str):
    """A started, group-less reader of every partition of ``topic`` from offset 0 (no group join to wait for);
    the caller stops it."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [0, 1, 2])]
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    return consumer


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> Broker:
    b = Broker(tmp_path_factory.mktemp("broker"))
    b.start()
    yield b
    b.kill()


@pytest.fixture(scope="session")
def platform_env(broker) -> dict[str, str]:
    """Environment for service processes and in-process apps under test."""
    return {"FC_JWT_SECRET": TEST_SECRET, "FC_KAFKA_BOOTSTRAP": broker.bootstrap, "FC_ENV": "development",
            "FC_SAMPLE_DATA": "0", "FC_CONSUMER_RETRY_BACKOFF_S": "0.05", "FC_LOG_LEVEL": "INFO",
            "FC_KAFKA_SESSION_TIMEOUT_MS": str(TEST_KAFKA_SESSION_TIMEOUT_MS),
            "FC_DOMAIN_GAUGE_INTERVAL_S": "1", "FC_TODAY": TEST_TODAY.isoformat(),
            # Webhook hosts resolve from NOTIFY_WEBHOOK_HOSTS and IP literals only: tests never ask DNS.
            "NOTIFY_WEBHOOK_RESOLVER": "static"}


def platform_settings(bootstrap: str, **overrides: Any) -> PlatformSettings:
    overrides.setdefault("today", TEST_TODAY)
    overrides.setdefault("kafka_session_timeout_ms", TEST_KAFKA_SESSION_TIMEOUT_MS)
    return PlatformSettings(jwt_secret=TEST_SECRET, kafka_bootstrap=bootstrap, consumer_retry_backoff_s=0.05,
                            **overrides)


def token(role: str, **claims: Any) -> str:
    return mint_token(PlatformSettings(jwt_secret=TEST_SECRET), role=role, **claims)


def auth(role: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, **claims)}"}


# --- databases -------------------------------------------------------------------------------

async def _pg_exec(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database(prefix: str = "fc_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    except (OSError, ConnectionError) as exc:
        pytest.fail(f"PostgreSQL at {PG_HOST}:{PG_PORT} is unreachable ({exc!r}); start it, or set "
                    "FC_TEST_POSTGRES=0 to run without the PostgreSQL tests", pytrace=False)
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def database_params() -> list:
    """SQLite, then PostgreSQL (marked ``postgres``) unless FC_TEST_POSTGRES=0: for parametrized fixtures."""
    params = [pytest.param("sqlite", id="sqlite")]
    if postgres_enabled():
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return params


@pytest.fixture(params=database_params())
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL: SQLite file, then the same test on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def migrate(service_dir: Path, url: str) -> None:
    from fc_shared.migrations import upgrade

    upgrade(service_dir, url)


# --- in-process apps and real processes ------------------------------------------------------

@asynccontextmanager
async def app_client(app, base_url: str = "http://testserver"):
    """Run the app's lifespan (workers included) and give an httpx client bound to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30) as client:
            yield client


class ServiceProcess:
    """One service as a real uvicorn process, killable with SIGKILL and restartable."""

    def __init__(self, name: str, module: str, env: dict[str, str], workdir: Path, port: int | None = None) -> None:
        self.name = name
        self.module = module
        self.port = port or free_port()
        self.env = {**os.environ, **env}
        self.log = workdir / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> None:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fc_devtools.serve", f"{self.module}:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-access-log"], env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout: float = 30.0) -> None:
        def healthy():
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; log: {self.log_tail()}")
            return httpx.get(self.url + "/healthz", timeout=1).status_code == 200
        wait_until(healthy, timeout, message=f"{self.name} healthy")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


__all__ = ["Broker", "ServiceProcess", "app_client", "auth", "token", "wait_until", "async_wait_until",
           "create_pg_database", "drop_pg_database", "migrate", "platform_settings", "postgres_enabled",
           "wait_for_port", "TEST_SECRET"]


# --- a real local webhook receiver -----------------------------------------------------------

class Receiver:
    """A real HTTP server on loopback recording every POST; ``plan`` scripts per-path answers.

    ``plan[path]`` is a list of status codes consumed one per request (then 200), or a
    callable ``(headers, body) -> (status, extra_headers)``; ``delay[path]`` sleeps that long first.
    """

    def __init__(self, port: int = 0) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[dict[str, Any]] = []
        self.plan: dict[str, Any] = {}
        self.delay: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender went away mid-body (e.g. killed): no request, as for a real server
                    self.close_connection = True
                    return
                path = self.path
                if receiver.delay.get(path):
                    time.sleep(receiver.delay[path])  # the slow endpoint under test, not a test wait
                status, extra = 200, {}
                with receiver.lock:
                    plan = receiver.plan.get(path)
                    if callable(plan):
                        status, extra = plan(dict(self.headers), body)
                    elif plan:
                        status = plan.pop(0)
                    receiver.requests.append({"path": path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                              "body": body, "status": status, "at": time.time()})
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self, path: str | None = None, ok_only: bool = True) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if (path is None or r["path"] == path)
                    and (not ok_only or 200 <= r["status"] < 300)]


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


# --- the whole platform as real processes ---------------------------------------------------

SERVICE_MODULES = {"registry": "fc_registry.main", "funding": "fc_funding.main",
                   "inspection": "fc_inspection.main", "notify": "fc_notify.main"}


class Platform:
    """The four services as real uvicorn processes on one broker, each with its own database."""

    def __init__(self, root: Path, workdir: Path, broker: Broker, env: dict[str, str],
                 db_urls: dict[str, str]) -> None:
        self.root = root
        self.broker = broker
        self.db_urls = db_urls
        self.services: dict[str, ServiceProcess] = {}
        for name, module in SERVICE_MODULES.items():
            svc_env = {**env, f"{name.upper()}_DATABASE_URL": db_urls[name]}
            self.services[name] = ServiceProcess(name, module, svc_env, workdir)

    def migrate(self) -> None:
        for name, url in self.db_urls.items():
            migrate(self.root / "services" / name, url)

    def start(self) -> None:
        for svc in self.services.values():
            svc.start(wait=False)
        for svc in self.services.values():
            svc.wait_healthy()

    def stop(self) -> None:
        for svc in self.services.values():
            svc.stop()

    def url(self, name: str) -> str:
        return self.services[name].url

    def client(self) -> httpx.Client:
        return httpx.Client(timeout=30)


def make_platform(root: Path, workdir: Path, broker: Broker, env: dict[str, str], database: str = "sqlite") -> Platform:
    if database == "postgresql":
        urls = {name: create_pg_database(f"fc_e2e_{name}") for name in SERVICE_MODULES}
    else:
        urls = {name: f"sqlite+aiosqlite:///{workdir / (name + '.db')}" for name in SERVICE_MODULES}
    platform = Platform(root, workdir, broker, env, urls)
    platform.migrate()
    return platform


def drop_platform_databases(platform: Platform) -> None:
    for url in platform.db_urls.values():
        if url.startswith("postgresql"):
            drop_pg_database(url)


@contextmanager
def platform_running(root: Path, workdir: Path, env: dict[str, str], database: str = "sqlite") -> Iterator[Platform]:
    """The four services started on a broker of their own, stopped (databases dropped, broker gone) at exit.

    Every platform under test names its consumer groups alike (``fc-notify``, …). On a broker shared with an
    earlier platform, a consumer of that platform that left its group uncleanly (killed at teardown when it did not
    stop in time) could still hold the group's partitions, and this platform's consumer would then never be given
    any: every later module's webhooks, alerts and projections would go missing. A broker each rules that out.
    """
    broker = Broker(workdir)
    broker.start()
    try:
        platform = make_platform(root, workdir, broker, {**env, "FC_KAFKA_BOOTSTRAP": broker.bootstrap}, database)
        try:
            platform.start()
            yield platform
        finally:
            platform.stop()
            drop_platform_databases(platform)
    finally:
        broker.kill()
