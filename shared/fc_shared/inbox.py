"""Idempotent consumer (inbox) and the consumer loop.

After eventuate-tram's duplicate detector: the handler's transaction also inserts
``(consumer, event_id)``; a key conflict means the event was already handled.
Offsets are committed only after that transaction commits. A handler that keeps
failing sends the event to ``<topic>.dlt`` with the error after N attempts — never a
silent ack. An event whose payload does not match its type's contract (``fc_shared.event_models``)
is a permanent fault: it goes to ``<topic>.dlt`` at once, with the validation message, and is not retried.

The events of one fetched batch (one partition, in order) are handled in one transaction,
each with its inbox row. If an event of the batch fails, that transaction is rolled back, the
events before it are handled together again and it alone, with the retries and the dead-lettering
above: a poison event is dead-lettered alone, the others are applied once, in order.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import ConsumerRebalanceListener, TopicPartition
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from .broker_epoch import BrokerEpoch
from .db import insert_ignore_many
from .event_models import InvalidPayload, payload_of
from .events import Event, dead_letter_topic
from .kafka import leave_group, make_consumer, make_producer
from .logs import event_id_var
from .metrics import CONSUMER_LAG, DEAD_LETTERS, EVENTS_HANDLED, HANDLER_ERRORS
from .uow import UnitOfWork, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Event], Awaitable[None]]
# Called with the event type after an event's transaction committed and before its offset is;
# test tooling registers fault injection here (fc_devtools.faults), production registers nothing.
after_handle_hooks: list[Callable[[str], None]] = []


async def handle_once(uow: UnitOfWork, consumer: str, event: Event, handler: Handler) -> bool:
    """Run ``handler`` and record the event in the inbox, atomically. False if already handled."""
    async with uow:
        uow.act_for_event(event)
        try:
            await uow.session.execute(insert(uow.spine.inbox), dict(
                consumer=consumer, event_id=event.id, type=event.type, handled_at=utcnow()))
        except IntegrityError:
            return False
        await handler(uow, event)
        await uow.commit()
        return True


class BatchFailed(Exception):
    """Handling the ``index``-th event of a batch failed; the transaction was rolled back."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(f"event {index} of the batch failed: {error!r}")
        self.index = index
        self.error = error


async def handle_together(uow: UnitOfWork, consumer: str, events: list[Event],
                          handlers: dict[str, Handler]) -> list[str]:
    """Handle ``events`` in order in one transaction, each recorded in the inbox; an event already in the
    inbox is skipped. Returns each event's outcome. If an event's handling fails, nothing is written and
    ``BatchFailed`` says which event it was."""
    outcomes: list[str] = []
    async with uow:
        # the batch's inbox rows in one statement; an event already there (or twice in the batch) is skipped
        fresh = await insert_ignore_many(uow.session, uow.spine.inbox, [
            {"consumer": consumer, "event_id": event.id, "type": event.type, "handled_at": utcnow()}
            for event in events if event.type in handlers], key=["consumer", "event_id"])
        for index, event in enumerate(events):
            handler = handlers.get(event.type)
            if handler is None:
                outcomes.append("ignored")
                continue
            first = (consumer, event.id) in fresh
            fresh.discard((consumer, event.id))  # a second copy in the same batch is a duplicate
            if not first:
                outcomes.append("duplicate")
                continue
            uow.act_for_event(event)  # each event's writes are audited with its own id as the actor
            token = event_id_var.set(event.id)
            try:
                await handler(uow, event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the caller redoes the batch around this event
                raise BatchFailed(index, exc) from exc
            finally:
                event_id_var.reset(token)
            outcomes.append("handled")
        await uow.commit()
    return outcomes


def is_transient(exc: BaseException) -> bool:
    """An outage of the database (or the network to it), not a fault of the event.

    The event is retried until the outage ends instead of counting toward the
    dead-letter limit: a good event must never be dead-lettered because PostgreSQL
    restarted for a minute.
    """
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OSError, ConnectionError, TimeoutError))


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, runner: "EventConsumer") -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked):
        # Offsets are committed after each fetched batch is handled, so nothing is pending here.
        for tp in revoked:
            self.runner.committed.pop(tp, None)
            try:
                CONSUMER_LAG.remove(self.runner.service, tp.topic, str(tp.partition))
            except KeyError:
                pass

    async def on_partitions_assigned(self, assigned):
        if self.runner.rewind and assigned:
            # After a broker restart offsets committed to the new broker may already be past
            # events we never saw; start over and let the inbox drop the repeats.
            await self.runner._consumer.seek_to_beginning(*assigned)
            self.runner.rewind = False
        for tp in assigned:
            # Lag is measured from the group's committed offset, also for a partition this
            # process has not fetched from yet.
            committed = await self.runner._consumer.committed(tp)
            if committed is not None:
                self.runner.committed[tp] = committed
        log.info("partitions assigned", extra={"partitions": [f"{tp.topic}:{tp.partition}" for tp in assigned]})


