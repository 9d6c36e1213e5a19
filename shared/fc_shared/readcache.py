"""Answers of hot reads, kept while the database is unchanged and checked against it on every request.

A board or a project page is read far more often than it changes (the console polls; every official of a
street opens the same board). Building one is most of a read's cost — the query, its rows, the response model
and its JSON (issue 15's profile of ``GET /api/v1/board``: 3 ms CPU a request against 0.3 ms for FastAPI
serving the same JSON) — and once that is kept, most of what is left is FastAPI itself: matching the path
against every route and solving the route's dependencies (auth, runtime, day, paging, each query parameter)
took four fifths of a served-again answer's CPU. So the store sits in front of the routes, as an ASGI
middleware (``CachedReads``) inside the request-id and metrics middlewares:

- A service names the routes whose answers may be kept (``ServiceSpec.cached_reads``: route templates such as
  ``/api/v1/board``). Such a route's ``200`` answer may depend on the database, the path and query string, the
  caller's role and scope (``Principal.view``: the officials of one street share it, no other street can get
  it) and the district's day — and on nothing else (no other header, not the person).
- A ``GET`` of such a path with a bearer token is looked up under (path, query string, the token's view,
  day), once the token is verified the way the routes verify it (``TokenVerifier.verify``, which remembers
  a token that passed) and the data version read — then the version is compared and the store read with no
  ``await`` between, so no other request moves the store in the meantime. A token that does not pass, a
  missing one, any other method or path: the request goes to the routes as before, which refuse or answer it
  (a token that does not pass costs no database read).
- The route's ``200`` answer — status, headers and body as FastAPI wrote them — is kept when its matched
  route is one the service named; errors (401, 403, 404, 422) never are. A key is only ever filled by a
  ``200`` the routes gave the same view, so serving it again grants nothing the routes would not.

Every request reads the database's *data version* first:

- SQLite: ``PRAGMA data_version`` on a connection of the store's own, which never writes. SQLite changes it
  whenever another connection — of this process or any other (a worker, a CLI) — has committed.
- PostgreSQL: ``pg_current_snapshot()``, in a read session of its own. Any transaction that ends anywhere in
  the cluster changes it (its id leaves the in-progress list or moves ``xmax``), so it also changes when
  another pod commits; equal snapshots see the same rows.

An answer is served again only under the version it was stored with. The version is read before the route
builds, so a commit landing while it builds makes the next check differ: a stored answer is never older than
what a fresh read would have given when its request arrived. An answer built under a version that is no
longer current is not stored; a new version drops every stored answer (the store holds at most one version's
answers: ``entries`` of them and ``MAX_BYTES`` in all, least recently used out first). If the version cannot
be read (SQLite busy, the file gone, PostgreSQL unreachable), the request goes to the routes and nothing is
stored. An answer built while the district's day turned is not stored either.

On a busy database the version changes all the time and most requests go to the routes as before, paying one
small query more: on PostgreSQL any transaction that wrote, in any database of the cluster, changes the
snapshot, so with workers running nearby the hits come in the quiet between writes.
"""
from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Collection, Hashable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.engine import make_url
from fastapi.security.utils import get_authorization_scheme_param
from starlette.routing import compile_path

from .db import sqlite_file
from .errors import Problem
from .metrics import READ_CACHE

MAX_BODY_BYTES = 512 * 1024  # larger answers (a long page) are built each time
MAX_BYTES = 32 * 1024 * 1024  # all stored answers of a process together
PROBE_TIMEOUT_S = 1.0
_SNAPSHOT = text("SELECT pg_current_snapshot()::text")

# One stored answer: the matched route (for the metrics' route label), the response headers and the body.
Entry = tuple[object, list[tuple[bytes, bytes]], bytes]


