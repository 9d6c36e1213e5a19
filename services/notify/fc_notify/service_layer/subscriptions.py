"""Webhook subscriptions (推送订阅): create, read, pause/resume, rotate, delete, replay."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow
from fc_shared.webhooks import new_secret

from ..adapters.tables import deliveries, events, subscriptions
from ..domain.delivery import wants

MANAGERS = ("district_office", "integration")
READERS = ("district_office", "integration", "auditor")


def owned_by(principal: Principal):
    """The district office and auditors reach every subscription; an integration only its own."""
    if principal.role in ("district_office", "auditor"):
        return subscriptions.c.id.is_not(None)
    return subscriptions.c.owner == principal.key


def visible_to(principal: Principal):
    """Live subscriptions the caller may reach (a deleted one keeps only its delivery log)."""
    return (subscriptions.c.status != "deleted") & owned_by(principal)


async def create(uow: UnitOfWork, principal: Principal, url: str, event_types: list[str],
                 description: str) -> dict[str, Any]:
    now = utcnow()
    row = {"id": str(uuid.uuid4()), "owner": principal.key, "url": url, "event_types": event_types,
           "description": description, "secret": new_secret(), "status": "active", "created_at": now,
           "updated_at": now}
    await uow.session.execute(insert(subscriptions).values(**row))
    return row


async def get(session, principal: Principal, subscription_id: str, *, for_update: bool = False) -> Row:
    """404 for unknown ids and for other integrations' subscriptions (their existence is private)."""
    query = select(subscriptions).where(subscriptions.c.id == subscription_id, visible_to(principal))
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise Problem(404, "Not Found", f"no subscription {subscription_id}", type_="subscription-not-found")
    return row


async def set_status(uow: UnitOfWork, principal: Principal, subscription_id: str, status: str) -> Row:
    """Pause (deliveries wait), resume (also re-enables a disabled endpoint) or delete."""
    row = await get(uow.session, principal, subscription_id, for_update=True)
    values: dict[str, Any] = {"status": status, "updated_at": utcnow()}
    if status == "active":
        values.update(disabled_reason=None, failing_since=None)
    await uow.session.execute(update(subscriptions).where(subscriptions.c.id == row.id).values(**values))
    if status == "deleted":
        # Nothing will ever send them: say so in the log rather than leave them pending forever.
        await uow.session.execute(
            update(deliveries).where(deliveries.c.subscription_id == row.id, deliveries.c.status == "pending")
            .values(status="failed", last_error="subscription deleted", next_attempt_at=None, updated_at=utcnow()))
        return row
    return await get(uow.session, principal, subscription_id)


async def rotate(uow: UnitOfWork, principal: Principal, subscription_id: str, overlap: timedelta) -> tuple[Row, str]:
    """A new secret signs from now on; the old one keeps signing alongside it for ``overlap``."""
    row = await get(uow.session, principal, subscription_id, for_update=True)
    now = utcnow()
    secret = new_secret()
    await uow.session.execute(update(subscriptions).where(subscriptions.c.id == row.id).values(
        secret=secret, previous_secret=row.secret, previous_secret_until=now + overlap, updated_at=now))
    return await get(uow.session, principal, subscription_id), secret


async def replay(uow: UnitOfWork, principal: Principal, subscription_id: str, since: datetime) -> int:
    """Queue again every event of the subscription's types received since ``since`` (same webhook-ids)."""
    sub = await get(uow.session, principal, subscription_id, for_update=True)
    if sub.status == "disabled":
        raise Problem(409, "Subscription disabled", "resume the subscription before replaying to it",
                      type_="subscription-disabled")
    rows = (await uow.session.execute(
        select(events.c.id, events.c.type).where(events.c.received_at >= since).order_by(events.c.received_at)
    )).all()
    wanted = {r.id: r.type for r in rows if wants(sub.event_types, r.type)}
    if not wanted:
        return 0
    now = utcnow()
    existing = set((await uow.session.execute(
        select(deliveries.c.event_id).where(deliveries.c.subscription_id == sub.id,
                                            deliveries.c.event_id.in_(list(wanted))))).scalars())
    if existing:
        await uow.session.execute(
            update(deliveries).where(deliveries.c.subscription_id == sub.id, deliveries.c.event_id.in_(list(existing)))
            .values(status="pending", attempts=0, next_attempt_at=now, claimed_until=None, updated_at=now))
    new = [{"subscription_id": sub.id, "event_id": eid, "event_type": etype, "status": "pending", "attempts": 0,
            "next_attempt_at": now, "created_at": now, "updated_at": now}
           for eid, etype in wanted.items() if eid not in existing]
    if new:
        await uow.session.execute(insert(deliveries), new)
    return len(wanted)
