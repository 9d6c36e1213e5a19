"""SQLite for the async engine, run on the event loop's own thread (no aiosqlite thread hops).

aiosqlite gives each connection a thread and sends it every call — cursor, execute, fetch, commit — as a
hop there and back; each hop waits for the GIL while the loop runs other work, so under load a write
transaction of twenty statements spent most of its time waiting for the hops, not in SQLite (issue 15's
profile: inspection's SQLite threads inside calls 82% of a burst, funding's loop idle half the time while
acceptances queued). A local WAL database answers a statement in microseconds, so here the
``AsyncAdapt_aiosqlite_connection`` of SQLAlchemy is given a connection with aiosqlite's interface whose
coroutines run ``sqlite3`` directly and complete at once.

Safe because nothing on the loop's thread waits on SQLite's lock in this process: write transactions queue on
``fc_shared.db.WriteGate`` before BEGIN IMMEDIATE, and readers take no lock in WAL mode. (Another process
writing the same file — a CLI — can still make a BEGIN wait in SQLite's busy handler, as it could before.)
"""
from __future__ import annotations

import sqlite3
from typing import Any


class _Cursor:
    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> "_Cursor":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._cursor.close()

    @property
    def description(self):
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self):
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters=None) -> "_Cursor":
        self._cursor.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, seq_of_parameters) -> "_Cursor":
        self._cursor.executemany(sql, seq_of_parameters)
        return self

    async def fetchone(self):
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None):
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self):
        return self._cursor.fetchall()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self):
        return self._rows()

    async def _rows(self):
        for row in self._cursor:
            yield row


class _RunNow:
    """Stands in for aiosqlite's request queue (SQLAlchemy sets ``isolation_level`` through it)."""

    def put_nowait(self, item) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiter, as aiosqlite's thread does
            future.set_exception(exc)
        else:
            future.set_result(result)


class InlineConnection:
    """aiosqlite's ``Connection`` interface over a ``sqlite3.Connection`` used on the loop's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn
        self._tx = _RunNow()

    @property
    def isolation_level(self):
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value) -> None:
        self._conn.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def cursor(self) -> _Cursor:
        return _Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters=None) -> _Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_creator(database: str, *, timeout: float = 30.0):
    """``create_async_engine(..., async_creator=inline_creator(path))``."""
    async def connect() -> InlineConnection:
        # check_same_thread=False: a connection the pool drops may be closed from the garbage collector's thread.
        return InlineConnection(sqlite3.connect(database, timeout=timeout, check_same_thread=False))

    return connect