class ReadCache:
    """The store: answers under their request's key, valid for one data version of the database."""

    def __init__(self, db_url: str, service: str, entries: int, read_sessions=None) -> None:
        self.entries = entries
        self.hits, self.misses = READ_CACHE.labels(service, "hit"), READ_CACHE.labels(service, "miss")
        self._sqlite_path = sqlite_file(db_url)
        self._postgres = make_url(db_url).get_backend_name() == "postgresql"
        self._read_sessions = read_sessions  # PostgreSQL: where the snapshot is read
        self._probe: sqlite3.Connection | None = None
        self._version: Hashable | None = None
        self._store: OrderedDict[Hashable, Entry] = OrderedDict()
        self._bytes = 0
        self._disposed = False

    @property
    def enabled(self) -> bool:
        return self.entries > 0 and not self._disposed and (
            self._sqlite_path is not None or (self._postgres and self._read_sessions is not None))

    async def data_version(self) -> Hashable | None:
        """The database's data version now; None when the store is off or SQLite cannot tell (busy, file gone)."""
        if not self.enabled:
            return None
        if self._sqlite_path is None:
            try:
                async with self._read_sessions() as session:
                    return (await session.execute(_SNAPSHOT)).scalar_one()
            except (SQLAlchemyError, OSError, TimeoutError):
                return None  # the routes answer (or report the outage) as they would without the store
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

    def observe(self, version: Hashable) -> None:
        """A request read ``version``: if the database moved on, every stored answer goes."""
        if version != self._version:
            self._forget()
            self._version = version

    def get(self, key: Hashable) -> Entry | None:
        entry = self._store.get(key)
        if entry is not None:
            self._store.move_to_end(key)
        return entry

    def put(self, version: Hashable, key: Hashable, entry: Entry) -> None:
        """Keep ``entry`` — only under the version current now: a request that read an older one and finishes
        late keeps nothing."""
        size = len(entry[2])
        if version != self._version or key in self._store or size > MAX_BODY_BYTES or not self.enabled:
            return
        self._store[key] = entry
        self._bytes += size
        while len(self._store) > self.entries or self._bytes > MAX_BYTES:
            self._bytes -= len(self._store.popitem(last=False)[1][2])

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


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The bearer token as the routes' ``HTTPBearer`` reads it (the first Authorization header), or None."""
    value = next((v for name, v in headers if name == b"authorization"), None)
    if value is None:
        return None
    scheme, token = get_authorization_scheme_param(value.decode("latin-1"))
    return token if scheme.lower() == "bearer" and token else None


class CachedReads:
    """ASGI middleware: ``GET`` answers of the named routes served again from the runtime's ``ReadCache``."""

    def __init__(self, app, routes: Collection[str]) -> None:
        self.app = app
        self.routes = frozenset(routes)
        # Only these paths are looked up (no version read for any other request); what is stored is decided
        # by the route the router actually matched.
        self._paths = [compile_path(route)[0] for route in self.routes]

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] != "http" or scope["method"] != "GET"
                or not any(path.match(scope["path"]) for path in self._paths)):
            await self.app(scope, receive, send)
            return
        runtime = scope["app"].state.runtime
        cache: ReadCache = runtime.read_cache
        token = _bearer(scope["headers"]) if cache.enabled else None
        if token is None:
            await self.app(scope, receive, send)
            return
        try:
            principal = await runtime.verifier.verify(token)  # remembered for a token that passed before
        except Problem:
            await self.app(scope, receive, send)  # the routes refuse it (401, 503) as they always do
            return
        version = await cache.data_version()
        if version is None:
            await self.app(scope, receive, send)
            return
        day = runtime.clock.today()
        key = (scope["path"], scope["query_string"], principal.view, day)
        # No await between reading the version and the lookup: no other request can move the store meanwhile.
        cache.observe(version)
        entry = cache.get(key)
        if entry is not None:
            route, headers, body = entry
            scope["route"] = route  # what the router would have matched: the metrics label it
            cache.hits.inc()
            # A copy: the middlewares outside add their headers (X-Request-ID, CORS) to the list they get.
            await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
            await send({"type": "http.response.body", "body": body})
            return

        status, headers, body = None, [], bytearray()

        async def keep(message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", ()))
            elif message["type"] == "http.response.body" and len(body) <= MAX_BODY_BYTES:
                body.extend(message.get("body", b""))  # past the bound nothing is kept: put() refuses it
            await send(message)

        await self.app(scope, receive, keep)
        route = scope.get("route")
        if status != 200 or getattr(route, "path", None) not in self.routes:
            return
        cache.misses.inc()
        # Built for the day the key names (not one that began while it was built).
        if runtime.clock.today() == day:
            cache.put(version, key, (route, headers, bytes(body)))


__all__ = ["CachedReads", "ReadCache"]
