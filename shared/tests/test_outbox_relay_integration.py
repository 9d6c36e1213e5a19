"""The outbox relay on SQLite and PostgreSQL with the real broker: a backlog of several batches goes out in
order with the next batch read while the previous one's acks are awaited and its rows marked; a batch whose
acks fail is not marked sent, nor is the batch handed over behind it, and both go out on the next try."""
import asyncio
import json
import uuid

from aiokafka.errors import KafkaConnectionError
from sqlalchemy import event, func, select, text

from fc_devtools.testing import async_wait_until, platform_settings, read_from_start
from fc_shared.app import Runtime, ServiceSpec
from fc_shared.events import TOPIC_REGISTRY
from fc_shared.kafka import make_producer
from fc_shared.outbox import BATCH
from fc_shared.settings import ServiceSettings


async def relay_runtime(db_url, broker, kit) -> Runtime:
    await kit.create_schema(db_url)
    settings = ServiceSettings(name=f"relaytest{uuid.uuid4().hex[:8]}", database_url=db_url,
                               platform=platform_settings(broker.bootstrap))
    return Runtime(ServiceSpec(name=settings.name, settings=settings, spine=kit.spine, routers=[]))


async def write(runtime: Runtime, n: int, tag: str) -> None:
    """n events over seven keys, numbered in the order they are written."""
    for start in range(0, n, 250):
        async with runtime.uow() as uow:
            for i in range(start, min(n, start + 250)):
                key = f"{tag}-{i % 7}"
                uow.emit("fc.community.created", key, {"community_id": key, "street_code": "S01", "name": str(i)})
            await uow.commit()


async def unsent(runtime: Runtime) -> int:
    ob = runtime.spine.outbox
    async with runtime.sessions() as s:
        return (await s.execute(select(func.count()).select_from(ob).where(ob.c.sent_at.is_(None)))).scalar_one()


async def published(broker, tag: str, n: int) -> dict[str, list[int]]:
    """The numbers on the topic per key, in partition order, once n of this test's events are there."""
    consumer = await read_from_start(broker, TOPIC_REGISTRY)
    per_key: dict[str, list[int]] = {}
    try:
        async with asyncio.timeout(60):
            while sum(map(len, per_key.values())) < n:
                for messages in (await consumer.getmany(timeout_ms=500)).values():
                    for m in messages:
                        if m.key.decode().startswith(f"{tag}-"):
                            per_key.setdefault(m.key.decode(), []).append(int(json.loads(m.value)["data"]["name"]))
    finally:
        await consumer.stop()
    return per_key


async def test_a_backlog_goes_out_in_order_reading_the_next_batch_before_the_last_is_acknowledged(
        db_url, broker, kit):
    runtime = await relay_runtime(db_url, broker, kit)
    tag = uuid.uuid4().hex[:8]
    n = 2 * BATCH + 137
    try:
        await write(runtime, n, tag)
        statements: list[str] = []
        reads = [asyncio.Event(), asyncio.Event()]  # the second and the third batch read

        def seen_statement(_conn, _cursor, statement, *_args):
            verb = statement.lstrip().split(None, 1)[0].upper()
            if verb in ("SELECT", "UPDATE") and " outbox" in statement:
                statements.append(verb)
                if verb == "SELECT" and 2 <= statements.count("SELECT") <= 3:  # on the loop's thread (greenlet)
                    reads[statements.count("SELECT") - 2].set()

        event.listen(runtime.engine.sync_engine, "before_cursor_execute", seen_statement)
        producer = make_producer(broker.bootstrap)
        await producer.start()
        # Each of the first two batches' acks is held back until the batch after it has been read: a relay that
        # waited for them before reading on would never see them (and the timeout would fail the test). Holding
        # the second's too fixes the order of the third read and the second mark, which run side by side.
        runtime.relay._producer = AcksHeldUntil(producer, [(reads[0], BATCH), (reads[1], BATCH)])
        try:
            async with asyncio.timeout(60):
                assert await runtime.relay.publish() == (n, False)
        finally:
            runtime.relay._producer = None
            await producer.stop()
            event.remove(runtime.engine.sync_engine, "before_cursor_execute", seen_statement)
        # Three batches: each one's rows are read while the one before is still awaiting its acks.
        assert statements == ["SELECT", "SELECT", "UPDATE", "SELECT", "UPDATE", "UPDATE"]
        assert await unsent(runtime) == 0
        per_key = await published(broker, tag, n)
        assert sum(map(len, per_key.values())) == n
        for key, numbers in per_key.items():
            assert numbers == sorted(numbers), f"{key} out of order"
        assert sorted(i for numbers in per_key.values() for i in numbers) == list(range(n))
    finally:
        await runtime.stop()


