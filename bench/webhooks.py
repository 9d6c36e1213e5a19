"""Webhook delivery to one endpoint: notify against a bare httpx client, same bodies, same receiver, same run.

    .venv/bin/python bench/webhooks.py [--events 2000] [--database sqlite|postgresql]

Starts the local broker, notify as a real process (its own database) and a receiver process on loopback
that answers every POST with 200. One subscription to ``fc.subsidy.disbursed`` is created and paused; N
such events are published to ``fc.funding.v1`` and notify queues one delivery each (the subscription is
paused, so nothing is sent yet). The subscription is then resumed and the clock runs until the receiver
has all N signed requests and notify has recorded every attempt as delivered (one attempt row each).

The reference posts the same N bodies, signed the same way (Standard Webhooks headers), from one bare
``httpx.AsyncClient`` to the same receiver, with as many requests in flight as notify allows one endpoint
(``NOTIFY_PER_ENDPOINT_CONCURRENCY``). Prints ``figure:`` lines: both rates and their ratio.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fc_shared.events import TOPIC_FUNDING, Event  # noqa: E402
from fc_shared.webhooks import headers_for  # noqa: E402
from fc_devtools.testing import (TEST_SECRET, TEST_TODAY, Broker, ServiceProcess, async_wait_until, auth,  # noqa: E402
                                 create_pg_database, drop_pg_database, free_port, migrate)
from _http import serve_keepalive  # noqa: E402 - bench/ is the script's own folder


# --- the receiver: its own process, a minimal HTTP/1.1 keep-alive server that counts POSTs --------------

async def _serve_receiver(port: int) -> None:
    count = 0

    def respond(request_line: str, headers: dict[str, str], body: bytes) -> bytes:
        nonlocal count
        if request_line.startswith("POST"):
            count += 1
            return b"ok"
        return str(count).encode()

    await serve_keepalive(port, respond)


def start_receiver() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--receiver", str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/count", timeout=1)
            return proc, url
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # poll interval of a loop with a deadline


async def received(client: httpx.AsyncClient, url: str) -> int:
    return int((await client.get(url + "/count")).text)


def disbursed(i: int) -> Event:
    project = str(uuid.uuid4())
    return Event(type="fc.subsidy.disbursed", source="/funding", subject=project, data={
        "project_id": project, "street_code": "S01", "entry_id": i, "kind": "disbursement", "amount_fen": 100_000,
        "rules": ["F1"], "year": 2026, "acceptance_id": str(uuid.uuid4()), "level": "city"})


async def publish(bootstrap: str, events: list[Event]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await asyncio.gather(*[producer.send(TOPIC_FUNDING, e.to_json().encode(), key=e.subject.encode())
                               for e in events])
        await producer.flush()
    finally:
        await producer.stop()


async def count_deliveries(db_url: str, status: str) -> int:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM deliveries WHERE status = :s"), {"s": status})).scalar_one()
    finally:
        await engine.dispose()


async def notify_run(notify_url: str, db_url: str, receiver_url: str, bootstrap: str, n: int) -> tuple[float, dict]:
    office = auth("district_office")
    async with httpx.AsyncClient(timeout=30) as client:
        sub = (await client.post(notify_url + "/api/v1/subscriptions", headers=office, json={
            "url": receiver_url + "/hook", "event_types": ["fc.subsidy.disbursed"]})).raise_for_status().json()
        (await client.post(f"{notify_url}/api/v1/subscriptions/{sub['id']}/pause", headers=office)).raise_for_status()
        published = time.perf_counter()
        await publish(bootstrap, [disbursed(i) for i in range(n)])

        async def queued() -> bool:
            return await count_deliveries(db_url, "pending") >= n
        await async_wait_until(queued, 600, 0.2, message=f"{n} deliveries queued")
        queued_s = time.perf_counter() - published
        before = await received(client, receiver_url)
        start = time.perf_counter()
        (await client.post(f"{notify_url}/api/v1/subscriptions/{sub['id']}/resume", headers=office)).raise_for_status()

        async def all_received() -> bool:
            return await received(client, receiver_url) - before >= n
        await async_wait_until(all_received, 600, 0.01, message=f"{n} webhooks received")
        received_s = time.perf_counter() - start

        async def all_recorded() -> bool:
            return await count_deliveries(db_url, "delivered") >= n
        await async_wait_until(all_recorded, 600, 0.01, message="every attempt recorded")
        recorded_s = time.perf_counter() - start
        return received_s, {"recorded_s": recorded_s, "secret": sub["secret"], "queued_s": queued_s}


async def reference_run(receiver_url: str, secret: str, n: int, concurrency: int) -> float:
    bodies = [(e.id, e.to_json().encode()) for e in (disbursed(i) for i in range(n))]
    queue: asyncio.Queue = asyncio.Queue()
    for item in bodies:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:
        async def worker() -> None:
            while not queue.empty():
                event_id, body = queue.get_nowait()
                headers = headers_for([secret], event_id, body)
                (await client.post(receiver_url + "/hook", content=body, headers=headers)).raise_for_status()
        start = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        asyncio.run(_serve_receiver(args.receiver))
        return 0

    work = Path(tempfile.mkdtemp(prefix="fc-bench-webhooks-"))
    broker = Broker(work)
    broker.start()
    receiver, receiver_url = start_receiver()
    url = create_pg_database("fc_bench_notify") if args.database == "postgresql" else \
        f"sqlite+aiosqlite:///{work / 'notify.db'}"
    env = {"FC_JWT_SECRET": TEST_SECRET, "FC_KAFKA_BOOTSTRAP": broker.bootstrap, "FC_ENV": "development",
           "FC_SAMPLE_DATA": "0", "FC_TODAY": TEST_TODAY.isoformat(), "FC_LOG_LEVEL": "WARNING",
           "NOTIFY_WEBHOOK_RESOLVER": "static", "NOTIFY_DATABASE_URL": url}
    notify = ServiceProcess("notify", "fc_notify.main", env, work)
    try:
        migrate(ROOT / "services" / "notify", url)
        notify.start()
        concurrency = int(os.environ.get("NOTIFY_PER_ENDPOINT_CONCURRENCY") or
                          __import__("fc_notify.settings", fromlist=["NotifySettings"]).NotifySettings.model_fields[
                              "per_endpoint_concurrency"].default)
        received_s, extra = asyncio.run(notify_run(notify.url, url, receiver_url, broker.bootstrap, args.events))
        reference_s = asyncio.run(reference_run(receiver_url, extra["secret"], args.events, concurrency))
    finally:
        notify.stop()
        receiver.terminate()
        broker.kill()
        if url.startswith("postgresql"):
            drop_pg_database(url)
    rate, ref = args.events / received_s, args.events / reference_s
    db = args.database
    print(json.dumps({"events": args.events, "database": db, "per_endpoint_concurrency": concurrency,
                      "notify_received_s": round(received_s, 3), "notify_recorded_s": round(extra["recorded_s"], 3),
                      "reference_s": round(reference_s, 3), "consumed_and_queued_s": round(extra["queued_s"], 3)}))
    print(f"figure: webhook_delivery_{db} {rate:.0f} deliveries/s")
    print(f"figure: webhook_delivery_{db}_recorded {args.events / extra['recorded_s']:.0f} deliveries/s")
    print(f"figure: webhook_delivery_reference_bare_httpx {ref:.0f} requests/s")
    print(f"figure: webhook_delivery_{db}_ratio {rate / ref:.2f} of reference")
    print(f"figure: notify_consume_and_queue_{db} {args.events / extra['queued_s']:.0f} events/s "
          "(published to the broker → consumed, kept, one delivery queued; upper bound of the poll interval 0.2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
