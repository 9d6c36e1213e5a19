"""Runtime.read_sessions on SQLite: reads begin deferred on the loop's thread and never wait for a writer."""
import time

from sqlalchemy import text

from fc_shared.db import ReadSessions, make_engine, make_sessionmaker


async def test_a_read_neither_waits_for_a_writer_nor_sees_its_uncommitted_rows(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}")
    reads = ReadSessions(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with make_sessionmaker(engine)() as writer:
            await writer.begin()  # BEGIN IMMEDIATE: the writer holds the write lock from here
            await writer.execute(text("INSERT INTO t VALUES (2)"))
            started = time.monotonic()
            async with reads() as session:
                seen = (await session.execute(text("SELECT v FROM t ORDER BY v"))).scalars().all()
            # A read that took the write lock would wait busy_timeout (30 s) and then fail.
            assert time.monotonic() - started < 5
            assert seen == [1]
            await writer.commit()
        async with reads() as session:
            assert (await session.execute(text("SELECT v FROM t ORDER BY v"))).scalars().all() == [1, 2]
            # One snapshot per session: a deferred BEGIN was issued, not autocommit statements.
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 2
    finally:
        reads.dispose()
        await engine.dispose()