class AcksHeldUntil:
    """The real producer, except that acks are held in stages: for each ``(released, count)`` in turn, the next
    ``count`` messages' acks resolve only once ``released`` is set."""

    def __init__(self, producer, stages: list[tuple[asyncio.Event, int]]) -> None:
        self.producer = producer
        self.stages = [[released, count] for released, count in stages if count > 0]

    async def send(self, topic, value, key=None):
        ack = await self.producer.send(topic, value, key=key)
        if not self.stages:
            return ack
        released = self.stages[0][0]
        self.stages[0][1] -= 1
        if self.stages[0][1] == 0:
            self.stages.pop(0)

        async def later():
            await released.wait()
            return await ack
        return asyncio.ensure_future(later())


class AcksFailAtFirst:
    """The real producer, except that the first ``failing`` messages are refused as by a broker going away."""

    def __init__(self, producer, failing: int) -> None:
        self.producer = producer
        self.failing = failing

    async def send(self, topic, value, key=None):
        if self.failing > 0:
            self.failing -= 1
            refused = asyncio.get_running_loop().create_future()
            refused.set_exception(KafkaConnectionError("the broker went away"))
            return refused
        return await self.producer.send(topic, value, key=key)


async def test_a_batch_is_marked_sent_while_the_next_one_is_read(db_url, broker, kit):
    """Marking one batch does not wait for the next batch's claim: each claim is held here until the batch ahead
    is marked sent, which a relay that marked only after reading on would never do (the wait's deadline would
    fail the test)."""
    runtime = await relay_runtime(db_url, broker, kit)
    tag = uuid.uuid4().hex[:8]
    n = 2 * BATCH + 10
    relay = runtime.relay
    real_claim = relay._claim_and_send
    held = []

    async def ahead_marked() -> bool:
        return await unsent(runtime) <= n - len(held) * BATCH

    async def claim_once_the_batch_ahead_is_marked(producer, previous):
        if previous is not None:
            held.append(previous.rows[-1].seq)
            await async_wait_until(ahead_marked, 20, 0.01, message="the batch ahead marked sent")
        return await real_claim(producer, previous)

    try:
        await write(runtime, n, tag)
        relay._claim_and_send = claim_once_the_batch_ahead_is_marked
        assert await relay.publish() == (n, False)
        assert len(held) == 2 and await unsent(runtime) == 0
        per_key = await published(broker, tag, n)
        assert sorted(i for numbers in per_key.values() for i in numbers) == list(range(n))
        for key, numbers in per_key.items():
            assert numbers == sorted(numbers), f"{key} out of order"
    finally:
        relay._claim_and_send = real_claim
        await runtime.stop()


async def test_a_batch_whose_acks_fail_stays_unsent_with_the_batch_behind_it(db_url, broker, kit):
    runtime = await relay_runtime(db_url, broker, kit)
    tag = uuid.uuid4().hex[:8]
    n = BATCH + 50
    producer = make_producer(broker.bootstrap)
    await producer.start()
    try:
        await write(runtime, n, tag)
        runtime.relay._producer = AcksFailAtFirst(producer, failing=3)
        try:
            await runtime.relay.publish()
            raise AssertionError("publish() returned although acks failed")
        except KafkaConnectionError:
            pass
        # The second batch was handed to the broker, but its rows are not marked before the first batch's are.
        assert await unsent(runtime) == n
        if runtime.relay.is_postgres:  # and no lock is left behind on any row
            async with runtime.sessions() as s, s.begin():
                locked = (await s.execute(text("SELECT count(*) FROM (SELECT seq FROM outbox WHERE sent_at IS NULL "
                                               "FOR UPDATE NOWAIT) AS rows"))).scalar_one()
            assert locked == n
        runtime.relay._producer = producer
        assert await runtime.relay.publish() == (n, False)
        assert await unsent(runtime) == 0
        per_key = await published(broker, tag, 2 * n - 3)  # all but the 3 refused the first time, then all again
        assert sorted(set(i for numbers in per_key.values() for i in numbers)) == list(range(n))
    finally:
        runtime.relay._producer = None
        await producer.stop()
        await runtime.stop()


