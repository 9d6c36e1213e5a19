"""Transactional outbox relay: publishes committed events, keeps them for republication.

Shape after Debezium's outbox router (topic = aggregatetype, key = aggregateid),
polled instead of CDC. On PostgreSQL several relays may run: each claims rows with
``FOR UPDATE SKIP LOCKED``. On SQLite one relay runs per service.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from .db import SpineTables
from .broker_epoch import BrokerEpoch
from .kafka import make_producer
from .metrics import BROKER_UP, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED, OUTBOX_REPUBLISHED, OUTBOX_UNSENT
from .uow import utcnow

log = logging.getLogger(__name__)
BATCH = 500
ROUND = 20  # batches published before the relay looks at the broker epoch and its gauges again
GAUGE_EVERY_S = 1.0  # the unsent-rows gauges are refreshed at most this often (a count over the outbox)


async def republish_since(sessions: async_sessionmaker, spine: SpineTables, since: datetime) -> int:
    """Mark every retained row created at or after ``since`` for publication again."""
    async with sessions() as session, session.begin():
        result = await session.execute(
            update(spine.outbox).where(spine.outbox.c.created_at >= since).values(sent_at=None)
        )
        return result.rowcount or 0


async def outbox_stats(sessions: async_sessionmaker, spine: SpineTables) -> tuple[int, datetime | None]:
    async with sessions() as session:
        row = (await session.execute(
            select(func.count(), func.min(spine.outbox.c.created_at)).where(spine.outbox.c.sent_at.is_(None))
        )).one()
        return int(row[0]), row[1]


class _Batch:
    """Rows handed to the producer and not yet marked sent; on PostgreSQL, the transaction holding their locks."""

    def __init__(self, rows, session) -> None:
        self.rows = rows
        self.session = session
        self.acks: list[asyncio.Future] = []

    async def abandon(self) -> None:
        """Give the rows up unmarked (they are published again later): collect the acks, release the locks
        (the session is closed even when the wait for the acks is cancelled)."""
        try:
            if self.acks:
                acks, self.acks = self.acks, []
                await asyncio.gather(*acks, return_exceptions=True)
        finally:
            if self.session is not None:
                session, self.session = self.session, None
                await session.close()


async def _abandon_all(batches) -> None:
    """Abandon every batch, each one even if giving up another is interrupted."""
    batches = list(batches)
    if not batches:
        return
    try:
        await batches[0].abandon()
    finally:
        await _abandon_all(batches[1:])


async def _reap(claim: asyncio.Future | None) -> None:
    """A claim no longer wanted (the batch ahead failed, or the relay is stopping): let it finish and give its
    batch up, so no rows stay locked by a transaction nobody will finish. A claim that failed or was cancelled
    has released what it held itself."""
    if claim is None:
        return
    try:
        batch = await claim
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # the relay is being stopped while it waited: the stop wins over the error being handled
        return  # the claim alone was cancelled: it released what it held
    except Exception:  # noqa: BLE001 - the claim's own failure: it cleaned up after itself
        return
    if batch is not None:
        await batch.abandon()


class OutboxRelay:
    def __init__(self, service: str, sessions: async_sessionmaker, spine: SpineTables, *,
                 bootstrap: str, is_postgres: bool, retention: timedelta, signal: asyncio.Event,
                 epoch: BrokerEpoch) -> None:
        self.service = service
        self.sessions = sessions
        self.spine = spine
        self.bootstrap = bootstrap
        self.is_postgres = is_postgres
        self.retention = retention
        self.signal = signal
        self.epoch = epoch
        self._producer = None

    async def _ensure_producer(self):
        if self._producer is None:
            producer = make_producer(self.bootstrap)
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        if self._producer is not None:
            try:
                await self._producer.stop()
            except Exception:  # noqa: BLE001 - closing a broken client; nothing left to do with it
                log.debug("producer stop failed", exc_info=True)
            self._producer = None

    async def publish(self) -> tuple[int, bool]:
        """Publish unsent rows in order, BATCH at a time, for at most ROUND batches.

        One batch's acknowledgements stay in flight, and its rows are marked, while the next batch is read and
        handed to the producer, so the database round trips and the broker's acks overlap instead of
        alternating. A batch is marked sent only once every one of its messages is acknowledged; on any
        failure the unmarked rows stay unsent and are published again (at least once; consumers' inboxes make
        a repeat a no-op).
        Returns how many rows were marked sent and whether more may be waiting (the last batch was full).
        """
        producer = await self._ensure_producer()
        inflight = following = await self._claim_and_send(producer, None)
        sent, batches, full = 0, 1, inflight is not None and len(inflight.rows) == BATCH
        try:
            while inflight is not None:
                following = claim = None
                if full and batches < ROUND:  # a short batch was everything there was
                    # The next batch is read and handed over while this one's acks are awaited and its rows
                    # marked, on another connection: the round trips overlap instead of queueing.
                    claim = asyncio.ensure_future(self._claim_and_send(producer, inflight))
                    batches += 1
                try:
                    await self._settle(inflight)
                    sent += len(inflight.rows)
                    OUTBOX_PUBLISHED.labels(self.service).inc(len(inflight.rows))
                    if claim is not None:
                        following = await claim
                        full = following is not None and len(following.rows) == BATCH
                except BaseException:
                    await _reap(claim)  # the settling or the claim failed: the claim's batch is given up
                    raise
                inflight = following
            return sent, full
        finally:
            await _abandon_all({id(b): b for b in (inflight, following) if b is not None}.values())

    def claim_query(self, after: int | None = None):
        """The next BATCH unsent rows in seq order. On PostgreSQL read through the partial index
        ``ix_outbox_unsent`` (not past the sent rows kept for republication) and locked, skipping rows another
        transaction holds; on SQLite read past ``after``, the last row of the batch still awaiting its acks."""
        ob = self.spine.outbox
        query = (select(ob.c.seq, ob.c.topic, ob.c.key, ob.c.payload).where(ob.c.sent_at.is_(None))
                 .order_by(ob.c.seq).limit(BATCH))
        if self.is_postgres:
            return query.with_for_update(skip_locked=True)
        return query if after is None else query.where(ob.c.seq > after)

    async def _claim_and_send(self, producer, previous: _Batch | None) -> _Batch | None:
        """Read the next unsent rows (on PostgreSQL: lock them, skipping rows another transaction holds,
        which includes the previous batch's) and hand them to the producer; None when there are none."""
        query = self.claim_query(previous.rows[-1].seq if previous is not None else None)
        if self.is_postgres:
            session = self.sessions()
            try:
                await session.begin()
                rows = (await session.execute(query)).all()
            except BaseException:
                await session.close()
                raise
            if not rows:
                await session.close()
                return None
        else:
            # No transaction is held while publishing: SQLite has one writer lock and a REST write must never
            # wait on the broker. The previous batch is not marked yet, so the query reads past it.
            async with self.sessions() as read:
                rows = (await read.execute(query)).all()
                await read.rollback()
            if not rows:
                return None
            session = None
        batch = _Batch(rows, session)
        try:
            for r in rows:  # each future kept as it comes, so a send failing part-way leaves none uncollected
                batch.acks.append(await producer.send(r.topic, r.payload.encode(), key=r.key.encode()))
        except BaseException:
            await batch.abandon()
            raise
        return batch

    async def _settle(self, batch: _Batch) -> None:
        """Wait for every ack of the batch, then mark its rows sent (on PostgreSQL in the claiming transaction)."""
        await asyncio.gather(*batch.acks)
        ob = self.spine.outbox
        mark = update(ob).where(ob.c.seq.in_([r.seq for r in batch.rows])).values(sent_at=utcnow())
        if batch.session is not None:
            session, batch.session = batch.session, None
            try:
                await session.execute(mark)
                await session.commit()
            finally:
                await session.close()
        else:
            async with self.sessions() as session, session.begin():
                await session.execute(mark)
        batch.acks = []

    async def purge_expired(self) -> int:
        cutoff = utcnow() - self.retention
        async with self.sessions() as session, session.begin():
            ob = self.spine.outbox
            result = await session.execute(delete(ob).where(ob.c.sent_at.is_not(None), ob.c.sent_at < cutoff))
            return result.rowcount or 0

    async def update_gauges(self) -> None:
        unsent, oldest = await outbox_stats(self.sessions, self.spine)
        OUTBOX_UNSENT.labels(self.service).set(unsent)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        OUTBOX_OLDEST_AGE.labels(self.service).set((utcnow() - oldest).total_seconds() if oldest else 0)

    async def on_new_broker(self) -> None:
        """The broker lost its log (memory storage restarted): publish the retention window again."""
        count = await republish_since(self.sessions, self.spine, utcnow() - self.retention)
        OUTBOX_REPUBLISHED.labels(self.service).inc(count)
        log.warning("broker epoch changed; republishing outbox", extra={"rows": count})

    async def run(self) -> None:
        backoff = 0.5
        last_housekeeping = last_gauges = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                if await self.epoch.check():
                    await self.on_new_broker()
                sent, more = await self.publish()
                BROKER_UP.labels(self.service).set(1)
                backoff = 0.5
                if loop.time() - last_housekeeping > 30:
                    last_housekeeping = loop.time()
                    await self.purge_expired()
                if loop.time() - last_gauges >= GAUGE_EVERY_S or not more:
                    # Not after every round of a backlog: counting what is left would cost as much as sending it.
                    last_gauges = loop.time()
                    await self.update_gauges()
                if not more:
                    self.signal.clear()
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
                    # arrives as the signal is set, and the stopping relay would then run on forever.
                    try:
                        async with asyncio.timeout(0.5):
                            await self.signal.wait()
                    except TimeoutError:
                        pass
            except asyncio.CancelledError:
                await self._drop_producer()
                raise
            except Exception as exc:  # noqa: BLE001 - broker or database down: keep rows, retry
                BROKER_UP.labels(self.service).set(0)
                log.warning("outbox relay failed; will retry", extra={"error": repr(exc), "retry_in_s": backoff})
                await self._drop_producer()
                try:
                    await self.update_gauges()
                except Exception:  # noqa: BLE001 - database may be the thing that is down
                    pass
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
