"""fc_shared.readcache: a named read's answer is served again only while the database is unchanged, only to the
same role and scope on the same day, and only once the routes have given it (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

import pytest
from fastapi import APIRouter, Request
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import text

from fc_shared import readcache
from fc_shared.app import RuntimeDep, ServiceSpec, TodayDep, create_app
from fc_shared.auth import Principal, require
from fc_shared.clock import Clock
from fc_shared.db import ReadSessions, make_engine, new_metadata, spine_tables
from fc_shared.errors import Problem
from fc_shared.readcache import ReadCache
from fc_shared.settings import ServiceSettings
from fc_devtools.testing import app_client, async_wait_until, auth, platform_settings

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Principal, require("district_office", "street")]


class Rows(BaseModel):
    values: list[int]
    street: str | None
    day: date


async def _rows(request: Request, runtime, principal: Principal, today: date, at_least: int) -> Rows:
    async with runtime.read_sessions() as session:
        values = list((await session.execute(text("SELECT v FROM t WHERE v >= :m ORDER BY v"), {"m": at_least}))
                      .scalars())
    request.app.state.builds.append(values)
    during = request.app.state.during.get(request.url.path)  # a test's hook: something happening mid-build
    if during is not None:
        await during()
    if not values:
        raise Problem(404, "Not Found", "no rows", type_="not-found")
    if principal.role == "street" and principal.street_code != "S01":
        raise Problem(403, "Forbidden", "another street's rows", type_="forbidden-street")
    return Rows(values=values, street=principal.street_code, day=today)


@router.get("/rows", response_model=Rows)
async def rows(request: Request, runtime: RuntimeDep, principal: Caller, today: TodayDep, at_least: int = 0):
    return await _rows(request, runtime, principal, today, at_least)


@router.get("/rows/{at_least}", response_model=Rows)
async def rows_from(at_least: int, request: Request, runtime: RuntimeDep, principal: Caller, today: TodayDep):
    return await _rows(request, runtime, principal, today, at_least)


@router.get("/uncached", response_model=Rows)
async def uncached(request: Request, runtime: RuntimeDep, principal: Caller, today: TodayDep):
    return await _rows(request, runtime, principal, today, 0)


OFFICE = auth("district_office")
CACHED = ("/api/v1/rows", "/api/v1/rows/{at_least}")


def make_app(db_url: str, entries: int = 8):
    settings = ServiceSettings(name=f"readcache{uuid.uuid4().hex[:8]}", database_url=db_url,
                               platform=platform_settings("127.0.0.1:9", run_workers=False, read_cache_entries=entries))
    app = create_app(ServiceSpec(name=settings.name, settings=settings, spine=spine_tables(new_metadata()),
                                 routers=[router], cached_reads=CACHED))
    app.state.builds, app.state.during = [], {}
    return app


@asynccontextmanager
async def a_world(db_url, entries: int = 8):
    """A table ``t``, the app, and a second engine: a writer elsewhere (a worker, a pod)."""
    elsewhere = make_engine(db_url)
    async with elsewhere.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER)"))
        await conn.execute(text("INSERT INTO t VALUES (1)"))
    app = make_app(db_url, entries)

    async def insert(v: int) -> None:
        async with elsewhere.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": v})

    try:
        async with app_client(app) as client:
            client.app, client.insert, client.builds = app, insert, app.state.builds
            client.cache = app.state.runtime.read_cache

            async def read(path: str = "/api/v1/rows", headers=OFFICE) -> list[int]:
                r = await client.get(path, headers=headers)
                assert r.status_code == 200, r.text
                return r.json()["values"]

            client.read = read
            yield client
    finally:
        await elsewhere.dispose()


@pytest.fixture
async def world(db_url):
    """On SQLite and PostgreSQL. On PostgreSQL any transaction in the cluster that wrote (another database's,
    autovacuum's ANALYZE) changes the version too, so a read may build again at any time: there the tests check
    the answers, and how often they were built only where the version cannot move (SQLite)."""
    async with a_world(db_url) as w:
        yield w


@pytest.fixture
async def sqlite_world(tmp_path):
    """The store's own bookkeeping, where only the test's commits move the version."""
    async with a_world(f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}") as w:
        yield w


async def served_again(w, path: str = "/api/v1/rows") -> None:
    """Two reads in a row with no build between (on PostgreSQL, retried while the cluster is busy)."""
    async def pair() -> bool:
        before = len(w.builds)
        await w.read(path)
        await w.read(path)
        return len(w.builds) - before <= 1

    await async_wait_until(pair, timeout=20, interval=0.05, message="a read served from the store")


async def test_an_answer_is_served_again_until_another_connection_commits(db_url, world):
    w = world
    assert w.cache.enabled
    assert await w.read() == [1]
    await served_again(w)
    await w.insert(2)
    assert await w.read() == [1, 2]  # the commit elsewhere changed the version: built again
    await served_again(w)
    assert w.builds[-1] == [1, 2]
    if db_url.startswith("sqlite"):
        assert w.builds == [[1], [1, 2]]


async def test_a_served_again_answer_is_the_routes_answer_with_its_own_request_id_and_metrics(sqlite_world):
    w = sqlite_world
    built = await w.get("/api/v1/rows", headers={**OFFICE, "X-Request-ID": "first"})
    again = await w.get("/api/v1/rows", headers={**OFFICE, "X-Request-ID": "second"})
    assert len(w.builds) == 1
    assert again.content == built.content and again.status_code == 200
    assert again.headers["content-type"] == built.headers["content-type"] == "application/json"
    assert again.headers["content-length"] == built.headers["content-length"]
    assert (built.headers["x-request-id"], again.headers["x-request-id"]) == ("first", "second")
    third = await w.get("/api/v1/rows", headers=OFFICE)
    assert third.headers.get_list("x-request-id") == [third.headers["x-request-id"]]
    (_, stored_headers, _), = w.cache._store.values()
    assert b"x-request-id" not in dict(stored_headers)  # what the middlewares outside add stays out of the store
    name = w.app.state.runtime.name
    assert REGISTRY.get_sample_value("fc_http_requests_total", {
        "service": name, "method": "GET", "route": "/api/v1/rows", "status": "200"}) == 3  # labelled by its route
    assert REGISTRY.get_sample_value("fc_read_cache_total", {"service": name, "outcome": "hit"}) == 2
    assert REGISTRY.get_sample_value("fc_read_cache_total", {"service": name, "outcome": "miss"}) == 1


async def test_a_commit_while_an_answer_is_built_is_seen_by_the_next_read(world):
    w = world
    await w.read()  # the token is verified once by the routes
    w.builds.clear()
    await w.insert(2)
    # The answer is built from the rows before the commit; the version it is kept under was read before
    # the build, so the commit makes the next read build again rather than serve the older answer.
    w.app.state.during["/api/v1/rows"] = lambda: w.insert(3)
    assert await w.read() == [1, 2]
    del w.app.state.during["/api/v1/rows"]
    assert await w.read() == [1, 2, 3]
    assert w.builds == [[1, 2], [1, 2, 3]]


async def test_a_read_that_began_before_a_newer_one_stores_nothing_when_it_ends_after_it(world):
    w = world
    assert await w.read() == [1]  # stored under the first version
    release = asyncio.Event()
    w.app.state.during["/api/v1/rows/1"] = release.wait
    slow = asyncio.create_task(w.read("/api/v1/rows/1"))
    await async_wait_until(lambda: len(w.builds) == 2)  # the slow read has its version and rows: [1]
    await w.insert(2)
    assert await w.read("/api/v1/rows?at_least=0") == [1, 2]  # a newer version: the store moved on
    release.set()
    assert await slow == [1]
    del w.app.state.during["/api/v1/rows/1"]
    assert await w.read("/api/v1/rows/1") == [1, 2]  # the slow read's answer, older than the store's, was not kept


async def test_versions_that_arrive_out_of_order_never_serve_an_answer_older_than_the_request(sqlite_world):
    """On PostgreSQL a snapshot read before a commit can arrive after a newer one (its reply was late). A
    request that read the newer version must never get an answer built before the commit, whatever the
    store saw in between. The database's replies are scripted here; the rows, routes and store are real."""
    w = sqlite_world
    cache, verifier = w.cache, w.app.state.runtime.verifier
    state: dict = {"version": "S0"}

    async def scripted_version():
        version = state["version"]  # the snapshot as the database took it
        late = state.pop("late", None)
        if late is not None:
            await late.wait()  # ...and its reply arrives now
        return version

    cache.data_version = scripted_version
    build_f, reply_e, verify_a = asyncio.Event(), asyncio.Event(), asyncio.Event()
    w.app.state.during["/api/v1/rows"] = build_f.wait
    f = asyncio.create_task(w.read())  # F reads S0 and builds from the rows before the commit
    await async_wait_until(lambda: len(w.builds) == 1)
    del w.app.state.during["/api/v1/rows"]
    state["late"] = reply_e
    e = asyncio.create_task(w.read("/api/v1/rows/0"))  # E's snapshot S0 is taken; its reply is late
    await async_wait_until(lambda: "late" not in state)
    await w.insert(2)
    state["version"] = "S1"  # the commit: every snapshot from now on is S1
    fresh = auth("district_office", sub="a")  # A: a token checked afresh (say, against the provider's keys)
    real_verify = verifier._verify

    a_verifying = asyncio.Event()

    async def slow_verify(token):
        a_verifying.set()
        await verify_a.wait()
        return await real_verify(token)

    verifier._verify = slow_verify
    a = asyncio.create_task(w.read(headers=fresh))
    await a_verifying.wait()
    reply_e.set()
    assert await e == [1, 2]  # E's late S0 moved the store back to S0
    build_f.set()
    assert await f == [1]  # F's answer, from before the commit, is kept under S0
    verify_a.set()
    assert await a == [1, 2]  # A came after the commit: it reads S1, never F's answer


async def test_an_answer_built_while_the_day_turns_is_not_kept(sqlite_world):
    w = sqlite_world
    runtime = w.app.state.runtime

    async def midnight():
        runtime.clock = Clock(pinned=date(2030, 1, 2))

    w.app.state.during["/api/v1/rows"] = midnight
    assert (await w.get("/api/v1/rows", headers=OFFICE)).status_code == 200
    del w.app.state.during["/api/v1/rows"]
    assert not w.cache._store  # built for the new day, asked for on the old one: kept under neither
    day = (await w.get("/api/v1/rows", headers=OFFICE)).json()["day"]
    assert day == "2030-01-02" and len(w.builds) == 2
    await w.read()
    assert len(w.builds) == 2


async def test_a_postgresql_that_cannot_be_reached_lets_the_routes_answer():
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"  # loopback, a port nothing listens on
    engine = make_engine(url)
    reads = ReadSessions(engine)
    try:
        cache = ReadCache(url, "test", entries=8, read_sessions=reads)
        assert cache.enabled and await cache.data_version() is None
    finally:
        reads.dispose()
        await engine.dispose()


async def test_each_path_query_and_role_scope_has_its_own_answer(sqlite_world):
    w = sqlite_world
    street_a, street_a_colleague = auth("street", street_code="S01", sub="a"), auth("street", street_code="S01", sub="b")
    other_street = auth("street", street_code="S02")
    await w.read()
    await w.read("/api/v1/rows?at_least=1")
    await w.read("/api/v1/rows/1")
    assert len(w.builds) == 3
    r = await w.get("/api/v1/rows", headers=street_a)
    assert r.json()["street"] == "S01" and len(w.builds) == 4  # the office's answer is never served to a street
    assert (await w.get("/api/v1/rows", headers=street_a_colleague)).json()["street"] == "S01"
    assert len(w.builds) == 4  # the same role and scope share it
    for _ in range(2):  # the routes refuse another street every time: a refusal is never kept
        assert (await w.get("/api/v1/rows", headers=other_street)).status_code == 403
    assert len(w.builds) == 6
    for path in ("/api/v1/rows", "/api/v1/rows?at_least=1", "/api/v1/rows/1"):
        await w.read(path)
    assert len(w.builds) == 6


async def test_only_the_named_routes_and_only_their_ok_answers_are_kept(sqlite_world):
    w = sqlite_world
    for _ in range(2):
        assert await w.read("/api/v1/uncached") == [1]
    assert len(w.builds) == 2  # not named by the service
    for _ in range(2):
        assert (await w.get("/api/v1/rows/5", headers=OFFICE)).status_code == 404
        assert (await w.get("/api/v1/rows/x", headers=OFFICE)).status_code == 422
    assert len(w.builds) == 4  # the 404 was built each time; the 422 never reached the route
    for _ in range(2):
        assert (await w.post("/api/v1/rows", headers=OFFICE)).status_code == 405
    await w.insert(5)
    assert await w.read("/api/v1/rows/5") == [5]
    assert await w.read("/api/v1/rows/5") == [5]
    assert len(w.builds) == 5


async def test_a_token_that_does_not_pass_is_refused_by_the_routes_even_for_a_kept_answer(sqlite_world):
    w = sqlite_world
    assert await w.read() == [1]
    assert (await w.get("/api/v1/rows")).status_code == 401
    assert (await w.get("/api/v1/rows", headers={"Authorization": "Basic b2ZmaWNlOng="})).status_code == 401
    assert (await w.get("/api/v1/rows", headers={"Authorization": "Bearer forged"})).status_code == 401
    tampered = OFFICE["Authorization"][:-2] + ("AA" if not OFFICE["Authorization"].endswith("AA") else "BB")
    assert (await w.get("/api/v1/rows", headers={"Authorization": tampered})).status_code == 401
    expired = auth("district_office", sub="gone", ttl_s=-120)
    assert (await w.get("/api/v1/rows", headers=expired)).status_code == 401
    finance = auth("finance")  # a valid token of a role the route does not admit
    assert (await w.get("/api/v1/rows", headers=finance)).status_code == 403
    assert len(w.builds) == 1
    # A new token of the same role and scope is verified, then served the kept answer.
    fresh = auth("district_office", sub="someone-else")
    verifier = w.app.state.runtime.verifier
    assert verifier.remembered(fresh["Authorization"].split()[1]) is None
    assert await w.read(headers=fresh) == [1]
    assert verifier.remembered(fresh["Authorization"].split()[1]) is not None
    assert len(w.builds) == 1


async def test_a_token_is_verified_again_once_the_verifier_forgets_it(sqlite_world):
    w = sqlite_world
    verifier = w.app.state.runtime.verifier
    token = OFFICE["Authorization"].split()[1]
    assert await w.read() == [1]
    until, principal = verifier._verified[token]
    verifier._verified[token] = (time.time() - 1, principal)  # its remembered time is over
    assert await w.read() == [1]
    assert verifier._verified[token][0] > time.time()  # checked afresh (and remembered again)...
    assert len(w.builds) == 1  # ...then served the kept answer


async def test_the_day_is_part_of_what_an_answer_is_kept_under(sqlite_world):
    w = sqlite_world
    runtime = w.app.state.runtime
    first = (await w.get("/api/v1/rows", headers=OFFICE)).json()["day"]
    runtime.clock = Clock(pinned=date(2030, 1, 2))
    assert (await w.get("/api/v1/rows", headers=OFFICE)).json()["day"] == "2030-01-02" != first
    assert len(w.builds) == 2


async def test_the_store_keeps_the_most_recently_used_answers(sqlite_world):
    w = sqlite_world
    w.cache.entries = 2
    for path in ("/api/v1/rows/0", "/api/v1/rows/1", "/api/v1/rows/0", "/api/v1/rows?at_least=0"):
        await w.read(path)  # "/1" is the least recently used when the third key arrives
    assert len(w.builds) == 3
    await w.read("/api/v1/rows/0")
    assert len(w.builds) == 3
    await w.read("/api/v1/rows/1")
    assert len(w.builds) == 4


async def test_the_store_keeps_at_most_max_bytes_of_answers(sqlite_world, monkeypatch):
    w = sqlite_world
    await w.read("/api/v1/rows/0")
    size = len(next(iter(w.cache._store.values()))[2])
    monkeypatch.setattr(readcache, "MAX_BYTES", 2 * size)
    await w.read("/api/v1/rows/1")
    await w.read("/api/v1/rows?at_least=1")  # a third answer would pass the bound: the least recently used goes
    assert [key[:2] for key in w.cache._store] == [("/api/v1/rows/1", b""), ("/api/v1/rows", b"at_least=1")]
    assert w.cache._bytes == 2 * size
    await w.read("/api/v1/rows/0")
    assert len(w.builds) == 4


async def test_an_answer_larger_than_max_body_bytes_is_built_each_time(sqlite_world, monkeypatch):
    w = sqlite_world
    monkeypatch.setattr(readcache, "MAX_BODY_BYTES", 10)
    await w.read()
    await w.read()
    assert len(w.builds) == 2 and not w.cache._store


async def test_a_version_that_cannot_be_read_lets_the_routes_answer_and_keeps_nothing(sqlite_world):
    w = sqlite_world
    assert await w.read() == [1]

    class Refusing:
        def execute(self, *_):
            raise sqlite3.OperationalError("database is locked")

        def close(self):
            pass

    w.cache._probe = Refusing()
    assert await w.read() == [1]
    assert len(w.builds) == 2  # built by the route, not served from the store, and no 500
    assert w.cache._probe is None  # opened afresh on the next read
    assert await w.read() == [1] and await w.read() == [1]
    assert len(w.builds) == 3


async def test_no_entries_means_every_read_is_built(tmp_path):
    async with a_world(f"sqlite+aiosqlite:///{tmp_path / 'off.db'}", entries=0) as w:
        assert not w.cache.enabled
        await w.read()
        await w.read()
        assert len(w.builds) == 2


def test_an_in_memory_database_is_never_cached():
    assert not ReadCache("sqlite+aiosqlite:///:memory:", "test", entries=8).enabled


def test_a_service_cannot_name_a_read_it_does_not_have(tmp_path):
    settings = ServiceSettings(name="readcachetest", database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
                               platform=platform_settings("127.0.0.1:9", run_workers=False))
    with pytest.raises(ValueError, match="/api/v1/nothing"):
        create_app(ServiceSpec(name=settings.name, settings=settings, spine=spine_tables(new_metadata()),
                               routers=[router], cached_reads=("/api/v1/rows", "/api/v1/nothing")))
