"""Composition root shared by the four services: one ``create_app`` builds them all alike."""
from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from . import asyncapi
from .audit import AuditRequest, audit_request_var, prune, retention_cutoff
from .audit_api import audit_router
from .auth import Principal, TokenVerifier, require
from .broker_epoch import BrokerEpoch
from .clock import Clock, utcnow
from .periodic import every
from .readcache import CachedReads, ReadCache
from .db import SpineTables, is_sqlite, make_engine, make_sessionmaker, ReadSessions
from .docs import api_description, install_docs
from .errors import PROBLEM_RESPONSES, install_problem_handlers, problem_response
from .inbox import EventConsumer, Handler
from .kafka import broker_reachable
from .logs import configure_logging, request_id_var
from .metrics import MetricsMiddleware
from .outbox import OutboxRelay, republish_since
from .settings import ServiceSettings
from .strict import InputModel, IsoDateTime
from .tasks import cancel_and_wait
from .uow import UnitOfWork

log = logging.getLogger(__name__)

Job = Callable[["Runtime"], Awaitable[None]]


@dataclass
class ServiceSpec:
    """What makes one service: its tables, routes, the events it consumes and its background jobs."""

    name: str
    settings: ServiceSettings
    spine: SpineTables
    routers: list[APIRouter]
    consumes: list[str] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    description: str = ""
    version: str = "0.1.0"
    resources: dict[str, Any] = field(default_factory=dict)  # service collaborators the root built (e.g. a guard)
    # GET routes (templates, as declared) whose 200 answers are kept while the database is unchanged; such an
    # answer depends on nothing but the database, path, query string, caller's role and scope and the day
    # (fc_shared.readcache)
    cached_reads: tuple[str, ...] = ()


class Runtime:
    """Everything a request or a job needs, built once per process at start-up."""

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.settings = spec.settings
        self.platform = spec.settings.platform
        self.spine = spec.spine
        self.db_url = spec.settings.db_url
        self.clock = Clock.of(self.platform)
        self.engine: AsyncEngine = make_engine(self.db_url)
        self.sessions: async_sessionmaker = make_sessionmaker(self.engine)
        self.read_sessions = ReadSessions(self.engine)  # for routes that only read (fc_shared.db)
        self.read_cache = ReadCache(self.db_url, spec.name, self.platform.read_cache_entries, self.read_sessions)
        self.verifier = TokenVerifier(self.platform)
        self.outbox_signal = asyncio.Event()
        self.epoch = BrokerEpoch(self.platform.kafka_bootstrap, self.platform.kafka_partitions,
                                 self.platform.kafka_replication)
        self.relay = OutboxRelay(
            spec.name, self.sessions, self.spine, bootstrap=self.platform.kafka_bootstrap,
            is_postgres=not is_sqlite(self.db_url), retention=timedelta(days=self.platform.outbox_retention_days),
            signal=self.outbox_signal, epoch=self.epoch,
        )
        self.consumer = EventConsumer(
            spec.name, spec.consumes, spec.handlers, self.uow, bootstrap=self.platform.kafka_bootstrap,
            epoch=self.epoch, max_retries=self.platform.consumer_max_retries,
            retry_backoff_s=self.platform.consumer_retry_backoff_s, batch_size=self.platform.consumer_batch_size,
            session_timeout_ms=self.platform.kafka_session_timeout_ms,
            fetch_max_wait_ms=self.platform.kafka_fetch_max_wait_ms,
        ) if spec.consumes else None
        self.tasks: list[asyncio.Task] = []

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.spine, self.name, self.outbox_signal, self.clock)

    async def start_workers(self) -> None:
        self.tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.name}-relay"))
        if self.consumer is not None:
            self.tasks.append(asyncio.create_task(self.consumer.run(), name=f"{self.name}-consumer"))
        if self.platform.audit_retention_days is not None:
            self.tasks.append(asyncio.create_task(self.prune_audit_daily(), name=f"{self.name}-audit-retention"))
        for job in self.spec.jobs:
            self.tasks.append(asyncio.create_task(job(self), name=f"{self.name}-{job.__name__}"))

    async def prune_audit(self) -> int:
        """Retention (``FC_AUDIT_RETENTION_DAYS``): drop audit entries older than the kept window."""
        cutoff = retention_cutoff(utcnow(), self.platform.audit_retention_days)
        if cutoff is None:
            return 0
        async with self.sessions() as session, session.begin():
            return await prune(session, self.spine.audit, cutoff)

    async def prune_audit_daily(self) -> None:
        await every(86400, self.prune_audit, name="audit-retention")

    async def stop(self) -> None:
        await cancel_and_wait(self.tasks)
        self.tasks.clear()
        await self.engine.dispose()
        self.read_sessions.dispose()
        self.read_cache.dispose()


