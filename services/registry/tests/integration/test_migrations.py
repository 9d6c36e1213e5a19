"""The programme-lifecycle migration is reversible: down one revision and up again keeps the data it can."""
import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from fc_shared.migrations import alembic_config, upgrade

SERVICE_DIR = Path(__file__).resolve().parents[2]


async def _rows(url: str, sql: str):
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql))
            return result.all() if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_lifecycle_migration_downgrades_and_upgrades(db_url):
    await asyncio.to_thread(upgrade, SERVICE_DIR, db_url, "3c1d2e7f9a10")  # the revision before this one
    await _rows(db_url, "INSERT INTO streets (code, name, kind, created_at, created_on) VALUES ('S1', 's', "
                        "'subdistrict', '2024-01-01 00:00:00', '2024-01-01')")
    await _rows(db_url, "INSERT INTO work_summaries (id, street_code, period, period_start, period_end, work, "
                        "innovations, filed_by, filed_at) VALUES ('w1', 'S1', 'weekly', '2024-01-01', '2024-01-07', "
                        "'[]', '[]', 'x', '2024-01-08 00:00:00')")
    await _rows(db_url, "INSERT INTO problems (id, street_code, summary_id, source, text, owner_department, state, "
                        "opened_at) VALUES ('p1', 'S1', 'w1', 'summary', 't', 'finance', 'open', '2024-01-08 00:00:00')")
    await asyncio.to_thread(upgrade, SERVICE_DIR, db_url)
    assert await _rows(db_url, "SELECT filer FROM work_summaries") == [("S1",)]
    assert await _rows(db_url, "SELECT summary_id FROM problems") == [("w1",)]
    cfg = alembic_config(SERVICE_DIR, db_url)
    await asyncio.to_thread(command.downgrade, cfg, "-1")
    assert await _rows(db_url, "SELECT street_code FROM work_summaries") == [("S1",)]
    await asyncio.to_thread(upgrade, SERVICE_DIR, db_url)
    assert await _rows(db_url, "SELECT filer, street_code FROM work_summaries") == [("S1", "S1")]
