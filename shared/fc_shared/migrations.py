"""Alembic glue: each service's ``env.py`` is two lines calling ``run_migrations``."""
from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from .db import is_sqlite, make_engine


def _do_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=is_sqlite(str(connection.engine.url)), compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = make_engine(url)
    async with engine.connect() as conn:
        await conn.run_sync(_do_run, metadata)
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
    """In a service's first migration: the outbox, inbox and idempotency tables, as
    ``fc_shared.db.spine_tables`` defines them, so the four histories don't each spell them out.
    The spine's shape is frozen here; a later change to it comes as a migration step of its own."""
    from .db import new_metadata, spine_tables

    spine = spine_tables(new_metadata())
    for table in (spine.idempotency, spine.inbox, spine.outbox):
        table.create(context.get_bind())


def drop_spine_tables() -> None:
    from .db import new_metadata, spine_tables

    spine = spine_tables(new_metadata())
    for table in (spine.outbox, spine.inbox, spine.idempotency):
        table.drop(context.get_bind())
