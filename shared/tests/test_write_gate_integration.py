"""fc_shared.db.WriteGate: a process's SQLite write transactions queue on an asyncio lock, not in SQLite's
busy handler (which sleeps up to 100 ms a try instead of being woken when the lock is free)."""
import asyncio

import pytest
from sqlalchemy import event, text

from fc_shared.db import ReadSessions, make_engine, make_sessionmaker


def _no_busy_wait(engine) -> None:
    """busy_timeout 0: a BEGIN IMMEDIATE that met a held write lock would fail at once ("database is locked")."""
    @event.listens_for(engine.sync_engine, "connect")
    def _zero(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=0")
        cur.close()


async def test_concurrent_write_transactions_queue_in_the_process_and_all_commit(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    _no_busy_wait(engine)
    sessions = make_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (writer INTEGER, step INTEGER)"))
        inside = 0
        overlapped = []

        async def writer(n: int) -> None:
            nonlocal inside
            async with sessions() as session:
                await session.begin()  # the session connects (and BEGINs) at its first statement
                for step in range(3):
                    await session.execute(text("INSERT INTO t VALUES (:w, :s)"), {"w": n, "s": step})
                    await asyncio.sleep(0)  # as a use case awaiting something else: the other writers run
                    if step == 0:
                        inside += 1
                        overlapped.append(inside)
                inside -= 1
                if n % 2:
                    await session.rollback()
                else:
                    await session.commit()

        await asyncio.gather(*(writer(n) for n in range(12)))
        assert max(overlapped) == 1  # one write transaction at a time, none failed on the lock
        async with sessions() as session:
            rows = (await session.execute(text("SELECT writer, count(*) FROM t GROUP BY writer"))).all()
        assert sorted(rows) == [(n, 3) for n in range(0, 12, 2)]  # the committed ones, whole
    finally:
        await engine.dispose()


async def test_a_transaction_ended_by_closing_its_session_gives_the_gate_back(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    _no_busy_wait(engine)
    sessions = make_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
        async with sessions() as session:  # neither commit nor rollback: close() ends it
            await session.begin()
            await session.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(RuntimeError):
            async with sessions() as session:
                await session.begin()
                await session.execute(text("INSERT INTO t VALUES (2)"))
                raise RuntimeError("a failing use case")
        async with sessions() as session:
            await asyncio.wait_for(session.begin(), 5)  # not stuck behind a gate nobody holds
            await session.execute(text("INSERT INTO t VALUES (3)"))
            await session.commit()
        async with sessions() as session:
            assert (await session.execute(text("SELECT v FROM t"))).scalars().all() == [3]
    finally:
        await engine.dispose()


async def test_reads_do_not_take_the_gate(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    reads = ReadSessions(engine)
    sessions = make_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with sessions() as writer:
            await writer.begin()  # holds the gate and SQLite's write lock
            async with reads() as session:
                seen = await asyncio.wait_for(session.execute(text("SELECT v FROM t")), 5)
                assert seen.scalars().all() == [1]
            await writer.rollback()
    finally:
        reads.dispose()
        await engine.dispose()


async def test_a_writer_cancelled_as_the_gate_is_handed_to_it_stops(tmp_path):
    """The stop of a worker must not be lost when it comes in the same turn as the gate (seen on Python 3.11
    with asyncio.wait_for: the waiter got the lock, the cancellation was dropped, the relay never stopped)."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    sessions = make_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
        holder = sessions()
        await holder.begin()
        await holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the gate
        reached = asyncio.Event()

        async def waiter() -> None:
            async with sessions() as session:
                reached.set()
                await session.execute(text("INSERT INTO t VALUES (2)"))  # waits for the gate
                await session.commit()

        task = asyncio.create_task(waiter())
        await reached.wait()
        await asyncio.sleep(0)  # the waiter is now queued on the gate
        await holder.commit()  # hands the gate over (no await suspends in between on SQLite) …
        task.cancel()  # … and the stop comes in the same turn
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), 5)
        await holder.close()
        async with sessions() as session:  # the gate went on to the next writer
            await asyncio.wait_for(session.execute(text("INSERT INTO t VALUES (3)")), 5)
            await session.commit()
            assert (await session.execute(text("SELECT v FROM t ORDER BY v"))).scalars().all() == [1, 3]
    finally:
        await engine.dispose()
