"""Webhook deliveries: queueing, claiming due ones, recording attempts, manual retry."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Row

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.events import Event
from fc_shared.pagination import PageParams, fetch_page, filtered
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.metrics import ENDPOINTS_DISABLED
from ..adapters.tables import deliveries, delivery_attempts, events, subscriptions
from ..domain.delivery import (AttemptResult, Outcome, classify, first_attempt_delay, parse_retry_after,
                               retry_delay, should_disable, signing_secrets, wants)
from ..settings import NotifySettings
from . import alerts as alert_svc
from .subscriptions import get as get_subscription, owned_by

# Subscriptions that still receive new events; a disabled endpoint gets them again only by replay.
RECEIVING = ("active", "paused")


RECEIVING_MEMO = "notify.receiving_subscriptions"


async def record_event(uow: UnitOfWork, event: Event, settings: NotifySettings,
                       on_queued: Callable[[], None] | None = None) -> int:
    """Keep the event (for replay) and queue one delivery per matching subscription; ``on_queued()`` is called
    once they are committed (it wakes the dispatcher)."""
    now = utcnow()
    await uow.session.execute(insert(events), dict(
        id=event.id, type=event.type, subject=event.subject or "", body=event.to_json(), received_at=now))
    subs = uow.memo.get(RECEIVING_MEMO)
    if subs is None:  # read once per transaction: the events of a consumer's batch share it
        subs = uow.memo[RECEIVING_MEMO] = (await uow.session.execute(
            select(subscriptions.c.id, subscriptions.c.event_types)
            .where(subscriptions.c.status.in_(RECEIVING)))).all()
    due = now + timedelta(seconds=first_attempt_delay(settings.retry_schedule_s))
    rows = [{"subscription_id": s.id, "event_id": event.id, "event_type": event.type, "status": "pending",
             "attempts": 0, "next_attempt_at": due, "created_at": now, "updated_at": now}
            for s in subs if wants(s.event_types, event.type)]
    if rows:
        await uow.session.execute(insert(deliveries), rows)
        if on_queued is not None:
            uow.after_commit(on_queued)
    return len(rows)


@dataclass(frozen=True)
class Claim:
    """A due delivery leased to this dispatcher, with what it needs to send."""

    delivery_id: int
    subscription_id: str
    event_id: str
    url: str
    secrets: tuple[str, ...]
    body: bytes


def _due(now: datetime):
    return ((deliveries.c.status == "pending") & (deliveries.c.next_attempt_at <= now)
            & ((deliveries.c.claimed_until.is_(None)) | (deliveries.c.claimed_until < now)))


async def subscriptions_with_due(sessions, exclude: set[str], limit: int = 500) -> list[str]:
    now = utcnow()
    query = (select(deliveries.c.subscription_id).distinct()
             .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
             .where(_due(now), subscriptions.c.status == "active").limit(limit))
    if exclude:
        query = query.where(deliveries.c.subscription_id.not_in(list(exclude)))
    async with sessions() as session:
        return list((await session.execute(query)).scalars())


async def claim(sessions, subscription_id: str, limit: int, lease: timedelta) -> list[Claim]:
    """Lease up to ``limit`` due deliveries of one endpoint; on PostgreSQL replicas skip rows another holds."""
    now = utcnow()
    async with sessions() as session, session.begin():
        ids = list((await session.execute(
            select(deliveries.c.id).where(deliveries.c.subscription_id == subscription_id, _due(now))
            .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit)
            .with_for_update(skip_locked=True))).scalars())
        if not ids:
            return []
        await session.execute(update(deliveries).where(deliveries.c.id.in_(ids))
                              .values(claimed_until=now + lease))
        rows = (await session.execute(
            select(deliveries.c.id, deliveries.c.event_id, subscriptions.c.url, subscriptions.c.secret,
                   subscriptions.c.previous_secret, subscriptions.c.previous_secret_until, events.c.body)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .join(events, events.c.id == deliveries.c.event_id)
            .where(deliveries.c.id.in_(ids)).order_by(deliveries.c.next_attempt_at, deliveries.c.id))).all()
    return [Claim(delivery_id=r.id, subscription_id=subscription_id, event_id=r.event_id, url=r.url,
                  secrets=tuple(signing_secrets(r.secret, r.previous_secret, r.previous_secret_until, now)),
                  body=r.body.encode()) for r in rows]


async def record_attempt(uow: UnitOfWork, claim_: Claim, result: AttemptResult, settings: NotifySettings,
                         rng: random.Random | None = None) -> Outcome:
    """Log the attempt and decide what follows: delivered, retried later, given up, or endpoint disabled."""
    now = utcnow()
    outcome = classify(result.status_code, result.latency_ms / 1000, settings.delivery_timeout_s)
    await uow.session.execute(insert(delivery_attempts), dict(
        delivery_id=claim_.delivery_id, attempted_at=now, status_code=result.status_code,
        latency_ms=result.latency_ms, outcome=outcome.value, response_excerpt=result.excerpt, error=result.error))
    delivery = (await uow.session.execute(
        select(deliveries).where(deliveries.c.id == claim_.delivery_id).with_for_update())).one()
    sub = (await uow.session.execute(
        select(subscriptions).where(subscriptions.c.id == claim_.subscription_id).with_for_update())).one()
    attempts = delivery.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_status_code": result.status_code,
                              "last_error": result.error, "claimed_until": None, "updated_at": now}
    if outcome is Outcome.SUCCESS:
        values.update(status="delivered", delivered_at=now, next_attempt_at=None)
        if sub.failing_since is not None:
            await uow.session.execute(update(subscriptions).where(subscriptions.c.id == sub.id)
                                      .values(failing_since=None, updated_at=now))
    elif outcome is Outcome.GONE:
        values.update(status="failed", next_attempt_at=None)
        await _disable(uow, sub, "the endpoint answered 410 Gone", sub.failing_since or now, settings)
    else:
        failing_since = sub.failing_since or now
        if should_disable(failing_since, now, timedelta(seconds=settings.disable_after_s)):
            values.update(status="failed", next_attempt_at=None)
            await _disable(uow, sub, f"failing continuously since {failing_since.isoformat()}", failing_since,
                           settings)
        else:
            if sub.failing_since is None:
                await uow.session.execute(update(subscriptions).where(subscriptions.c.id == sub.id)
                                          .values(failing_since=now, updated_at=now))
            delay = retry_delay(settings.retry_schedule_s, attempts,
                                retry_after_s=parse_retry_after(result.retry_after, now),
                                max_retry_after_s=settings.max_retry_after_s,
                                jitter_ratio=settings.retry_jitter_ratio, rng=rng)
            if delay is None:
                values.update(status="failed", next_attempt_at=None)
            else:
                values.update(next_attempt_at=now + timedelta(seconds=delay))
    await uow.session.execute(update(deliveries).where(deliveries.c.id == claim_.delivery_id).values(**values))
    return outcome


async def record_attempts(uow: UnitOfWork, done: Sequence[tuple[Claim, AttemptResult]],
                          settings: NotifySettings) -> list[Outcome]:
    """Record a batch of finished attempts in one transaction: every attempt still gets its own row in the
    delivery log. Successes (the usual case) are written with one statement per table; anything else goes
    through ``record_attempt`` (retry schedule, disabling), one by one."""
    now = utcnow()
    outcomes = [classify(r.status_code, r.latency_ms / 1000, settings.delivery_timeout_s) for _, r in done]
    ok = [(c, r) for (c, r), o in zip(done, outcomes) if o is Outcome.SUCCESS]
    if ok:
        await uow.session.execute(insert(delivery_attempts), [
            {"delivery_id": c.delivery_id, "attempted_at": now, "status_code": r.status_code,
             "latency_ms": r.latency_ms, "outcome": Outcome.SUCCESS.value, "response_excerpt": r.excerpt,
             "error": r.error} for c, r in ok])
        await uow.session.execute(
            update(deliveries).where(deliveries.c.id == bindparam("b_id")).values(
                attempts=deliveries.c.attempts + 1, last_status_code=bindparam("b_code"), last_error=None,
                claimed_until=None, updated_at=now, status="delivered", delivered_at=now, next_attempt_at=None)
            .execution_options(synchronize_session=False),
            [{"b_id": c.delivery_id, "b_code": r.status_code} for c, r in ok])
        await uow.session.execute(
            update(subscriptions).where(subscriptions.c.id.in_(sorted({c.subscription_id for c, _ in ok})),
                                        subscriptions.c.failing_since.is_not(None))
            .values(failing_since=None, updated_at=now))
    for (claim_, result), outcome in zip(done, outcomes):
        if outcome is not Outcome.SUCCESS:
            await record_attempt(uow, claim_, result, settings)
    return outcomes


async def _disable(uow: UnitOfWork, sub: Row, reason: str, failing_since: datetime, settings: NotifySettings) -> None:
    """Disable the endpoint, publish fc.webhook.endpoint_disabled and alert the district office, atomically."""
    if sub.status in ("disabled", "deleted"):
        return
    now = utcnow()
    await uow.session.execute(update(subscriptions).where(subscriptions.c.id == sub.id).values(
        status="disabled", disabled_reason=reason, updated_at=now))
    data = {"subscription_id": sub.id, "url": sub.url, "reason": reason, "failing_since": failing_since}
    event = uow.emit("fc.webhook.endpoint_disabled", sub.id, data)
    ENDPOINTS_DISABLED.inc()
    await alert_svc.raise_alerts(uow, event.id, event.type, event.to_dict()["data"], today=uow.clock.today(),
                                 email_enabled=settings.email_enabled)


async def release(sessions, delivery_id: int) -> None:
    """Give a leased delivery back untouched (the dispatcher is stopping)."""
    async with sessions() as session, session.begin():
        await session.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(claimed_until=None))


def _visible(principal: Principal):
    return deliveries.c.subscription_id.in_(select(subscriptions.c.id).where(owned_by(principal)))


def _with_subject():
    return select(deliveries, events.c.subject).join(events, events.c.id == deliveries.c.event_id)


async def get(session, principal: Principal, delivery_id: int) -> Row:
    row = (await session.execute(
        _with_subject().where(deliveries.c.id == delivery_id, _visible(principal)))).first()
    if row is None:
        raise Problem(404, "Not Found", f"no delivery {delivery_id}", type_="delivery-not-found")
    return row


async def list_(session, principal: Principal, *, subscription_id: str | None, event_type: str | None,
                status: str | None, since: datetime | None = None,
                page: PageParams) -> tuple[list[Row], str | None]:
    """Newest first, one keyset page."""
    query = _with_subject().where(_visible(principal))
    query = filtered(query, {deliveries.c.subscription_id: subscription_id, deliveries.c.event_type: event_type,
                             deliveries.c.status: status}, [(deliveries.c.created_at, since, None)])
    return await fetch_page(session, query, deliveries.c.id, page, descending=True)


async def attempts_of(session, delivery_id: int) -> list[Row]:
    return list((await session.execute(select(delivery_attempts).where(delivery_attempts.c.delivery_id == delivery_id)
                                       .order_by(delivery_attempts.c.id))).all())


async def retry(uow: UnitOfWork, principal: Principal, delivery_id: int) -> Row:
    """Manual retry: a fresh round of attempts now, same webhook-id."""
    row = await get(uow.session, principal, delivery_id)
    sub = await get_subscription(uow.session, principal, row.subscription_id)
    if sub.status == "disabled":
        raise Problem(409, "Subscription disabled", "resume the subscription before retrying its deliveries",
                      type_="subscription-disabled")
    now = utcnow()
    await uow.session.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(
        status="pending", attempts=0, next_attempt_at=now, claimed_until=None, updated_at=now))
    return await get(uow.session, principal, delivery_id)
