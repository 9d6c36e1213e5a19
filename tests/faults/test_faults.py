"""Fault runs: ≥200 projects flow from acceptance result to payment to webhook while
services, the broker, PostgreSQL connections or the webhook receiver fail. Afterwards
every project is paid exactly its entitlement, is in its right state, every subscribed
event reached the receiver, and nothing sits in a dead-letter topic — all read from the
APIs (and the broker), never from logs.
"""
from __future__ import annotations

import asyncio
import os
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from fc_shared.events import TOPICS, dead_letter_topic
from fc_devtools.testing import Receiver, TEST_SECRET, wait_until
from tools.flows import WAN, Driver, expenditure

from supervised import Supervised  # noqa: E402 - sibling module (pythonpath includes tests/faults via conftest)

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.postgres]

PROJECTS = int(os.environ.get("FC_FAULT_PROJECTS", "200"))
AWARD = {"city": 1000 * WAN, "province": 1200 * WAN}
SUBSCRIBED = ["fc.acceptance.passed", "fc.subsidy.approved"]


def entitlement(award: int, spent: int) -> int:
    return min(award, spent) + max(0, award - spent) // 2


@pytest.fixture
def supervised(tmp_path):
    s = Supervised(tmp_path)
    s.start()
    yield s
    s.stop()


def prepare(driver: Driver, n: int) -> list[dict]:
    """n approved, evaluated, district-reviewed projects awaiting their city result (8 at a time)."""
    streets = [driver.street() for _ in range(8)]
    codes = driver.standard_indicators()

    def one(i: int) -> dict:
        street = streets[i % len(streets)]
        community = driver.community(street)
        project = driver.project([community], created_on=date(2025, 1, 1))
        driver.approve(project["id"], street, date(2025, 3, 1))
        driver.evaluate_all_met(project["id"], street, codes)
        spent = (600 + (i * 37) % 700) * WAN  # 600–1299 万元: some under, some over the award
        acceptance = driver.apply_acceptance(project["id"], street, "city", expenditure(spent))
        driver.review_all(acceptance)
        return {"project_id": project["id"], "acceptance": acceptance, "spent": spent, "street": street}

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def post_results(driver: Driver, items: list[dict], on_progress=None) -> None:
    """Results arrive four at a time; ``on_progress(i)`` injects the fault when result i is sent."""
    def one(i: int) -> None:
        if on_progress:
            on_progress(i)
        driver.post_result(items[i]["acceptance"]["id"], "city", date(2025, 12, 1))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(len(items))))


def dead_letters(bootstrap: str) -> int:
    async def count():
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            total = 0
            for topic in TOPICS:
                dlt = dead_letter_topic(topic)
                parts = [TopicPartition(dlt, p) for p in (consumer.partitions_for_topic(dlt) or [])]
                if not parts:
                    continue
                consumer.assign(parts)
                await consumer.seek_to_beginning(*parts)
                for _ in range(4):
                    for msgs in (await consumer.getmany(timeout_ms=300)).values():
                        total += len(msgs)
            return total
        finally:
            await consumer.stop()
    return asyncio.run(count())


def verify(driver: Driver, items: list[dict], receiver: Receiver, path: str, bootstrap: str) -> None:
    def all_paid():
        return all(driver.funding(i["project_id"])["paid_fen"] - driver.funding(i["project_id"])["recovery_due_fen"]
                   == entitlement(AWARD["city"], i["spent"]) for i in items)
    wait_until(all_paid, 300, interval=2, message="every project paid its entitlement")
    for item in items:
        f = driver.funding(item["project_id"])
        expected = entitlement(AWARD["city"], item["spent"])
        assert f["entitlement_fen"] == expected, item
        assert f["paid_fen"] == expected and f["recovery_due_fen"] == 0, (item, f)
        assert driver.project_state(item["project_id"])["state"] == "accepted"
    wanted = {(t, i["project_id"]) for t in SUBSCRIBED for i in items}

    def delivered():
        got = {(json.loads(r["body"])["type"], json.loads(r["body"])["subject"]) for r in receiver.received(path)}
        return wanted <= got
    wait_until(delivered, 300, interval=2, message="every subscribed event delivered")
    assert dead_letters(bootstrap) == 0


def run_with_fault(supervised: Supervised, receiver: Receiver, fault) -> None:
    driver = Driver(supervised.urls, TEST_SECRET)
    path = f"/hook-{int(time.time() * 1000)}"
    driver.subscribe(receiver.url(path), SUBSCRIBED)
    items = prepare(driver, PROJECTS)
    post_results(driver, items, on_progress=lambda i: fault(i, driver))
    verify(driver, items, receiver, path, f"127.0.0.1:{supervised.broker_port}")


def test_kill9_each_service_in_turn_while_results_flow(supervised, receiver):
    order = {PROJECTS * k // 10: svc for k, svc in ((1, "registry"), (3, "funding"), (5, "inspection"), (7, "notify"))}

    def fault(i, driver):
        if i in order:
            svc = order[i]
            old = supervised.kill9(svc)
            supervised.wait_restarted(svc, old)
    run_with_fault(supervised, receiver, fault)
    assert supervised.runner_log().count("child died; restarting") >= 4


def test_broker_killed_mid_stream_comes_back_empty(supervised, receiver):
    def fault(i, driver):
        if i == PROJECTS * 4 // 10:
            old = supervised.kill9("broker")
            supervised.wait_restarted("broker", old)
    run_with_fault(supervised, receiver, fault)


def test_postgres_connections_cut_for_seconds(supervised, receiver):
    import asyncpg

    async def terminate_for(seconds: float):
        conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
        try:
            names = [u.rsplit("/", 1)[1] for u in supervised.db_urls.values()]
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()", names)
                await asyncio.sleep(0.2)  # the cut's own cadence, not a wait for a result
        finally:
            await conn.close()

    cutter: list[threading.Thread] = []

    def fault(i, driver):
        if i == PROJECTS // 4:
            t = threading.Thread(target=lambda: asyncio.run(terminate_for(5)))
            t.start()
            cutter.append(t)
    run_with_fault(supervised, receiver, fault)
    for t in cutter:
        t.join()


def test_webhook_receiver_down_for_the_whole_run_then_up(supervised):
    down = Receiver()  # bound but not serving: connections are refused until it starts
    port = down.port
    down.server.server_close()
    driver = Driver(supervised.urls, TEST_SECRET)
    path = "/hook-down"
    driver.subscribe(f"http://127.0.0.1:{port}{path}", SUBSCRIBED)
    items = prepare(driver, PROJECTS)
    post_results(driver, items)
    up = Receiver(port=port).start()
    try:
        verify(driver, items, up, path, f"127.0.0.1:{supervised.broker_port}")
    finally:
        up.stop()
