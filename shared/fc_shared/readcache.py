"""Answers of hot reads, kept while the database is unchanged and checked against it on every request.

A board or a project page is read far more often than it changes (the console polls; every official of a
street opens the same board), and building one is most of a read's cost: the query, its rows, the response
model and its JSON (issue 15's profile of ``GET /api/v1/board``: 3 ms CPU a request against 0.3 ms for
FastAPI serving the same JSON). ``ReadCache.answer`` keeps the encoded answer under a key the route gives
(what the answer depends on besides the database: the caller's role and scope — ``Principal.view``, shared
by the officials of one street — the path and query values, the district's day) together with the database's *data version* read before the answer was built, and serves it again
only while the data version read for the new request is still the same:

- SQLite: ``PRAGMA data_version`` on a connection of the cache's own, which never writes. SQLite changes
  it whenever another connection — of this process or any other (a worker, a CLI) — has committed.
- PostgreSQL: ``pg_current_snapshot()``, read in the route's own read session before its queries. Any
  transaction that ends anywhere in the cluster changes it (its id leaves the in-progress list or moves
  ``xmax``), so it also changes when another pod commits; equal snapshots see the same rows.

The version is read before the answer is built, so a commit landing while it is built makes the next
check differ: a stored answer is never older than what a fresh read would have given when its request
arrived. An answer built under a version that is no longer current is not stored; a new version drops
every stored answer (the store holds at most one version's answers: ``entries`` of them and ``MAX_BYTES``
in all, least recently used out first). Errors (404, 403) are raised by the build and never stored. If the
version cannot be read (SQLite busy, the file gone), the answer is built and not stored.

On a busy database the version changes all the time and most requests build their answer as before, paying
one small query more: on PostgreSQL any transaction that wrote, in any database of the cluster, changes the
snapshot, so with workers running nearby the hits come in the quiet between writes.
"""
from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .db import sqlite_file
from .metrics import READ_CACHE

MAX_BODY_BYTES = 512 * 1024  # larger answers (a long page) are built each time
MAX_BYTES = 32 * 1024 * 1024  # all stored answers of a process together
PROBE_TIMEOUT_S = 1.0
_SNAPSHOT = text("SELECT pg_current_snapshot()::text")


def encode(model: BaseModel) -> bytes:
    """The JSON FastAPI writes for a route's ``response_model`` (``by_alias``, everything included)."""
    return type(model).__pydantic_serializer__.to_json(model, by_alias=True)


def json_response(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")


class ReadCache:
    def __init__(self, db_url: str, service: str, entries: int) -> None:
        self.entries = entries
        self._hits, self._misses = READ_CACHE.labels(service, "hit"), READ_CACHE.labels(service, "miss")
        self._sqlite_path = sqlite_file(db_url)
        self._postgres = make_url(db_url).get_backend_name() == "postgresql"
        self._probe: sqlite3.Connection | None = None
        self._version: Hashable | None = None
        self._store: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._disposed = False

    @property
    def enabled(self) -> bool:
        return self.entries > 0 and not self._disposed and (self._sqlite_path is not None or self._postgres)

    async def data_version(self, session) -> Hashable | None:
        """The database's data version now; None when the cache is off or SQLite cannot tell (busy, file gone)."""
        if not self.enabled:
            return None
        if self._sqlite_path is None:
            return (await session.execute(_SNAPSHOT)).scalar_one()
        try:
            if self._probe is None:
                # Autocommit: each PRAGMA reads the database's current state afresh. Runs on the loop's
                # thread like the read sessions (fc_shared.db.LoopReadSession): a read of the WAL index.
                # mode=rw: never creates a file that is not there.
                self._probe = sqlite3.connect(Path(self._sqlite_path).resolve().as_uri() + "?mode=rw", uri=True,
                                              isolation_level=None, check_same_thread=False, timeout=PROBE_TIMEOUT_S)
            return self._probe.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            # Opened afresh next time (a replaced file is then the one read). A new connection counts its
            # data_version from its own start, so the stored answers go with the old one.
            self._close_probe()
            self._forget()
            return None

    async def answer(self, session, key: Hashable, build: Callable[[], Awaitable[BaseModel]]) -> Response:
        """The stored answer for ``key`` if the database is unchanged since it was built, else ``build()``'s.

        ``session`` is the route's read session, before any of its queries; ``key`` must hold everything
        besides the database the answer depends on (at least the caller and every parameter).
        """
        version = await self.data_version(session)
        if version is None:
            return json_response(encode(await build()))
        if version != self._version:
            self._forget()
            self._version = version
        else:
            body = self._store.get(key)
            if body is not None:
                self._store.move_to_end(key)
                self._hits.inc()
                return json_response(body)
        self._misses.inc()
        body = encode(await build())
        # Only under the version current now: a request that read an older one and finishes late keeps nothing.
        if version == self._version and key not in self._store and len(body) <= MAX_BODY_BYTES and self.enabled:
            self._store[key] = body
            self._bytes += len(body)
            while len(self._store) > self.entries or self._bytes > MAX_BYTES:
                self._bytes -= len(self._store.popitem(last=False)[1])
        return json_response(body)

    def _close_probe(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None

    def _forget(self) -> None:
        self._store.clear()
        self._bytes = 0
        self._version = None

    def dispose(self) -> None:
        self._disposed = True
        self._forget()
        self._close_probe()


__all__ = ["ReadCache", "encode", "json_response"]
