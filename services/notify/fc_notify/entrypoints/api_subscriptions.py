"""Subscription routes: webhook subscriptions, secret rotation, replay, and the delivery log."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.auth import Principal
from fc_shared.pagination import Page, PageDep, filtered, keyset, page_of
from fc_shared.params import RowId

from ..adapters.tables import subscriptions
from ..service_layer import deliveries as delivery_svc
from ..service_layer import subscriptions as sub_svc
from .deps import Manager, Reader
from .schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    DeliveryStatus,
    ReplayIn,
    ReplayOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionStatus,
    SubscriptionWithSecret,
)

router = APIRouter(prefix="/api/v1", tags=["notify"])


@router.post("/subscriptions", status_code=201, response_model=SubscriptionWithSecret)
async def create_subscription(body: SubscriptionIn, runtime: RuntimeDep, principal: Manager):
    """Subscribe an endpoint; the `whsec_` secret is in this response and never again."""
    async with runtime.uow() as uow:
        row = await sub_svc.create(uow, principal, str(body.url), body.event_types, body.description)
        await uow.commit()
        stored = await sub_svc.get(uow.session, principal, row["id"])
    return SubscriptionWithSecret(**SubscriptionOut.of(stored).model_dump(), secret=row["secret"])


@router.get("/subscriptions", response_model=Page[SubscriptionOut])
async def list_subscriptions(runtime: RuntimeDep, principal: Reader, page: PageDep,
                             status: SubscriptionStatus | None = None,
                             event_type: Annotated[str | None, Query(max_length=120)] = None):
    """The district office and auditors see every subscription, an integration its own."""
    query = filtered(select(subscriptions).where(sub_svc.visible_to(principal)), {subscriptions.c.status: status})
    async with runtime.sessions() as session:
        rows = (await session.execute(keyset(query, subscriptions.c.id, page, limit=False))).all()
    if event_type:  # a JSON list: filtered here, the same way on SQLite and PostgreSQL
        rows = [r for r in rows if not r.event_types or event_type in r.event_types]
    items, cursor = page_of(rows[: page.limit + 1], page, lambda r: r.id)
    return Page[SubscriptionOut](items=[SubscriptionOut.of(r) for r in items], next_cursor=cursor)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
async def get_subscription(subscription_id: str, runtime: RuntimeDep, principal: Reader):
    async with runtime.sessions() as session:
        return SubscriptionOut.of(await sub_svc.get(session, principal, subscription_id))


async def _set_status(runtime, principal: Principal, subscription_id: str, status: str):
    async with runtime.uow() as uow:
        row = await sub_svc.set_status(uow, principal, subscription_id, status)
        await uow.commit()
    return row


@router.post("/subscriptions/{subscription_id}/pause", response_model=SubscriptionOut)
async def pause_subscription(subscription_id: str, runtime: RuntimeDep, principal: Manager):
    """Deliveries wait (new events still queue) until resumed."""
    return SubscriptionOut.of(await _set_status(runtime, principal, subscription_id, "paused"))


@router.post("/subscriptions/{subscription_id}/resume", response_model=SubscriptionOut)
async def resume_subscription(subscription_id: str, runtime: RuntimeDep, principal: Manager):
    """Resume a paused subscription or re-enable a disabled endpoint."""
    return SubscriptionOut.of(await _set_status(runtime, principal, subscription_id, "active"))


@router.delete("/subscriptions/{subscription_id}", status_code=204, response_class=Response)
async def delete_subscription(subscription_id: str, runtime: RuntimeDep, principal: Manager):
    """Stop delivering to the endpoint; its delivery log stays for the record."""
    await _set_status(runtime, principal, subscription_id, "deleted")
    return Response(status_code=204)


@router.post("/subscriptions/{subscription_id}/rotate", response_model=SubscriptionWithSecret)
async def rotate_secret(subscription_id: str, runtime: RuntimeDep, principal: Manager):
    """A new secret (shown once); the old one keeps signing beside it during the configured overlap."""
    async with runtime.uow() as uow:
        row, secret = await sub_svc.rotate(uow, principal, subscription_id,
                                           timedelta(seconds=runtime.settings.rotation_overlap_s))
        await uow.commit()
    return SubscriptionWithSecret(**SubscriptionOut.of(row).model_dump(), secret=secret)


@router.post("/subscriptions/{subscription_id}/replay", status_code=202, response_model=ReplayOut)
async def replay(subscription_id: str, body: ReplayIn, runtime: RuntimeDep, principal: Manager):
    """Deliver again every matching event received since `since`, with the same webhook-ids."""
    async with runtime.uow() as uow:
        queued = await sub_svc.replay(uow, principal, subscription_id, body.since)
        await uow.commit()
    return ReplayOut(subscription_id=subscription_id, since=body.since, queued=queued)


@router.get("/deliveries", response_model=Page[DeliveryOut])
async def list_deliveries(runtime: RuntimeDep, principal: Reader, page: PageDep,
                          subscription_id: str | None = None,
                          event_type: Annotated[str | None, Query(max_length=120)] = None,
                          status: DeliveryStatus | None = None, since: AwareDatetime | None = None):
    """Newest first (``since``: created at or after); an integration sees only its own subscriptions' deliveries."""
    async with runtime.sessions() as session:
        items, cursor = await delivery_svc.list_(session, principal, subscription_id=subscription_id,
                                                 event_type=event_type, status=status, since=since, page=page)
    return Page[DeliveryOut](items=[DeliveryOut.of(r) for r in items], next_cursor=cursor)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def get_delivery(delivery_id: RowId, runtime: RuntimeDep, principal: Reader):
    """One delivery with every attempt: time, status code, latency, response excerpt, error."""
    async with runtime.sessions() as session:
        row = await delivery_svc.get(session, principal, delivery_id)
        attempts = await delivery_svc.attempts_of(session, delivery_id)
    return DeliveryDetail(**DeliveryOut.of(row).model_dump(), attempt_log=[AttemptOut.of(a) for a in attempts])


@router.post("/deliveries/{delivery_id}/retry", status_code=202, response_model=DeliveryOut)
async def retry_delivery(delivery_id: RowId, runtime: RuntimeDep, principal: Manager):
    """Send this delivery again now (same webhook-id), starting a fresh round of retries."""
    async with runtime.uow() as uow:
        row = await delivery_svc.retry(uow, principal, delivery_id)
        await uow.commit()
    return DeliveryOut.of(row)
