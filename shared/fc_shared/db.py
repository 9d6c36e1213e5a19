"""Async SQLAlchemy engine for SQLite (WAL, foreign keys) and PostgreSQL, plus the spine tables."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
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


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
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

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover
            # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
            # instead of failing on a lock upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


@dataclass(frozen=True)
class SpineTables:
    outbox: Table
    inbox: Table
    idempotency: Table


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
    return SpineTables(outbox=outbox, inbox=inbox, idempotency=idempotency)


def dialect_insert(session, table: Table):
    """``INSERT`` in the session's dialect, so ``ON CONFLICT`` clauses work on PostgreSQL and SQLite alike."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def insert_ignore(session, table: Table, values: dict, *, key: list[str] | None = None) -> bool:
    """Insert one row unless a row with the same ``key`` (default: any unique key) exists; True when inserted."""
    stmt = dialect_insert(session, table).values(**values).on_conflict_do_nothing(index_elements=key)
    result = await session.execute(stmt.returning(*table.primary_key.columns))
    return result.first() is not None


async def upsert(session, table: Table, key: dict, values: dict, *, only_if=None) -> None:
    """Insert or update one row by its key columns (projections kept from events).

    ``only_if(table, excluded)`` returns a condition an existing row must meet to be updated
    (e.g. that the incoming version is not older).
    """
    if not values:
        await insert_ignore(session, table, key, key=list(key))
        return
    stmt = dialect_insert(session, table).values(**key, **values)
    where = only_if(table, stmt.excluded) if only_if is not None else None
    await session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=values, where=where))
