"""Subscriptions and webhook delivery."""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from fc_shared.events import Event
from fc_shared.uow import UnitOfWork, utcnow
from fc_shared.webhooks import headers_for, new_secret

from ..adapters.tables import deliveries, events, subscriptions

log = logging.getLogger(__name__)


async def create_subscription(uow: UnitOfWork, owner: str, url: str, event_types: list[str], description: str) -> dict[str, Any]:
    row = {"id": str(uuid.uuid4()), "owner": owner, "url": url, "event_types": event_types,
           "description": description, "secret": new_secret(), "active": True, "created_at": utcnow()}
    await uow.session.execute(insert(subscriptions).values(**row))
    return row


async def on_event(uow: UnitOfWork, event: Event) -> None:
    """Record the event and queue one delivery per matching active subscription."""
    await uow.session.execute(insert(events).values(
        id=event.id, type=event.type, subject=event.subject, body=event.to_json(), received_at=utcnow()))
    subs = (await uow.session.execute(select(subscriptions).where(subscriptions.c.active.is_(True)))).all()
    now = utcnow()
    rows = [{"subscription_id": s.id, "event_id": event.id, "event_type": event.type, "status": "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for s in subs if not s.event_types or event.type in s.event_types]
    if rows:
        await uow.session.execute(insert(deliveries), rows)


async def attempt(runtime, delivery_id: int, client: httpx.AsyncClient) -> None:
    settings = runtime.settings
    async with runtime.sessions() as session:
        row = (await session.execute(
            select(deliveries, subscriptions.c.url, subscriptions.c.secret, events.c.body)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .join(events, events.c.id == deliveries.c.event_id)
            .where(deliveries.c.id == delivery_id))).first()
    if row is None or row.status != "pending":
        return
    body = row.body.encode()
    started = time.perf_counter()
    try:
        resp = await client.post(row.url, content=body, headers=headers_for([row.secret], row.event_id, body),
                                 timeout=settings.delivery_timeout_s)
        code: int | None = resp.status_code
        ok = 200 <= resp.status_code < 300
    except httpx.HTTPError as exc:
        code, ok = None, False
        log.info("webhook delivery failed", extra={"delivery_id": delivery_id, "error": type(exc).__name__})
    attempts = row.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_status_code": code}
    if ok:
        values.update(status="delivered", next_attempt_at=None)
    elif attempts >= len(settings.retry_schedule_s):
        values.update(status="failed", next_attempt_at=None)
    else:
        values.update(next_attempt_at=utcnow() + timedelta(seconds=settings.retry_schedule_s[attempts]))
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))
    log.debug("delivery attempt", extra={"delivery_id": delivery_id, "ok": ok,
                                         "latency_ms": round((time.perf_counter() - started) * 1000, 1)})


async def dispatcher(runtime) -> None:
    """Background job: attempt every due delivery."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        while True:
            try:
                async with runtime.sessions() as session:
                    due = (await session.execute(
                        select(deliveries.c.id).where(deliveries.c.status == "pending",
                                                      deliveries.c.next_attempt_at <= utcnow())
                        .order_by(deliveries.c.id).limit(100))).scalars().all()
                await asyncio.gather(*(attempt(runtime, d, client) for d in due))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - database hiccup: try again next tick
                log.warning("dispatcher tick failed", exc_info=True)
            await asyncio.sleep(runtime.settings.dispatch_interval_s)
