"""Background jobs: the webhook dispatcher and the e-mail sender."""
from __future__ import annotations

import asyncio
import logging
import smtplib
import time
from collections import defaultdict
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import httpx
from sqlalchemy import select, update

from fc_shared.netpolicy import GuardedTransport
from fc_shared.uow import utcnow
from fc_shared.webhooks import headers_for

from ..adapters.metrics import ALERT_EMAILS, WEBHOOK_ATTEMPTS, WEBHOOK_LATENCY
from ..adapters.tables import emails
from ..domain.delivery import AttemptResult, retry_delay
from ..service_layer import deliveries as svc
from ..settings import NotifySettings

log = logging.getLogger(__name__)
USER_AGENT = "fc-notify/0.1 (+standard-webhooks)"


async def _read_capped(response: httpx.Response, cap: int) -> str:
    buf = bytearray()
    async for chunk in response.aiter_raw():
        buf += chunk
        if len(buf) >= cap:
            break
    return bytes(buf[:cap]).decode("utf-8", errors="replace")


async def send_webhook(client: httpx.AsyncClient, claim: svc.Claim, settings: NotifySettings) -> AttemptResult:
    """One signed POST: whole exchange bounded by the timeout, body read up to the excerpt cap, no redirects."""
    headers = {**headers_for(list(claim.secrets), claim.event_id, claim.body), "user-agent": USER_AGENT}
    code: int | None = None
    excerpt, error, retry_after = "", None, None
    started = time.perf_counter()
    try:
        async with asyncio.timeout(settings.delivery_timeout_s):
            async with client.stream("POST", claim.url, content=claim.body, headers=headers) as response:
                code = response.status_code
                retry_after = response.headers.get("retry-after")
                excerpt = await _read_capped(response, settings.response_excerpt_bytes)
    except TimeoutError:
        error = f"no complete answer within {settings.delivery_timeout_s:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    latency_ms = round((time.perf_counter() - started) * 1000)
    return AttemptResult(status_code=code, latency_ms=latency_ms, excerpt=excerpt, error=error,
                         retry_after=retry_after)


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
        limits = httpx.Limits(max_connections=self.settings.max_in_flight, max_keepalive_connections=20)
        # Every connection goes to an address the endpoint guard checked at that moment (SSRF, DNS rebinding).
        transport = GuardedTransport(self.runtime.spec.resources["endpoint_guard"],
                                     httpx.AsyncHTTPTransport(limits=limits, trust_env=False))
        async with httpx.AsyncClient(follow_redirects=False, transport=transport, trust_env=False,
                                     timeout=self.settings.delivery_timeout_s) as client:
            try:
                while True:
                    try:
                        await self.tick(client)
                    except asyncio.CancelledError:
                        raise
                    except Exception:  # noqa: BLE001 - database hiccup: try again next tick
                        log.warning("dispatcher tick failed", exc_info=True)
                    await asyncio.sleep(self.settings.dispatch_interval_s)
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


def _smtp_send(settings: NotifySettings, to: str, subject: str, body: str, alert_id: int) -> None:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    msg["X-FC-Alert-Id"] = str(alert_id)
    msg.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username,
                       settings.smtp_password.get_secret_value() if settings.smtp_password else "")
        smtp.send_message(msg)


async def send_due_emails(runtime, batch: int = 20) -> int:
    """Send queued alert e-mails that are due; failures are logged and retried on the e-mail schedule."""
    settings: NotifySettings = runtime.settings
    now = utcnow()
    lease = timedelta(seconds=settings.smtp_timeout_s * 3 + 5)
    async with runtime.sessions() as session, session.begin():
        due = (await session.execute(
            select(emails).where(emails.c.status == "pending", emails.c.next_attempt_at <= now,
                                 (emails.c.claimed_until.is_(None)) | (emails.c.claimed_until < now))
            .order_by(emails.c.id).limit(batch).with_for_update(skip_locked=True))).all()
        if due:
            await session.execute(update(emails).where(emails.c.id.in_([e.id for e in due]))
                                  .values(claimed_until=now + lease))
    for mail in due:
        error: str | None = None
        try:
            await asyncio.to_thread(_smtp_send, settings, mail.to_address, mail.subject, mail.body, mail.alert_id)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        attempts = mail.attempts + 1
        done = utcnow()
        ALERT_EMAILS.labels("sent" if error is None else "failed").inc()
        values: dict = {"attempts": attempts, "claimed_until": None, "last_error": error}
        if error is None:
            values.update(status="sent", sent_at=done, next_attempt_at=None)
        else:
            delay = retry_delay(settings.email_retry_schedule_s, attempts)
            values.update(status="failed" if delay is None else "pending",
                          next_attempt_at=None if delay is None else done + timedelta(seconds=delay))
            log.warning("alert e-mail failed", extra={"email_id": mail.id, "attempt": attempts, "error": error,
                                                      "gave_up": delay is None})
        async with runtime.sessions() as session, session.begin():
            await session.execute(update(emails).where(emails.c.id == mail.id).values(**values))
    return len(due)


async def email_sender(runtime) -> None:
    """Background job: the e-mail queue, apart from the inbox so a slow mail server never holds alerts."""
    if not runtime.settings.email_enabled:
        return
    while True:
        try:
            await send_due_emails(runtime)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - database hiccup: try again next tick
            log.warning("e-mail tick failed", exc_info=True)
        await asyncio.sleep(runtime.settings.email_interval_s)
