"""aiokafka clients configured for the platform (Kafka in production, Tansu locally)."""
from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.protocol.group import LeaveGroupRequest

from .events import TOPICS, dead_letter_topic

log = logging.getLogger(__name__)


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    # The local broker refuses idempotent producers; the outbox and inbox carry the guarantees.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False,
        linger_ms=5, request_timeout_ms=15000, retry_backoff_ms=200,
    )


def make_consumer(bootstrap: str, group_id: str, session_timeout_ms: int = 10000,
                  fetch_max_wait_ms: int = 500) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_records=200, session_timeout_ms=session_timeout_ms,
        fetch_max_wait_ms=fetch_max_wait_ms,
        # a third of the session at most, as Kafka advises: two heartbeats can be late before the member is lost
        heartbeat_interval_ms=min(1000, session_timeout_ms // 3), metadata_max_age_ms=5000,
    )


async def leave_group(consumer: AIOKafkaConsumer) -> None:
    """Leave the consumer's group before ``stop()`` where aiokafka would not.

    aiokafka sends LeaveGroup only for a generation above 0, as Kafka counts generations from 1; the local
    broker (Tansu) counts from 0, so a consumer stopped in its group's first generation stayed a member until
    its session expired, and the service's next start waited for that (18 s instead of 5 at a 10 s session).
    Best effort, like aiokafka's own: a failure only means the member expires."""
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is None or getattr(coordinator, "generation", None) != 0 or not getattr(coordinator, "member_id", ""):
        return
    try:
        async with asyncio.timeout(2):  # a broker that is gone must not hold up the stop
            await coordinator._send_req(LeaveGroupRequest(coordinator.group_id, coordinator.member_id))
    except Exception:  # noqa: BLE001 - the member expires with its session instead
        log.debug("LeaveGroup failed", exc_info=True)


def all_topics() -> list[str]:
    return [t for topic in TOPICS for t in (topic, dead_letter_topic(topic))]


async def list_topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def ensure_topics(bootstrap: str, partitions: int, replication: int) -> list[str]:
    """Create every platform topic that is missing; return the ones created.

    Topics are created explicitly: the broker's auto-creation is not relied on.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in all_topics() if t not in existing]
        created = []
        for name in missing:
            try:
                await admin.create_topics([NewTopic(name, partitions, replication)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("created topics", extra={"topics": created})
        return created
    finally:
        await admin.close()


async def broker_reachable(bootstrap: str, timeout: float = 3.0) -> bool:
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), timeout)
    except (OSError, asyncio.TimeoutError, ValueError):
        return False
    writer.close()
    return True
