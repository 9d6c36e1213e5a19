"""Background jobs: the webhook dispatcher and the e-mail sender."""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

import httpx

from fc_shared.periodic import every
from fc_shared.tasks import cancel_and_wait

from ..adapters.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_LATENCY
from ..adapters.webhook_http import send_webhook, webhook_client
from ..domain.delivery import AttemptResult, Outcome
from ..service_layer import deliveries as svc
from ..service_layer.emails import send_due_emails
from ..settings import NotifySettings

log = logging.getLogger(__name__)


class Dispatcher:
    """Claims due deliveries endpoint by endpoint and sends each in its own task.

    A global cap bounds the tasks, a per-endpoint cap keeps one slow or dead endpoint from
    taking them all; the loop never awaits a send, so no endpoint waits on another. The loop runs
    again as soon as a send finishes or new deliveries are committed (``wake``), the interval being
    only the fallback for retries coming due. Finished attempts are recorded by one recorder task,
    a batch per transaction; until then their delivery stays leased, so nothing is sent twice.
    """

    RECORD_BATCH = 256

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.settings: NotifySettings = runtime.settings
        self.in_flight: dict[str, int] = defaultdict(int)
        self.tasks: set[asyncio.Task] = set()
        self.lease = timedelta(seconds=self.settings.delivery_timeout_s + 15)
        self.wake: asyncio.Event = runtime.spec.resources.get("webhooks_due") or asyncio.Event()
        self.finished: asyncio.Queue[tuple[svc.Claim, AttemptResult]] = asyncio.Queue()

    async def run(self) -> None:
        # Every connection goes to an address the endpoint guard checked at that moment (SSRF, DNS rebinding).
        async with webhook_client(self.settings.max_in_flight, self.settings.delivery_timeout_s,
                                  self.runtime.spec.resources["endpoint_guard"]) as client:
            recorder = asyncio.create_task(self.record(), name="webhook attempt recorder")
            try:
                await every(self.settings.dispatch_interval_s, lambda: self.tick(client), name="webhook dispatcher",
                            wake=self.wake)
            finally:
                await cancel_and_wait(set(self.tasks))
                await cancel_and_wait([recorder])
                await self.flush()  # what was sent before the stop is recorded, not sent again

    async def tick(self, client: httpx.AsyncClient) -> int:
        per_endpoint = self.settings.per_endpoint_concurrency
        # Claim for an endpoint once half its slots are free (or it is idle): one claim per several sends.
        refill_at = max(1, per_endpoint // 2)
        free = self.settings.max_in_flight - len(self.tasks)
        started = 0
        if free <= 0:
            return 0
        busy = {s for s, n in self.in_flight.items() if per_endpoint - n < refill_at}
        for subscription_id in await svc.subscriptions_with_due(self.runtime.sessions, busy):
            slots = min(per_endpoint - self.in_flight[subscription_id], free - started)
            if slots <= 0:
                continue
            for claim in await svc.claim(self.runtime.sessions, subscription_id, slots, self.lease):
                self.in_flight[claim.subscription_id] += 1
                task = asyncio.create_task(self.deliver(client, claim), name=f"deliver-{claim.delivery_id}")
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
                started += 1
            if started >= free:
                break
        return started

    async def deliver(self, client: httpx.AsyncClient, claim: svc.Claim) -> None:
        try:
            result = await send_webhook(client, claim, self.settings)
            self.finished.put_nowait((claim, result))
            WEBHOOK_LATENCY.observe(result.latency_ms / 1000)
        except asyncio.CancelledError:
            try:
                await asyncio.wait_for(svc.release(self.runtime.sessions, claim.delivery_id), 2)
            except Exception:  # noqa: BLE001 - the lease expires on its own
                pass
            raise
        finally:
            self.in_flight[claim.subscription_id] -= 1
            if self.in_flight[claim.subscription_id] <= 0:
                del self.in_flight[claim.subscription_id]
            self.wake.set()

    async def record(self) -> None:
        """The recorder: waits for finished attempts and writes them, a batch per transaction."""
        while True:
            batch = [await self.finished.get()]
            while len(batch) < self.RECORD_BATCH and not self.finished.empty():
                batch.append(self.finished.get_nowait())
            await self._record(batch)

    async def flush(self) -> None:
        batch: list[tuple[svc.Claim, AttemptResult]] = []
        while not self.finished.empty():
            batch.append(self.finished.get_nowait())
        if batch:
            await self._record(batch)

    async def _record(self, batch: list[tuple[svc.Claim, AttemptResult]]) -> None:
        try:
            async with self.runtime.uow() as uow:
                outcomes = await svc.record_attempts(uow, batch, self.settings)
                await uow.commit()
        except Exception:  # noqa: BLE001 - one at a time, so one bad row does not hold back the others
            log.warning("recording a batch of webhook attempts failed; recording them one by one",
                        extra={"attempts": len(batch)}, exc_info=True)
            outcomes = []
            for item in batch:
                try:
                    async with self.runtime.uow() as uow:
                        outcomes.append(await svc.record_attempt(uow, *item, self.settings))
                        await uow.commit()
                except Exception:  # noqa: BLE001 - the lease expires and the delivery is tried again
                    log.warning("recording a webhook attempt failed", extra={"delivery_id": item[0].delivery_id},
                                exc_info=True)
        for (claim, result), outcome in zip(batch, outcomes):
            WEBHOOK_ATTEMPTS.labels(outcome.value).inc()
            if outcome is not Outcome.SUCCESS:
                log.info("webhook attempt", extra={"delivery_id": claim.delivery_id, "outcome": outcome.value,
                                                   "status_code": result.status_code,
                                                   "latency_ms": result.latency_ms})


async def dispatch_webhooks(runtime) -> None:
    """Background job: deliver due webhooks (retries included) until stopped."""
    await Dispatcher(runtime).run()


async def email_sender(runtime) -> None:
    """Background job: the e-mail queue, apart from the inbox so a slow mail server never holds alerts."""
    if not runtime.settings.email_enabled:
        return
    await every(runtime.settings.email_interval_s, lambda: send_due_emails(runtime.sessions, runtime.settings),
                name="e-mail sender")