async def get_runtime(request: Request) -> Runtime:
    # Dependencies are ``async def`` when they do not block: FastAPI runs a plain ``def`` one in a worker
    # thread, a hop (and a wait for the GIL) per request.
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def district_today(runtime: RuntimeDep) -> date:
    """The district's calendar day, from the runtime's one clock."""
    return runtime.clock.today()


TodayDep = Annotated[date, Depends(district_today)]


class RepublishIn(InputModel):
    since: IsoDateTime


def _admin_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

    @router.post("/outbox/republish")
    async def republish(body: RepublishIn, runtime: RuntimeDep,
                        _: Annotated[Principal, require("district_office")]) -> dict[str, Any]:
        """Publish this service's retained outbox again from a point in time (consumers are idempotent)."""
        count = await republish_since(runtime.sessions, runtime.spine, body.since)
        runtime.outbox_signal.set()
        return {"service": runtime.name, "since": body.since.isoformat(), "rows": count}

    return router


def _ops_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    async def readyz(request: Request):
        runtime: Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            checks["database"] = f"down: {type(exc).__name__}"
        checks["broker"] = "ok" if await broker_reachable(runtime.platform.kafka_bootstrap) else "down"
        # An API-only process writes to its outbox and never needs the broker to serve: it stays
        # ready (and reports the outage); a process running relay and consumers does need it.
        required = checks if runtime.platform.run_workers else {"database": checks["database"]}
        if all(v == "ok" for v in required.values()):
            return {"status": "ready", "checks": checks}
        return problem_response(request, 503, "Service Unavailable", "a dependency is down",
                                "not-ready", checks=checks)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class RequestIdMiddleware:
    """The request id (``X-Request-ID`` in, or a new one; echoed on the answer) for the logs and the audit
    context of the request. Plain ASGI, so the contexts are set in the task that runs the route."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = (Headers(scope=scope).get("x-request-id") or uuid.uuid4().hex)[:100]
        token = request_id_var.set(rid)
        audit_token = audit_request_var.set(AuditRequest(request_id=rid, scope=scope))

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            audit_request_var.reset(audit_token)
            request_id_var.reset(token)


def create_app(spec: ServiceSpec) -> FastAPI:
    configure_logging(spec.name, spec.settings.platform.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        sys.setswitchinterval(spec.settings.platform.gil_switch_interval_s)
        runtime = Runtime(spec)
        app.state.runtime = runtime
        if spec.settings.platform.run_workers:
            await runtime.start_workers()
        log.info("service started", extra={"port": spec.settings.port})
        try:
            yield
        finally:
            await runtime.stop()

    env = spec.settings.platform.env
    app = FastAPI(title=f"Future Community — {spec.name}", description=api_description(spec.description, env),
                  version=spec.version, lifespan=lifespan, responses=PROBLEM_RESPONSES,
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)
    install_problem_handlers(app)
    if spec.cached_reads:
        declared = {route.path for router in spec.routers for route in router.routes
                    if "GET" in getattr(route, "methods", ())}
        if unknown := set(spec.cached_reads) - declared:
            raise ValueError(f"cached_reads names no GET route: {sorted(unknown)}")
        app.add_middleware(CachedReads, routes=spec.cached_reads)  # innermost: the metrics count its answers
    app.add_middleware(MetricsMiddleware, service=spec.name)
    if spec.settings.platform.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=spec.settings.platform.cors_origins,
                           allow_methods=["*"], allow_headers=["*"], expose_headers=["*"])

    app.add_middleware(RequestIdMiddleware)

    _ops_routes(app)
    install_docs(app, env)
    contract = asyncapi.document({spec.name: list(spec.handlers)}, service=spec.name)

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_document() -> JSONResponse:
        """The event contract (AsyncAPI 3.0): every topic, with what this service sends and receives."""
        return JSONResponse(contract)
    app.include_router(_admin_router())
    app.include_router(audit_router())
    for router in spec.routers:
        app.include_router(router)
    return app


__all__ = ["Runtime", "RuntimeDep", "ServiceSpec", "create_app", "get_runtime"]
