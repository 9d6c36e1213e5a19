"""Detects that the broker came back empty (the local broker keeps its log in memory).

Each broker life carries one marker topic ``fc.epoch.<uuid>``, created by whichever
service notices it is missing (the smallest name wins a race). A change of epoch
tells relays to republish their retention window and consumers to reread from the
beginning; the inboxes drop the repeats.
"""
from __future__ import annotations

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from .kafka import ensure_topics

PREFIX = "fc.epoch."


class BrokerEpoch:
    def __init__(self, bootstrap: str, partitions: int, replication: int, interval_s: float = 3.0) -> None:
        self.bootstrap = bootstrap
        self.partitions = partitions
        self.replication = replication
        self.interval_s = interval_s
        self.current: str | None = None
        self._last_check = 0.0
        self._lock = asyncio.Lock()
        self._listeners: list[asyncio.Event] = []

    def listener(self) -> asyncio.Event:
        flag = asyncio.Event()
        self._listeners.append(flag)
        return flag

    async def read(self) -> str:
        """Ensure topics and the epoch marker exist; return the current epoch id."""
        await ensure_topics(self.bootstrap, self.partitions, self.replication)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
        await admin.start()
        try:
            markers = sorted(t for t in await admin.list_topics() if t.startswith(PREFIX))
            if not markers:
                name = PREFIX + uuid.uuid4().hex
                try:
                    await admin.create_topics([NewTopic(name, 1, self.replication)])
                except TopicAlreadyExistsError:
                    pass
                markers = sorted(t for t in await admin.list_topics() if t.startswith(PREFIX))
            return markers[0][len(PREFIX):]
        finally:
            await admin.close()

    async def check(self, force: bool = False) -> bool:
        """True when the epoch changed since the last check (not on the first one)."""
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if not force and self.current is not None and now - self._last_check < self.interval_s:
                return False
            epoch = await self.read()
            self._last_check = now
            changed = self.current is not None and epoch != self.current
            self.current = epoch
            if changed:
                for flag in self._listeners:
                    flag.set()
            return changed