class EventConsumer:
    def __init__(self, service: str, topics: list[str], handlers: dict[str, Handler],
                 uow_factory: Callable[[], UnitOfWork], *, bootstrap: str, epoch: BrokerEpoch,
                 max_retries: int = 5, retry_backoff_s: float = 0.2, batch_size: int = 100,
                 session_timeout_ms: int = 10000, fetch_max_wait_ms: int = 500) -> None:
        self.service = service
        self.group = f"fc-{service}"
        self.topics = topics
        self.handlers = handlers
        self.uow_factory = uow_factory
        self.bootstrap = bootstrap
        self.epoch = epoch
        self.epoch_changed = epoch.listener()
        self.max_retries = max_retries
        self.retry_backoff_s = retry_backoff_s
        self.batch_size = max(1, batch_size)
        self.session_timeout_ms = session_timeout_ms
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.committed: dict[TopicPartition, int] = {}
        self._consumer = None
        self._dlt_producer = None
        self.rewind = False

    async def handle(self, event: Event) -> str:
        """Handle one event with retries; returns the outcome label."""
        handler = self.handlers.get(event.type)
        if handler is None:
            return "ignored"
        payload_of(event)  # off-contract: InvalidPayload, dead-lettered by process() without a retry
        delay = self.retry_backoff_s
        attempt = 0
        while True:
            try:
                return "handled" if await handle_once(self.uow_factory(), self.service, event, handler) else "duplicate"
            except asyncio.CancelledError:
                raise
            except InvalidPayload:
                HANDLER_ERRORS.labels(self.service, event.type).inc()
                raise  # a handler read the payload through its model: retrying cannot change the payload
            except Exception as exc:  # noqa: BLE001 - counted, retried, then dead-lettered
                HANDLER_ERRORS.labels(self.service, event.type).inc()
                transient = is_transient(exc)
                if not transient:
                    attempt += 1
                log.warning("handler failed", extra={"type": event.type, "attempt": attempt, "transient": transient,
                                                     "error": repr(exc)})
                if attempt >= self.max_retries:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def _dead_letter(self, msg, etype: str, error: str) -> None:
        if self._dlt_producer is None:
            self._dlt_producer = make_producer(self.bootstrap)
            await self._dlt_producer.start()
        headers = [
            ("fc-error", error[:2000].encode()), ("fc-consumer", self.service.encode()),
            ("fc-original-topic", msg.topic.encode()), ("fc-original-partition", str(msg.partition).encode()),
            ("fc-original-offset", str(msg.offset).encode()),
        ]
        await self._dlt_producer.send_and_wait(dead_letter_topic(msg.topic), msg.value, key=msg.key, headers=headers)
        DEAD_LETTERS.labels(self.service, etype).inc()
        log.error("event dead-lettered", extra={"type": etype, "error": error[:500]})

    async def process(self, msg) -> str | None:
        try:
            event = Event.from_json(msg.value)
        except (ValueError, TypeError) as exc:
            await self._dead_letter(msg, "malformed", f"malformed event: {exc}")
            return None
        token = event_id_var.set(event.id)
        try:
            outcome = await self.handle(event)
            EVENTS_HANDLED.labels(self.service, event.type, outcome).inc()
            return event.type
        except asyncio.CancelledError:
            raise
        except InvalidPayload as exc:
            await self._dead_letter(msg, event.type, f"invalid payload: {exc}")
            EVENTS_HANDLED.labels(self.service, event.type, "dead_lettered").inc()
            return event.type
        except Exception as exc:  # noqa: BLE001 - poison after retries
            await self._dead_letter(msg, event.type, repr(exc))
            EVENTS_HANDLED.labels(self.service, event.type, "dead_lettered").inc()
            return event.type
        finally:
            event_id_var.reset(token)

    def _batchable(self, chunk: list) -> list[Event]:
        """The events of the longest prefix of ``chunk`` that decode and, where handled, match their contract
        (what does not goes through ``process`` alone: dead-lettered at once)."""
        events: list[Event] = []
        for msg in chunk:
            try:
                event = Event.from_json(msg.value)
                if event.type in self.handlers:
                    payload_of(event)
            except (ValueError, TypeError, InvalidPayload):
                break
            events.append(event)
        return events

    async def _one(self, msg, types: list[str]) -> None:
        event_type = await self.process(msg)
        types.append(event_type or "")
        for hook in after_handle_hooks:
            hook(event_type or "")

    async def process_batch(self, messages: list) -> list[str]:
        """One partition's fetched messages, in order, handled in transactions of up to ``batch_size`` events.
        When an event of a batch fails, the events before it are handled together again and it is handled
        alone (``process``: retries, then the dead-letter topic), then batching goes on after it. Returns the
        event types seen, in order."""
        types: list[str] = []
        i, limit = 0, self.batch_size
        while i < len(messages):
            events = self._batchable(messages[i:i + limit])
            limit = self.batch_size
            if len(events) < 2:
                await self._one(messages[i], types)
                i += 1
                continue
            try:
                outcomes = await handle_together(self.uow_factory(), self.service, events, self.handlers)
            except asyncio.CancelledError:
                raise
            except BatchFailed as failed:
                log.info("an event of a batch failed; the ones before it go together, it goes alone",
                         extra={"events": len(events), "index": failed.index, "error": repr(failed.error)})
                if failed.index == 0:
                    await self._one(messages[i], types)
                    i += 1
                else:
                    limit = failed.index
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. the commit failed: one at a time, with retries
                log.info("batch failed; handling its first event alone", extra={"error": repr(exc)})
                await self._one(messages[i], types)
                i += 1
                continue
            for event, outcome in zip(events, outcomes):
                EVENTS_HANDLED.labels(self.service, event.type, outcome).inc()
                types.append(event.type)
                for hook in after_handle_hooks:
                    hook(event.type)
            i += len(events)
        return types

    def _update_lag(self, consumer) -> None:
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            # highwater comes from fetch responses (right on the local broker, unlike end_offsets).
            CONSUMER_LAG.labels(self.service, tp.topic, str(tp.partition)).set(max(0, high - self.committed.get(tp, 0)))

    async def _start(self):
        consumer = make_consumer(self.bootstrap, self.group, self.session_timeout_ms, self.fetch_max_wait_ms)
        await consumer.start()
        consumer.subscribe(self.topics, listener=_Rebalance(self))
        return consumer

    async def _stop(self) -> None:
        if self._consumer is not None:
            await leave_group(self._consumer)
        for client in (self._consumer, self._dlt_producer):
            if client is not None:
                try:
                    await client.stop()
                except Exception:  # noqa: BLE001 - closing a broken client
                    log.debug("client stop failed", exc_info=True)
        self._consumer = self._dlt_producer = None

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self.epoch.check()
                self.epoch_changed.clear()
                self._consumer = consumer = await self._start()
                backoff = 0.5
                while True:
                    if self.epoch_changed.is_set():
                        # The broker came back empty: our positions mean nothing now.
                        raise _Restart("broker epoch changed")
                    batches = await consumer.getmany(timeout_ms=500)
                    for tp, messages in batches.items():
                        await self.process_batch(messages)
                        # One offset commit per fetched batch: every message in it is already
                        # committed to the database with its inbox row, so a crash before this
                        # line only redelivers events the inbox will drop.
                        await consumer.commit({tp: messages[-1].offset + 1})
                        self.committed[tp] = messages[-1].offset + 1
                    self._update_lag(consumer)
            except asyncio.CancelledError:
                await self._stop()
                raise
            except _Restart as why:
                log.warning("consumer restarting", extra={"reason": str(why)})
                await self._stop()
                self.committed.clear()
                self.rewind = True
            except Exception as exc:  # noqa: BLE001 - broker or database outage: back off and rejoin
                log.warning("consumer loop failed; rejoining", extra={"error": repr(exc), "retry_in_s": backoff})
                await self._stop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)


class _Restart(Exception):
    pass
