"""The programme-lifecycle migration is reversible: down one revision and up again."""
import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from fc_shared.migrations import alembic_config, upgrade

SERVICE_DIR = Path(__file__).resolve().parents[2]


async def _columns(url: str, table: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            def names(sync_conn):
                from sqlalchemy import inspect

                return {c["name"] for c in inspect(sync_conn).get_columns(table)}
            return await conn.run_sync(names)
    finally:
        await engine.dispose()


async def test_lifecycle_migration_downgrades_and_upgrades(db_url):
    await asyncio.to_thread(upgrade, SERVICE_DIR, db_url)
    assert {"result_channel", "result_document_id"} <= await _columns(db_url, "acceptances")
    await asyncio.to_thread(command.downgrade, alembic_config(SERVICE_DIR, db_url), "-1")
    assert "result_channel" not in await _columns(db_url, "acceptances")
    assert "due_on" not in await _columns(db_url, "problems")
    await asyncio.to_thread(upgrade, SERVICE_DIR, db_url)
    assert "due_on" in await _columns(db_url, "problems")
