"""Async SQLAlchemy engine for SQLite (WAL, foreign keys) and PostgreSQL, plus the spine tables."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import FunctionType
from datetime import UTC

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite stores BIGINT autoincrement only as INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite as on PostgreSQL.

    SQLite keeps no offset, so without this a value written aware comes back naive and
    an API would print it without its ``Z``. Same DDL as ``DateTime(timezone=True)``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> str | None:
    """The path of the SQLite database file ``url`` names; None for another database, ``:memory:`` or a URI."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    return database if database and database != ":memory:" and not database.startswith("file:") else None


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        database = sqlite_file(url)
        if database is not None:
            # A database file: run SQLite on the loop's thread (fc_shared.sqlite_inline, issue 15).
            from .sqlite_inline import inline_creator

            engine = create_async_engine(url, echo=echo, async_creator=inline_creator(database, timeout=30))
        else:
            engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        gate = WriteGate(engine.url.database or ":memory:")

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover
            # IMMEDIATE takes the write lock up front, so two writers queue instead of failing on a
            # lock upgrade. A read-only session (``read_only``) begins deferred: in WAL mode readers
            # take no lock, so reads never queue behind writers or behind each other.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            gate.enter(conn.connection)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                gate.leave(conn.connection)
                raise

        gate.install(engine.sync_engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


async def _acquire(lock: asyncio.Lock, timeout_s: float) -> None:
    # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns the lock instead of raising when the task
    # is cancelled just as the lock is handed to it, and a stopping worker then runs on (seen: a relay that
    # never stopped).
    async with asyncio.timeout(timeout_s):
        await lock.acquire()


class WriteGate:
    """SQLite's write lock, taken in the process's queue before SQLite's own (one gate per database file).

    SQLite lets one transaction write at a time; the others wait in its busy handler, which *sleeps*
    (1, 2, 5, … up to 100 ms a try) instead of being woken when the lock is free. With the API, the
    relay and the consumers of one service writing the same file, that sleeping was most of the chain's
    latency (issue 15: inspection's aiosqlite threads spent 82% of a burst inside SQLite calls). Here
    each write transaction first takes an ``asyncio.Lock`` of its event loop (FIFO, woken at once) in
    the ``begin`` event, and gives it back right after its COMMIT or ROLLBACK has run (the dialect's
    ``do_commit``/``do_rollback``), or when the connection is closed or invalidated. It excludes
    nothing SQLite did not already exclude: two write transactions of one process never overlapped,
    they only slept. Other processes on the same file (a CLI) still meet SQLite's busy handler.
    """

    HELD = "fc_write_gate"
    ON_LOOP = "_fc_write_gates"  # the loop's gates live on the loop and go with it (a lock refers to its loop)
    TIMEOUT_S = 30.0  # the busy_timeout below: a writer that waited this long fails as SQLite's would

    def __init__(self, database: str) -> None:
        self.database = database

    def _lock(self) -> asyncio.Lock | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a synchronous caller (no loop): SQLite's busy handler alone, as before
            return None
        gates = getattr(loop, self.ON_LOOP, None)
        if gates is None:
            gates = {}
            setattr(loop, self.ON_LOOP, gates)
        lock = gates.get(self.database)
        if lock is None:
            lock = gates[self.database] = asyncio.Lock()
        return lock

    @classmethod
    def queued(cls, database: str) -> int:
        """How many write transactions of the running loop wait for the gate of this file (for tests and probes)."""
        gates = getattr(asyncio.get_running_loop(), cls.ON_LOOP, None) or {}
        lock = gates.get(database)
        return len(getattr(lock, "_waiters", None) or ()) if lock is not None else 0

    def enter(self, dbapi_conn) -> None:
        """In the ``begin`` event (a greenlet of an async engine call): wait for the gate."""
        from sqlalchemy.util.concurrency import await_, in_greenlet

        if dbapi_conn.info.get(self.HELD) is not None or not in_greenlet():
            return
        lock = self._lock()
        if lock is None:
            return
        try:
            await_(_acquire(lock, self.TIMEOUT_S))
        except TimeoutError:  # as SQLite's busy_timeout would have said
            import sqlite3

            raise sqlite3.OperationalError("database is locked (waited for this process's write gate)") from None
        dbapi_conn.info[self.HELD] = lock

    def leave(self, dbapi_conn) -> None:
        try:
            info = dbapi_conn.info
        except (AttributeError, NotImplementedError):  # the dialect's first-connect probe: never gated
            return
        lock = info.pop(self.HELD, None)
        if lock is not None and lock.locked():
            lock.release()

    def install(self, sync_engine) -> None:
        """Release after the transaction's end has run, and whenever the connection goes away."""
        dialect = sync_engine.dialect
        do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

        def _commit(dbapi_conn):
            try:
                do_commit(dbapi_conn)
            finally:
                self.leave(dbapi_conn)

        def _rollback(dbapi_conn):
            try:
                do_rollback(dbapi_conn)
            finally:
                self.leave(dbapi_conn)

        dialect.do_commit, dialect.do_rollback = _commit, _rollback
        for name in ("checkin", "close", "invalidate", "soft_invalidate", "detach"):
            event.listen(sync_engine.pool, name, lambda dbapi_conn, record, *_: self._leave_record(record))

    def _leave_record(self, record) -> None:
        if record is not None:
            self.leave(record)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


READ_ONLY = "fc_read_only"


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool for sessions that only read: on SQLite their transaction begins deferred
    (a consistent snapshot, no write lock). Never write through it: a deferred transaction that writes can
    fail on the lock upgrade instead of waiting its turn."""
    return engine.execution_options(**{READ_ONLY: True})


class LoopReadSession:
    """A read-only session on SQLite that runs its statements on the event loop's own thread.

    Through aiosqlite every call (cursor, execute, fetch, close, begin, rollback) is a hop to the
    connection's thread and back, and each hop waits for the GIL while the loop runs other requests:
    up to ``sys.getswitchinterval()`` (5 ms) a hop, some 10 to 25 hops a read, which made a 1 ms read
    take 40–100 ms under 16 concurrent clients. A local WAL database answers a small read in
    microseconds and readers never wait for a lock, so running it in place is faster and blocks the
    loop for less time than the hops did. Only ``execute`` exists (what read routes use), on a Core
    connection (the routes run Core statements; the ORM session's machinery cost more than the query);
    consume each result inside the ``async with``. The transaction begins deferred on the first
    statement and is rolled back at exit.
    """

    def __init__(self, engine) -> None:
        self._engine = engine
        self._conn = None

    async def execute(self, statement, params=None, **kw):
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn.execute(statement, params, **kw)

    async def __aenter__(self) -> "LoopReadSession":
        return self

    async def __aexit__(self, *exc) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class ReadSessions:
    """``read_sessions()``: an ``async with`` session for routes that only read.

    PostgreSQL: an ``AsyncSession`` on the engine. SQLite: a ``LoopReadSession`` on a synchronous
    engine over the same file (same pragmas, deferred BEGIN); its pool never blocks (unbounded
    overflow), since waiting for a connection on the loop's thread would stall every request.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._sync_engine = None
        if not is_sqlite(str(engine.url)):
            self._factory = make_sessionmaker(read_only(engine))
            return
        from sqlalchemy import create_engine

        sync_engine = create_engine(engine.url.set(drivername="sqlite+pysqlite"), pool_size=5, max_overflow=-1,
                                    connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(sync_engine, "begin")
        def _begin(conn):  # pragma: no cover
            conn.exec_driver_sql("BEGIN")

        self._sync_engine = sync_engine
        self._factory = lambda: LoopReadSession(sync_engine)

    def __call__(self):
        return self._factory()

    def dispose(self) -> None:
        if self._sync_engine is not None:
            self._sync_engine.dispose()


@dataclass(frozen=True)
class SpineTables:
    outbox: Table
    inbox: Table
    idempotency: Table
    audit: Table | None = None


def spine_tables(metadata: MetaData) -> SpineTables:
    """The outbox, inbox and idempotency tables every service keeps in its own database."""
    outbox = Table(
        "outbox",
        metadata,
        # seq orders publication; per-key order follows from it.
        Column("seq", BigIntPK, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(120), nullable=False),  # Debezium: aggregatetype
        Column("key", String(120), nullable=False),  # Debezium: aggregateid
        Column("type", String(120), nullable=False),
        Column("payload", Text, nullable=False),  # the whole CloudEvent, JSON
        Column("created_at", UtcDateTime(), nullable=False, index=True),
        Column("sent_at", UtcDateTime(), nullable=True, index=True),
    )
    # What the relay claims: the unsent rows in seq order, without walking the sent ones kept for republication
    # (PostgreSQL walked the primary key past them). SQLite's planner rightly prefers ix_outbox_sent_at: seq is
    # the rowid, which that index holds in order for each sent_at, NULL included.
    Index("ix_outbox_unsent", outbox.c.seq, postgresql_where=outbox.c.sent_at.is_(None),
          sqlite_where=outbox.c.sent_at.is_(None))
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(80), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("type", String(120), nullable=False),
        Column("handled_at", UtcDateTime(), nullable=False),
    )
    idempotency = Table(
        "idempotency_keys",
        metadata,
        Column("id", BigIntPK, primary_key=True, autoincrement=True),
        Column("principal", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("state", String(16), nullable=False),  # in_flight | done
        Column("status_code", Integer, nullable=True),
        Column("response", JSON, nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
        UniqueConstraint("principal", "key", name="uq_idempotency_keys_principal_key"),
    )
    from .audit import audit_table

    return SpineTables(outbox=outbox, inbox=inbox, idempotency=idempotency, audit=audit_table(metadata))


def _dialect(session) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def writers_serialised(session) -> bool:
    """Whether this session's database runs one writing transaction at a time, so row locks add nothing: SQLite
    through ``make_engine`` (each writer holds the database's write lock from ``BEGIN IMMEDIATE`` on). False for
    PostgreSQL, and for a session with no engine bound (take the locks when unsure)."""
    return session.bind is not None and session.bind.dialect.name == "sqlite"


def _insert_in(dialect: str, table: Table):
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def dialect_insert(session, table: Table):
    """``INSERT`` in the session's dialect, so ``ON CONFLICT`` clauses work on PostgreSQL and SQLite alike."""
    return _insert_in(_dialect(session), table)


# Statements of the helpers below, built once per shape and executed with the row as parameters. A statement
# built around its values (``.values(**row)``, ``set_=row``) makes a bound parameter of each value and a new
# cache key for each statement, every time: 200-330 µs of CPU for a 13-column row against 26-37 µs executing
# one statement built once (issue 15: a quarter of each service's busy samples in a chain burst).
_PREPARED: dict[tuple, object] = {}
_PREPARED_MAX = 4096  # shapes are few (call sites x column sets); bounded all the same


def _prepared(shape: tuple, build):
    stmt = _PREPARED.get(shape)
    if stmt is None:
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.clear()
        stmt = _PREPARED[shape] = build()
    return stmt


def _plain(values: dict) -> bool:
    """Values that can be passed as parameters (not SQL expressions such as ``func.now()``)."""
    return not any(isinstance(v, ClauseElement) for v in values.values())


def _stateless(fn) -> bool:
    """A function with no closure and no defaults: the condition it builds is kept under its name and code, and
    the globals it reads (``or_``, a constant) are read once, when its statement is built."""
    return (isinstance(fn, FunctionType) and fn.__closure__ is None and not fn.__defaults__
            and not fn.__kwdefaults__)


def _known(table: Table, row: dict) -> None:
    """Parameters skip the check ``.values()`` makes: a name that is no column is refused, not dropped."""
    unknown = row.keys() - table.c.keys()
    if unknown:
        raise ValueError(f"{table.name} has no column {sorted(unknown)}")


async def insert_ignore(session, table: Table, values: dict, *, key: list[str] | None = None) -> bool:
    """Insert one row unless a row with the same ``key`` (default: any unique key) exists; True when inserted."""
    return await insert_ignore_key(session, table, values, key=key) is not None


async def insert_ignore_key(session, table: Table, values: dict, *, key: list[str] | None = None) -> tuple | None:
    """``insert_ignore`` that answers with the inserted row's primary key (a generated id included), None when
    a row with the same ``key`` was there."""
    dialect = _dialect(session)

    def build():
        return (_insert_in(dialect, table).on_conflict_do_nothing(index_elements=key)
                .returning(*table.primary_key.columns))

    if _plain(values):
        _known(table, values)
        stmt = _prepared(("insert_ignore", dialect, table, tuple(key) if key else None), build)
        result = await session.execute(stmt, values)
    else:
        result = await session.execute(build().values(**values))
    row = result.first()
    return None if row is None else tuple(row)


async def insert_ignore_many(session, table: Table, rows: list[dict], *, key: list[str]) -> set[tuple]:
    """Insert ``rows`` in one statement, skipping any whose ``key`` already exists (in the table or earlier in
    ``rows``); the keys of the rows inserted, as tuples in ``key``'s order."""
    if not rows:
        return set()
    first: dict[tuple, dict] = {}
    for row in rows:
        first.setdefault(tuple(row[k] for k in key), row)
    # Executed as an executemany (the rows as parameters, not a VALUES list built into the statement): SQLAlchemy
    # batches it into multi-row INSERTs itself from one compiled statement it caches, where a statement with
    # the rows in it was compiled anew each time (500 rows: ~80 ms of CPU, issue 15's deadline-scan profile).
    stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=key)
    result = await session.execute(stmt.returning(*(table.c[k] for k in key)), list(first.values()))
    return {tuple(row) for row in result}


async def upsert(session, table: Table, key: dict, values: dict, *, only_if=None) -> None:
    """Insert or update one row by its key columns (projections kept from events).

    ``only_if(table, excluded)`` returns a condition an existing row must meet to be updated
    (e.g. that the incoming version is not older).
    """
    if not values:
        await insert_ignore(session, table, key, key=list(key))
        return
    dialect, row = _dialect(session), {**key, **values}

    def build(given: dict | None = None):
        stmt = _insert_in(dialect, table)
        if given is not None:
            stmt = stmt.values(**given)
        # ``excluded`` is the row the INSERT proposed: the same values as ``values``, without repeating them.
        where = only_if(table, stmt.excluded) if only_if is not None else None
        return stmt.on_conflict_do_update(index_elements=list(key), where=where,
                                          set_={name: stmt.excluded[name] for name in values})

    if _plain(row) and (only_if is None or _stateless(only_if)):
        _known(table, row)
        condition = (only_if.__module__, only_if.__qualname__, only_if.__code__) if only_if else None
        shape = ("upsert", dialect, table, tuple(key), tuple(values), condition)
        await session.execute(_prepared(shape, build), row)
    else:
        await session.execute(build(row))
