"""Each service's migration history, run from empty, builds exactly the schema its table objects describe.

The spine's first migration is literal DDL (fc_shared.migrations.create_spine_tables), so this is what
catches a table object changed without a migration step of its own.
"""
from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fc_devtools.testing import create_pg_database, drop_pg_database, migrate, postgres_enabled
from fc_shared.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "funding", "inspection", "notify")
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def schema_differences(service: str, url: str) -> list:
    metadata = importlib.import_module(f"fc_{service}.adapters.tables").metadata
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), metadata))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("service", SERVICES)
def test_migrations_build_the_schema_of_the_table_objects(service, database, tmp_path):
    if database == "postgresql" and not postgres_enabled():
        pytest.skip("FC_TEST_POSTGRES=0")
    url = (f"sqlite+aiosqlite:///{tmp_path / (service + '.db')}" if database == "sqlite"
           else create_pg_database(f"fc_schema_{service}"))
    try:
        migrate(ROOT / "services" / service, url)
        assert asyncio.run(schema_differences(service, url)) == []
    finally:
        if database == "postgresql":
            drop_pg_database(url)


def test_the_outbox_unsent_index_is_partial(db_url):
    """Alembic's comparison above does not look at an index's WHERE: the relay's claim index must hold only the
    unsent rows, not every row kept for republication."""
    migrate(ROOT / "services" / "notify", db_url)
    postgres = db_url.startswith("postgresql")

    async def definition() -> str:
        engine = make_engine(db_url)
        try:
            async with engine.connect() as conn:
                query = ("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_outbox_unsent'" if postgres else
                         "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_outbox_unsent'")
                return (await conn.exec_driver_sql(query)).scalar_one()
        finally:
            await engine.dispose()

    assert "WHERE" in (sql := asyncio.run(definition())) and "sent_at IS NULL" in sql, sql
