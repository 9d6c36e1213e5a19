"""Alembic glue: each service's ``env.py`` is two lines calling ``run_migrations``."""
from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection

from .db import is_sqlite, make_engine


def _do_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=is_sqlite(str(connection.engine.url)), compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = make_engine(url)
    sqlite = is_sqlite(url)
    if sqlite:
        # SQLite alters a table by rebuilding it (batch mode); with foreign keys enforced, dropping the old
        # copy of a table other rows reference fails. Migrations run with them off and are checked after.
        @event.listens_for(engine.sync_engine, "connect")
        def _foreign_keys_off(dbapi_conn, _record):  # runs after make_engine's pragmas
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()
    async with engine.connect() as conn:
        await conn.run_sync(_do_run, metadata)
        if sqlite:
            broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if broken:
                raise RuntimeError(f"migration left rows whose foreign keys point nowhere: {broken[:5]}")
        await conn.commit()
    await engine.dispose()


def run_migrations(metadata: MetaData, default_url: str) -> None:
    """Called from env.py: online migrations against the service's database URL."""
    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url") or default_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _do_run(connection, metadata)
    else:
        asyncio.run(_run_async(url, metadata))


def alembic_config(service_dir: Path, database_url: str) -> Config:
    cfg = Config(str(service_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(service_dir / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(service_dir: Path, database_url: str, revision: str = "head") -> None:
    """Run a service's migrations (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(service_dir, database_url), revision)


def create_spine_tables() -> None:
    """In each service's first migration: the outbox, inbox and idempotency tables as they were created
    on 2026-11-26, stated literally so the four histories don't each spell them out.

    Frozen: this is history, not today's ``fc_shared.db.spine_tables``. A change to the spine is a new
    migration step in every service (as dropping ``outbox.attempts`` was), never an edit here.
    """
    big_pk = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "idempotency_keys",
        sa.Column("id", big_pk, autoincrement=True, nullable=False),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_keys"),
        sa.UniqueConstraint("principal", "key", name="uq_idempotency_keys_principal_key"),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", big_pk, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"], unique=False)
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"], unique=False)


def drop_spine_tables() -> None:
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_index("ix_outbox_created_at", table_name="outbox")
    for name in ("outbox", "inbox", "idempotency_keys"):
        op.drop_table(name)


def drop_outbox_attempts() -> None:
    """The outbox's ``attempts`` column was never read: the relay retries whole batches (2026-12-01)."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("attempts")


def add_outbox_attempts() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def create_outbox_unsent_index() -> None:
    """The relay's claim (``WHERE sent_at IS NULL ORDER BY seq LIMIT 500``) reads this partial index (2026-12-07).

    Without it PostgreSQL walked the primary key past every sent row kept for republication (86 ms a claim
    with 200,000 of them, 0.4 ms with the index) or sorted the whole unsent backlog before taking 500."""
    unsent = sa.text("sent_at IS NULL")
    op.create_index("ix_outbox_unsent", "outbox", ["seq"], postgresql_where=unsent, sqlite_where=unsent)


def drop_outbox_unsent_index() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox")


def create_audit_log() -> None:
    """The audit log (fc_shared.audit) as created on 2026-12-01, stated literally. Frozen, like the spine."""
    big_pk = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "audit_log",
        sa.Column("seq", big_pk, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=120), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("route", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("resource", sa.String(length=80), nullable=False),
        sa.Column("resource_id", sa.String(length=200), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"], unique=False)
    op.create_index("ix_audit_log_resource_resource_id", "audit_log", ["resource", "resource_id"], unique=False)


def drop_audit_log() -> None:
    for name in ("ix_audit_log_resource_resource_id", "ix_audit_log_actor", "ix_audit_log_at"):
        op.drop_index(name, table_name="audit_log")
    op.drop_table("audit_log")
