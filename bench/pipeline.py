"""Outbox relay and inbox consumer throughput on PostgreSQL with the real broker.

    .venv/bin/python bench/pipeline.py --events 5000

Writes N events through units of work (100 per transaction), times the relay publishing
them (acks=all), then times one consumer handling them (handler + inbox row per event,
one transaction each, offsets committed after each). Prints events per second.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Column, String, Table, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fc_shared.app import Runtime, ServiceSpec  # noqa: E402
from fc_shared.db import new_metadata, spine_tables  # noqa: E402
from fc_shared.settings import ServiceSettings  # noqa: E402
from fc_shared.uow import utcnow  # noqa: E402
from fc_devtools.testing import Broker, create_pg_database, drop_pg_database, platform_settings  # noqa: E402

metadata = new_metadata()
spine = spine_tables(metadata)
seen = Table("seen", metadata, Column("event_id", String(64), primary_key=True))


async def handler(uow, event):
    await uow.session.execute(insert(seen).values(event_id=event.id))


async def count(runtime, stmt) -> int:
    async with runtime.sessions() as s:
        return (await s.execute(stmt)).scalar_one()


async def poll_until(predicate, what: str, timeout_s: float = 600.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not await predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} did not finish within {timeout_s} s")
        await asyncio.sleep(0.05)


async def _none_unsent(runtime, ob) -> bool:
    return await count(runtime, select(func.count()).select_from(ob).where(ob.c.sent_at.is_(None))) == 0


async def _all_seen(runtime, n: int) -> bool:
    return await count(runtime, select(func.count()).select_from(seen)) >= n


async def main(n: int, url: str, broker: Broker) -> None:
    if True:
        name = f"bench{uuid.uuid4().hex[:6]}"
        settings = ServiceSettings(name=name, database_url=url, platform=platform_settings(broker.bootstrap))
        # One topic of the catalogue, consumed by this process only (its own consumer group).
        spec = ServiceSpec(name=name, settings=settings, spine=spine, routers=[],
                           consumes=["fc.notify.v1"], handlers={"fc.webhook.endpoint_disabled": handler})
        runtime = Runtime(spec)
        async with runtime.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await runtime.epoch.check(force=True)

        since = utcnow()
        start = time.perf_counter()
        for batch in range(0, n, 100):
            async with runtime.uow() as uow:
                for i in range(batch, min(n, batch + 100)):
                    uow.emit("fc.webhook.endpoint_disabled", f"sub-{i % 50}", {
                        "subscription_id": str(i), "url": "https://example.invalid/hook", "reason": "bench",
                        "failing_since": since})
                await uow.commit()
        write_s = time.perf_counter() - start

        relay = asyncio.create_task(runtime.relay.run())
        start = time.perf_counter()
        ob = spine.outbox
        await poll_until(lambda: _none_unsent(runtime, ob), "the relay")
        relay_s = time.perf_counter() - start

        consumer = asyncio.create_task(runtime.consumer.run())
        start = time.perf_counter()
        await poll_until(lambda: _all_seen(runtime, n), "the consumer")
        consume_s = time.perf_counter() - start
        for task in (relay, consumer):
            task.cancel()
        await asyncio.gather(relay, consumer, return_exceptions=True)
        await runtime.stop()
        print(f"events: {n} (PostgreSQL, Tansu broker on loopback, one process)")
        print(f"write through units of work: {n / write_s:8.0f} events/s ({write_s:.2f} s)")
        print(f"relay outbox -> Kafka:        {n / relay_s:8.0f} events/s ({relay_s:.2f} s, includes consumer group join)")
        print(f"consume + inbox, 1 consumer:  {n / consume_s:8.0f} events/s ({consume_s:.2f} s, includes group join)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    broker = Broker(Path(tempfile.mkdtemp()))
    broker.start()
    database = create_pg_database("fc_bench")
    try:
        asyncio.run(main(parser.parse_args().events, database, broker))
    finally:
        drop_pg_database(database)
        broker.kill()
