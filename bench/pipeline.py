"""Outbox relay and inbox consumer throughput with the real broker, each beside a bare aiokafka reference.

    .venv/bin/python bench/pipeline.py [--events 5000] [--database postgresql|sqlite|both] [--kept 0]

Writes N events through units of work (100 per transaction), then times:
- the outbox relay publishing them (acks=all), beside a bare ``AIOKafkaProducer`` with the same settings
  (acks=all, linger 5 ms) sending the same payloads and keys, in the same run;
- one consumer handling them (the handler's row + the inbox row per event, a transaction per fetched
  batch, offsets committed after it), beside a bare aiokafka consume + commit loop reading the same
  messages, in the same run. Both clocks start at the first message received (the group join is not
  the figure).
``--kept N`` first puts N rows the relay sent an hour ago into the outbox, as a week's retention keeps them.
Prints ``figure:`` lines: rates and ratios.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy import Column, String, Table, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fc_shared.app import Runtime, ServiceSpec  # noqa: E402
from fc_shared.db import new_metadata, spine_tables  # noqa: E402
from fc_shared.events import TOPIC_NOTIFY, dead_letter_topic  # noqa: E402
from fc_shared.kafka import make_consumer, make_producer  # noqa: E402
from fc_shared.settings import ServiceSettings  # noqa: E402
from fc_devtools.testing import (Broker, async_wait_until, create_pg_database, drop_pg_database,  # noqa: E402
                                 platform_settings)

metadata = new_metadata()
spine = spine_tables(metadata)
seen = Table("seen", metadata, Column("event_id", String(64), primary_key=True))
REFERENCE_TOPIC = dead_letter_topic(TOPIC_NOTIFY)  # exists, and nothing in the bench consumes it


async def handler(uow, event):
    await uow.session.execute(insert(seen).values(event_id=event.id))


async def count(runtime, stmt) -> int:
    async with runtime.sessions() as s:
        return (await s.execute(stmt)).scalar_one()


async def poll_until(predicate, what: str, interval: float) -> float:
    """Wait (10 minutes at most) until ``predicate()``; the moment it held."""
    await async_wait_until(predicate, 600, interval, message=what)
    return time.perf_counter()


async def reference_publish(bootstrap: str, rows) -> float:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = [await producer.send(REFERENCE_TOPIC, r.payload.encode(), key=r.key.encode()) for r in rows]
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def reference_consume(bootstrap: str, topic: str, n: int) -> float:
    consumer = make_consumer(bootstrap, f"bench-ref-{uuid.uuid4().hex[:8]}")
    await consumer.start()
    consumer.subscribe([topic])
    got, start = 0, None
    try:
        while got < n:
            for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                if start is None:
                    start = time.perf_counter()
                got += len(messages)
                await consumer.commit({tp: messages[-1].offset + 1})
        return time.perf_counter() - start
    finally:
        await consumer.stop()


async def keep_sent_rows(runtime, kept: int) -> None:
    """Rows the relay sent earlier and keeps for republication (FC_OUTBOX_RETENTION_DAYS): the claim must not
    walk them. Written straight into the table, 10,000 a statement, sent an hour ago (inside the retention
    window, so the relay's housekeeping leaves them)."""
    ob = spine.outbox
    sent_at = datetime.now(UTC) - timedelta(hours=1)
    for start in range(0, kept, 10000):
        rows = [{"event_id": str(uuid.uuid4()), "topic": TOPIC_NOTIFY, "key": f"old-{i % 50}",
                 "type": "fc.webhook.endpoint_disabled", "payload": "{}", "created_at": sent_at, "sent_at": sent_at}
                for i in range(start, min(kept, start + 10000))]
        async with runtime.sessions() as s, s.begin():
            await s.execute(insert(ob), rows)
    if kept and runtime.relay.is_postgres:  # as autovacuum would; the services never ANALYZE their SQLite files
        async with runtime.sessions() as s, s.begin():
            await s.execute(text("ANALYZE outbox"))


async def run(n: int, url: str, broker: Broker, label: str, kept: int = 0) -> None:
    name = f"bench{uuid.uuid4().hex[:6]}"
    settings = ServiceSettings(name=name, database_url=url, platform=platform_settings(broker.bootstrap))
    # One topic of the catalogue, consumed by this process only (its own consumer group).
    spec = ServiceSpec(name=name, settings=settings, spine=spine, routers=[],
                       consumes=[TOPIC_NOTIFY], handlers={"fc.webhook.endpoint_disabled": handler})
    runtime = Runtime(spec)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await runtime.epoch.check(force=True)
    await keep_sent_rows(runtime, kept)

    start = time.perf_counter()
    for batch in range(0, n, 100):
        async with runtime.uow() as uow:
            for i in range(batch, min(n, batch + 100)):
                uow.emit("fc.webhook.endpoint_disabled", f"sub-{i % 50}", {
                    "subscription_id": f"sub-{i % 50}", "url": "https://hooks.example.invalid/fc",
                    "reason": "the endpoint answered 410 Gone", "failing_since": "2026-12-01T00:00:00Z"})
            await uow.commit()
    write_s = time.perf_counter() - start
    ob = spine.outbox
    async with runtime.sessions() as s:
        rows = (await s.execute(select(ob.c.key, ob.c.payload).where(ob.c.sent_at.is_(None)).order_by(ob.c.seq))).all()

    # Progress is read from the services' own counters (in memory, incremented after each commit): a count
    # over the table every few ms would run on the same event loop and slow the relay and consumer it times.
    relay = asyncio.create_task(runtime.relay.run())
    start = time.perf_counter()
    await poll_until(lambda: _counted("fc_outbox_published_total", runtime.name) >= n, "the relay", interval=0.001)
    relay_s = time.perf_counter() - start
    relay.cancel()
    await asyncio.gather(relay, return_exceptions=True)
    if not await _none_unsent(runtime, ob):
        raise SystemExit("the relay's counter ran ahead of its rows")
    reference_s = await reference_publish(broker.bootstrap, rows)

    consumer = asyncio.create_task(runtime.consumer.run())
    first = await poll_until(lambda: _handled(runtime.name) >= 1, "the consumer's first event", interval=0.001)
    done = await poll_until(lambda: _handled(runtime.name) >= n, "the consumer", interval=0.001)
    consume_s = done - first
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    if not await _seen_at_least(runtime, n):
        raise SystemExit("the consumer's counter ran ahead of its rows")
    await runtime.stop()
    ref_consume_s = await reference_consume(broker.bootstrap, TOPIC_NOTIFY, n)

    print(f"events: {n} ({label}, Tansu broker on loopback, one process, {kept} sent rows kept in the outbox); "
          f"written through units of work at {n / write_s:.0f} events/s")
    print(f"figure: relay_publish_{label} {n / relay_s:.0f} events/s")
    print(f"figure: relay_reference_bare_aiokafka_{label} {n / reference_s:.0f} events/s")
    print(f"figure: relay_ratio_{label} {reference_s / relay_s:.2f} of reference")
    print(f"figure: consumer_{label} {n / consume_s:.0f} events/s (handler row + inbox row each, "
          f"batch {settings.platform.consumer_batch_size})")
    print(f"figure: consumer_reference_bare_aiokafka_{label} {n / ref_consume_s:.0f} events/s (consume + commit)")
    print(f"figure: consumer_ratio_{label} {ref_consume_s / consume_s:.2f} of reference")


def _counted(metric: str, service: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric, {"service": service, **labels}) or 0.0


def _handled(service: str) -> float:
    return _counted("fc_events_handled_total", service, type="fc.webhook.endpoint_disabled", outcome="handled")


async def _none_unsent(runtime, ob) -> bool:
    return await count(runtime, select(func.count()).select_from(ob).where(ob.c.sent_at.is_(None))) == 0


async def _seen_at_least(runtime, n: int) -> bool:
    return await count(runtime, select(func.count()).select_from(seen)) >= n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--database", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--kept", type=int, default=0,
                        help="sent rows already in the outbox, kept for republication (a week's events)")
    args = parser.parse_args()
    for db in (("postgresql", "sqlite") if args.database == "both" else (args.database,)):
        work = Path(tempfile.mkdtemp(prefix="fc-bench-pipeline-"))
        broker = Broker(work)  # a fresh, empty broker per database: the consumer reads only this run's events
        broker.start()
        url = create_pg_database("fc_bench") if db == "postgresql" else f"sqlite+aiosqlite:///{work / 'bench.db'}"
        try:
            asyncio.run(run(args.events, url, broker, db, args.kept))
        finally:
            if db == "postgresql":
                drop_pg_database(url)
            broker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
