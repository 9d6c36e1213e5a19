"""fc_shared.readcache: an answer is served again only while the database is unchanged (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import asynccontextmanager
from datetime import date, datetime, timezone

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import text

from fc_shared.db import ReadSessions, make_engine
from fc_shared import readcache
from fc_shared.readcache import ReadCache, encode
from fc_devtools.testing import async_wait_until


class Rows(BaseModel):
    values: list[int]


@asynccontextmanager
async def a_world(db_url):
    """A table ``t``, the read sessions a route uses, and a second engine: a writer elsewhere (a worker, a pod)."""
    engine, elsewhere = make_engine(db_url), make_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER)"))
        await conn.execute(text("INSERT INTO t VALUES (1)"))
    reads = ReadSessions(engine)
    cache = ReadCache(db_url, "test", entries=8)
    builds: list[list[int]] = []

    async def insert(v: int) -> None:
        async with elsewhere.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": v})

    async def read(key="k", during=None) -> list[int]:
        async with reads() as session:
            async def build() -> Rows:
                values = list((await session.execute(text("SELECT v FROM t ORDER BY v"))).scalars())
                builds.append(values)
                if during is not None:
                    await during()
                return Rows(values=values)

            response = await cache.answer(session, key, build)
        assert response.media_type == "application/json"
        return json.loads(response.body)["values"]

    try:
        yield insert, read, builds, cache
    finally:
        cache.dispose()
        reads.dispose()
        await engine.dispose()
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


async def served_again(read, builds) -> None:
    """Two reads in a row with no build between (on PostgreSQL, retried while the cluster is busy)."""
    async def pair() -> bool:
        before = len(builds)
        await read()
        await read()
        return len(builds) - before <= 1

    await async_wait_until(pair, timeout=20, interval=0.05, message="a read served from the store")


async def test_an_answer_is_served_again_until_another_connection_commits(db_url, world):
    insert, read, builds, cache = world
    assert cache.enabled
    assert await read() == [1]
    await served_again(read, builds)
    await insert(2)
    assert await read() == [1, 2]  # the commit elsewhere changed the version: built again
    await served_again(read, builds)
    assert builds[-1] == [1, 2]
    if db_url.startswith("sqlite"):
        assert builds == [[1], [1, 2]]


async def test_a_commit_while_an_answer_is_built_is_seen_by_the_next_read(world):
    insert, read, builds, _ = world
    # The answer is built from the rows before the commit; the version it is kept under was read before
    # the build, so the commit makes the next read build again rather than serve the older answer.
    assert await read(during=lambda: insert(2)) == [1]
    assert await read() == [1, 2]
    assert builds == [[1], [1, 2]]


async def test_a_read_that_began_before_a_newer_one_stores_nothing_when_it_ends_after_it(world):
    insert, read, builds, _ = world
    assert await read() == [1]  # stored under the first version
    release = asyncio.Event()
    slow = asyncio.create_task(read("late", during=release.wait))
    await async_wait_until(lambda: len(builds) == 2)  # the slow read has its version and rows: [1]
    await insert(2)
    assert await read("other") == [1, 2]  # a newer version: the store moved on
    release.set()
    assert await slow == [1]
    assert await read("late") == [1, 2]  # the slow read's answer, older than the store's version, was not kept


async def test_each_key_has_its_own_answer_and_a_failed_build_keeps_nothing(sqlite_world):
    _, read, builds, cache = sqlite_world
    assert await read("street-a") == [1]
    assert await read("street-b") == [1]
    assert len(builds) == 2  # another caller's answer is never served for this one

    async def failing() -> None:
        raise LookupError("404")

    with pytest.raises(LookupError):
        await read("missing", during=failing)
    assert await read("missing") == [1]
    assert len(builds) == 4  # the failed build stored nothing: the key was built again
    assert await read("street-a") == [1]
    assert len(builds) == 4


async def test_the_store_keeps_the_most_recently_used_answers(sqlite_world):
    _, read, builds, cache = sqlite_world
    cache.entries = 2
    for key in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        await read(key)
    assert len(builds) == 3
    await read("a")
    assert len(builds) == 3
    await read("b")
    assert len(builds) == 4


async def test_the_store_keeps_at_most_max_bytes_of_answers(sqlite_world, monkeypatch):
    _, read, builds, cache = sqlite_world
    await read("a")
    size = len(cache._store["a"])
    monkeypatch.setattr(readcache, "MAX_BYTES", 2 * size)
    await read("b")
    await read("c")  # a third answer would pass the bound: "a", the least recently used, goes
    assert list(cache._store) == ["b", "c"] and cache._bytes == 2 * size
    await read("a")
    assert len(builds) == 4


async def test_a_version_that_cannot_be_read_builds_the_answer_and_keeps_nothing(sqlite_world):
    _, read, builds, cache = sqlite_world
    assert await read() == [1]

    class Refusing:
        def execute(self, *_):
            raise sqlite3.OperationalError("database is locked")

        def close(self):
            pass

    cache._probe = Refusing()
    assert await read() == [1]
    assert len(builds) == 2  # built, not served from the store, and no 500
    assert cache._probe is None  # opened afresh on the next read
    assert await read() == [1] and await read() == [1]
    assert len(builds) == 3


async def test_no_entries_means_every_read_is_built(sqlite_world):
    _, read, builds, cache = sqlite_world
    cache.entries = 0
    assert not cache.enabled
    await read()
    await read()
    assert len(builds) == 2


def test_an_in_memory_database_is_never_cached():
    assert not ReadCache("sqlite+aiosqlite:///:memory:", "test", entries=8).enabled


class Inner(BaseModel):
    on: date
    at: datetime


class Outer(BaseModel):
    name: str
    amount_fen: int
    share: float
    area_ha: float
    code: str | None = Field(None, alias="streetCode")
    items: list[Inner]
    note: str | None = None


async def test_the_stored_json_is_what_fastapi_writes_for_the_response_model():
    value = Outer(name="未来社区", amount_fen=30_000_000, share=0.1 + 0.2, area_ha=20, streetCode="S01", items=[
        Inner(on=date(2026, 12, 7), at=datetime(2026, 12, 7, 8, 30, tzinfo=timezone.utc))])
    app = FastAPI()

    @app.get("/fastapi", response_model=Outer)
    async def by_fastapi():
        return value

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        expected = await client.get("/fastapi")
    assert expected.headers["content-type"] == "application/json"
    assert encode(value) == expected.content
