"""Background jobs: the webhook dispatcher and the e-mail sender."""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

import httpx

from fc_shared.periodic import every

from ..adapters.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_LATENCY
from ..adapters.webhook_http import send_webhook, webhook_client
from ..service_layer import deliveries as svc
from ..service_layer.emails import send_due_emails
from ..settings import NotifySettings

log = logging.getLogger(__name__)


class Dispatcher:
    """Claims due deliveries endpoint by endpoint and sends each in its own task.

    A global cap bounds the tasks, a per-endpoint cap keeps one slow or dead endpoint from
    taking them all; the loop never awaits a send, so no endpoint waits on another.
    """

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.settings: NotifySettings = runtime.settings
        self.in_flight: dict[str, int] = defaultdict(int)
        self.tasks: set[asyncio.Task] = set()
        self.lease = timedelta(seconds=self.settings.delivery_timeout_s + 15)

    async def run(self) -> None:
        # Every connection goes to an address the endpoint guard checked at that moment (SSRF, DNS rebinding).
        async with webhook_client(self.settings.max_in_flight, self.settings.delivery_timeout_s,
                                  self.runtime.spec.resources["endpoint_guard"]) as client:
            try:
                await every(self.settings.dispatch_interval_s, lambda: self.tick(client), name="webhook dispatcher")
            finally:
                for task in self.tasks:
                    task.cancel()
                await asyncio.gather(*self.tasks, return_exceptions=True)

    async def tick(self, client: httpx.AsyncClient) -> int:
        per_endpoint = self.settings.per_endpoint_concurrency
        free = self.settings.max_in_flight - len(self.tasks)
        started = 0
        if free <= 0:
            return 0
        saturated = {s for s, n in self.in_flight.items() if n >= per_endpoint}
        for subscription_id in await svc.subscriptions_with_due(self.runtime.sessions, saturated):
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
            async with self.runtime.uow() as uow:
                outcome = await svc.record_attempt(uow, claim, result, self.settings)
                await uow.commit()
            WEBHOOK_ATTEMPTS.labels(outcome.value).inc()
            WEBHOOK_LATENCY.observe(result.latency_ms / 1000)
            log.info("webhook attempt", extra={"delivery_id": claim.delivery_id, "outcome": outcome.value,
                                               "status_code": result.status_code, "latency_ms": result.latency_ms})
        except asyncio.CancelledError:
            try:
                await asyncio.wait_for(svc.release(self.runtime.sessions, claim.delivery_id), 2)
            except Exception:  # noqa: BLE001 - the lease expires on its own
                pass
            raise
        except Exception:  # noqa: BLE001 - the lease expires and the delivery is tried again
            log.warning("recording a webhook attempt failed", extra={"delivery_id": claim.delivery_id}, exc_info=True)
        finally:
            self.in_flight[claim.subscription_id] -= 1
            if self.in_flight[claim.subscription_id] <= 0:
                del self.in_flight[claim.subscription_id]


async def dispatch_webhooks(runtime) -> None:
    """Background job: deliver due webhooks (retries included) until stopped."""
    await Dispatcher(runtime).run()


async def email_sender(runtime) -> None:
    """Background job: the e-mail queue, apart from the inbox so a slow mail server never holds alerts."""
    if not runtime.settings.email_enabled:
        return
    await every(runtime.settings.email_interval_s, lambda: send_due_emails(runtime.sessions, runtime.settings),
                name="e-mail sender")