async def test_a_stop_while_an_unwanted_claim_finishes_stops_the_relay(db_url, broker, kit):
    """The batch ahead failed and the relay waits for the next claim to finish so it can give it up: a stop
    arriving then ends publish() with the cancellation, not with the batch's error (which would keep the relay
    looping), and every row stays unsent and unlocked."""
    runtime = await relay_runtime(db_url, broker, kit)
    relay = runtime.relay
    real_claim, real_settle = relay._claim_and_send, relay._settle
    claim_held, settle_failed = asyncio.Event(), asyncio.Event()
    n = BATCH + 50

    async def held_claim(producer, previous):
        if previous is not None:
            claim_held.set()
            await asyncio.Event().wait()  # until cancelled
        return await real_claim(producer, previous)

    async def settle(batch):
        try:
            await real_settle(batch)
        except Exception:
            settle_failed.set()
            raise

    producer = make_producer(broker.bootstrap)
    await producer.start()
    try:
        await write(runtime, n, uuid.uuid4().hex[:8])
        relay._producer = AcksFailAtFirst(producer, failing=3)
        relay._claim_and_send, relay._settle = held_claim, settle
        task = asyncio.ensure_future(relay.publish())
        async with asyncio.timeout(20):
            await claim_held.wait()
            await settle_failed.wait()
        task.cancel()
        async with asyncio.timeout(20):
            outcome = (await asyncio.gather(task, return_exceptions=True))[0]
        assert isinstance(outcome, asyncio.CancelledError), repr(outcome)
        assert await unsent(runtime) == n
        if relay.is_postgres:
            async with runtime.sessions() as s, s.begin():
                locked = (await s.execute(text("SELECT count(*) FROM (SELECT seq FROM outbox WHERE sent_at IS NULL "
                                               "FOR UPDATE NOWAIT) AS rows"))).scalar_one()
            assert locked == n
    finally:
        relay._claim_and_send, relay._settle = real_claim, real_settle
        relay._producer = None
        await producer.stop()
        await runtime.stop()


async def test_the_claim_reads_the_unsent_rows_through_their_partial_index(db_url, broker, kit):
    """Sent rows are kept for republication; the claim must neither walk them (PostgreSQL went through the
    primary key past every sent row: 86 ms a claim with 200,000 kept, 0.4 ms by the index) nor sort the backlog."""
    runtime = await relay_runtime(db_url, broker, kit)
    ob = runtime.spine.outbox
    try:
        await write(runtime, 3000, uuid.uuid4().hex[:8])
        async with runtime.sessions() as s, s.begin():
            await s.execute(ob.update().where(ob.c.seq <= 1000).values(sent_at=func.now()))
        if runtime.relay.is_postgres:  # as autovacuum would; the services never ANALYZE their SQLite files
            async with runtime.sessions() as s, s.begin():
                await s.execute(text("ANALYZE outbox"))
        for after in (None, 1500):
            claim = runtime.relay.claim_query(after).compile(dialect=runtime.engine.dialect,
                                                             compile_kwargs={"literal_binds": True})
            explain = "EXPLAIN " if runtime.relay.is_postgres else "EXPLAIN QUERY PLAN "
            async with runtime.sessions() as s:
                plan = " ".join(str(row) for row in (await s.execute(text(explain + str(claim)))).all())
            if runtime.relay.is_postgres:
                assert "ix_outbox_unsent" in plan, plan
            else:  # seq is the rowid: an index on sent_at yields the NULLs in seq order, nothing to sort
                assert "USING INDEX" in plan and "TEMP B-TREE" not in plan and "SCAN outbox" not in plan, plan
    finally:
        await runtime.stop()
