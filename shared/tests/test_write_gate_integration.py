"""fc_shared.db.WriteGate: a process's SQLite write transactions queue on an asyncio lock, not in SQLite's
busy handler (which sleeps up to 100 ms a try instead of being woken when the lock is free)."""
import asyncio

import pytest
from sqlalchemy import event, text

from fc_shared.db import ReadSessions, WriteGate, make_engine, make_sessionmaker


def _no_busy_wait(engine) -> None:
    """busy_timeout 0: a BEGIN IMMEDIATE that met a held write lock would fail at once ("database is locked")."""
    @event.listens_for(engine.sync_engine, "connect")
    def _zero(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=0")
        cur.close()


@pytest.fixture
async def db(tmp_path):
    """A file database with one table ``t (v, step)``, its engine and sessions; SQLite's busy wait switched off."""
    path = str(tmp_path / "gate.db")
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    _no_busy_wait(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER, step INTEGER)"))
    try:
        yield path, engine, make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _until(predicate, seconds: float = 5.0) -> None:
    """Poll the loop until predicate() holds, failing after ``seconds``."""
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.001)


async def test_concurrent_write_transactions_queue_in_the_process_and_all_commit(db):
    _path, _engine, sessions = db
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
        rows = (await session.execute(text("SELECT v, count(*) FROM t GROUP BY v"))).all()
    assert sorted(rows) == [(n, 3) for n in range(0, 12, 2)]  # the committed ones, whole


async def test_a_transaction_ended_by_closing_its_session_gives_the_gate_back(db):
    _path, _engine, sessions = db
    async with sessions() as session:  # neither commit nor rollback: close() ends it
        await session.begin()
        await session.execute(text("INSERT INTO t (v) VALUES (1)"))
    with pytest.raises(RuntimeError):
        async with sessions() as session:
            await session.begin()
            await session.execute(text("INSERT INTO t (v) VALUES (2)"))
            raise RuntimeError("a failing use case")
    async with sessions() as session:
        await asyncio.wait_for(session.begin(), 5)  # not stuck behind a gate nobody holds
        await session.execute(text("INSERT INTO t (v) VALUES (3)"))
        await session.commit()
    async with sessions() as session:
        assert (await session.execute(text("SELECT v FROM t"))).scalars().all() == [3]


async def test_reads_do_not_take_the_gate(db):
    _path, engine, sessions = db
    reads = ReadSessions(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES (1)"))
        async with sessions() as writer:
            await writer.begin()  # holds the gate and SQLite's write lock
            async with reads() as session:
                seen = await asyncio.wait_for(session.execute(text("SELECT v FROM t")), 5)
                assert seen.scalars().all() == [1]
            await writer.rollback()
    finally:
        reads.dispose()


async def test_a_writer_cancelled_as_the_gate_is_handed_to_it_stops(db):
    """The stop of a worker must not be lost when it comes in the same turn as the gate (seen on Python 3.11
    with asyncio.wait_for: the waiter got the lock, the cancellation was dropped, the relay never stopped)."""
    path, _engine, sessions = db
    holder = sessions()
    await holder.begin()
    await holder.execute(text("INSERT INTO t (v) VALUES (1)"))  # holds the gate

    async def waiter() -> None:
        async with sessions() as session:
            await session.execute(text("INSERT INTO t (v) VALUES (2)"))  # waits for the gate
            await session.commit()

    task = asyncio.create_task(waiter())
    await _until(lambda: WriteGate.queued(path) == 1)  # the waiter is queued on the gate
    await holder.commit()  # hands the gate over (no await suspends in between on SQLite) …
    task.cancel()  # … and the stop comes in the same turn
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(task), 5)
    await holder.close()
    async with sessions() as session:  # the gate went on to the next writer
        await asyncio.wait_for(session.execute(text("INSERT INTO t (v) VALUES (3)")), 5)
        await session.commit()
        assert (await session.execute(text("SELECT v FROM t ORDER BY v"))).scalars().all() == [1, 3]


def test_the_gates_of_a_loop_go_with_the_loop(tmp_path):
    """A service runs one loop; tests run one each, and the gates must not keep the ended ones alive."""
    import gc
    import weakref

    path = str(tmp_path / "gate.db")

    async def write() -> weakref.ref:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            writers = make_sessionmaker(engine)

            async def one(v: int) -> None:
                async with writers() as session:
                    await session.execute(text("CREATE TABLE IF NOT EXISTS u (v INTEGER)"))
                    await session.execute(text("INSERT INTO u VALUES (:v)"), {"v": v})
                    await session.commit()

            await asyncio.gather(one(1), one(2))  # contended: the lock is bound to this loop
        finally:
            await engine.dispose()
        return weakref.ref(asyncio.get_running_loop())

    loop = asyncio.new_event_loop()
    ref = loop.run_until_complete(write())
    loop.close()
    del loop
    gc.collect()
    assert ref() is None
