"""fc_shared.kafka against the real local broker."""
import asyncio

from aiokafka.admin import AIOKafkaAdminClient

from fc_shared.events import TOPIC_REGISTRY
from fc_shared.kafka import ensure_topics, leave_group, make_consumer
from fc_devtools.testing import TEST_KAFKA_SESSION_TIMEOUT_MS


async def _members(bootstrap: str, group: str) -> list:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_consumer_groups([group])
        [entry] = described.groups
        return list(entry[-1])  # the group's members
    finally:
        await admin.close()


async def test_a_consumer_stopped_in_its_first_generation_leaves_its_group(broker):
    """The local broker counts generations from 0, where aiokafka leaves a group only above 0: without
    ``leave_group`` the stopped member stays until its session expires, and the next start waits for it."""
    await ensure_topics(broker.bootstrap, 3, 1)
    group = "fc-leave-test"
    consumer = make_consumer(broker.bootstrap, group, TEST_KAFKA_SESSION_TIMEOUT_MS)
    await consumer.start()
    try:
        consumer.subscribe([TOPIC_REGISTRY])
        async with asyncio.timeout(60):
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=50)
        assert consumer._coordinator.generation == 0  # the case aiokafka does not cover
        assert len(await _members(broker.bootstrap, group)) == 1
        await leave_group(consumer)
    finally:
        await consumer.stop()
    assert await _members(broker.bootstrap, group) == []


async def test_the_fetch_wait_setting_reaches_each_consumer_the_service_starts(broker, monkeypatch, tmp_path):
    """FC_KAFKA_FETCH_MAX_WAIT_MS: the local broker holds an idle fetch for all of it even when an event arrives,
    so it is the delay an event can meet at each hop; the running consumer must be built with it."""
    from fc_shared.app import Runtime, ServiceSpec
    from fc_shared.db import new_metadata, spine_tables
    from fc_shared.settings import PlatformSettings, ServiceSettings

    monkeypatch.setenv("FC_KAFKA_FETCH_MAX_WAIT_MS", "40")
    platform = PlatformSettings(kafka_bootstrap=broker.bootstrap,
                                kafka_session_timeout_ms=TEST_KAFKA_SESSION_TIMEOUT_MS)
    assert platform.kafka_fetch_max_wait_ms == 40
    settings = ServiceSettings(name="fetchwait", database_url=f"sqlite+aiosqlite:///{tmp_path / 'fetchwait.db'}", platform=platform)
    runtime = Runtime(ServiceSpec(name="fetchwait", settings=settings, spine=spine_tables(new_metadata()),
                                  routers=[], consumes=[TOPIC_REGISTRY], handlers={}))
    await ensure_topics(broker.bootstrap, 3, 1)
    consumer = await runtime.consumer._start()
    try:
        assert consumer._fetch_max_wait_ms == 40
        assert consumer._fetcher._fetch_max_wait_ms == 40  # what each fetch request carries
    finally:
        await consumer.stop()
        await runtime.engine.dispose()
