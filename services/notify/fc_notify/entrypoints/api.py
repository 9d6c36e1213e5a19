"""Notify REST routes: subscriptions, delivery log, alert inbox, e-mail recipients."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import AnyHttpUrl, BaseModel, Field, UrlConstraints, field_validator, model_validator
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.auth import Principal, require
from fc_shared.errors import Problem
from fc_shared.events import EventType
from fc_shared.pagination import Page, PageDep, page_of
from fc_shared.params import RowId
from fc_shared.strict import InputModel, IsoDateTime

from ..adapters.tables import alerts, email_recipients, emails, subscriptions
from ..domain.alerts import street_recipient
from ..domain.delivery import url_problem
from ..domain.email import ADDRESS_PATTERN, is_address
from ..service_layer import alerts as alert_svc
from ..service_layer import deliveries as delivery_svc
from ..service_layer import subscriptions as sub_svc
from ..service_layer.common import as_utc

router = APIRouter(prefix="/api/v1", tags=["notify"])

Manager = Annotated[Principal, require(*sub_svc.MANAGERS)]
Reader = Annotated[Principal, require(*sub_svc.READERS)]
Office = Annotated[Principal, require("district_office")]
OfficeOrAuditor = Annotated[Principal, require("district_office", "auditor")]
InboxReader = Annotated[Principal, require("street", "district_office", "finance", "auditor")]
InboxOwner = Annotated[Principal, require("street", "district_office", "finance")]
EndpointUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000, allowed_schemes=["http", "https"])]
SubscriptionStatus = Literal["active", "paused", "disabled"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


def _int_cursor(value) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int):
        raise Problem(400, "Bad cursor", "the cursor is not one this API issued", type_="bad-cursor")
    return value


# --- subscriptions ---------------------------------------------------------------------------

class SubscriptionIn(InputModel):
    url: EndpointUrl = Field(description="http(s) endpoint without credentials")
    event_types: list[EventType] = Field(default_factory=list, max_length=100, description="empty: every type")
    description: str = Field("", max_length=1000)

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        problem = url_problem(str(value))
        if problem or value.username or value.password:
            raise ValueError(problem or "the URL must not carry credentials")
        return value

    @field_validator("event_types")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    status: SubscriptionStatus
    disabled_reason: str | None = None
    failing_since: datetime | None = None
    rotation_overlap_until: datetime | None = Field(None, description="the previous secret still signs until then")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row) -> "SubscriptionOut":
        until = as_utc(row.previous_secret_until)
        return cls(id=row.id, url=row.url, event_types=row.event_types, description=row.description,
                   status=row.status, disabled_reason=row.disabled_reason, failing_since=as_utc(row.failing_since),
                   rotation_overlap_until=until, created_at=as_utc(row.created_at),
                   updated_at=as_utc(row.updated_at))


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(description="whsec_… signing secret; shown only in this response")


class ReplayIn(InputModel):
    since: IsoDateTime


class ReplayOut(BaseModel):
    subscription_id: str
    since: datetime
    queued: int


@router.post("/subscriptions", status_code=201, response_model=SubscriptionWithSecret)
async def create_subscription(body: SubscriptionIn, runtime: RuntimeDep, principal: Manager):
    """Subscribe an endpoint; the `whsec_` secret is in this response and never again.

    The URL must resolve to public addresses only (422 otherwise); every delivery checks again."""
    refused = await runtime.spec.resources["endpoint_guard"].problem(str(body.url))
    if refused:
        raise Problem(422, "Endpoint refused", refused, type_="webhook-target-refused")
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
    query = select(subscriptions).where(sub_svc.visible_to(principal))
    if status:
        query = query.where(subscriptions.c.status == status)
    if page.after is not None:
        query = query.where(subscriptions.c.id > str(page.after))
    async with runtime.sessions() as session:
        rows = (await session.execute(query.order_by(subscriptions.c.id))).all()
    if event_type:
        rows = [r for r in rows if not r.event_types or event_type in r.event_types]
    rows = rows[: page.limit + 1]
    items, cursor = page_of(rows, page, lambda r: r.id)
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


# --- delivery log ----------------------------------------------------------------------------

class DeliveryOut(BaseModel):
    id: int
    subscription_id: str
    event_id: str = Field(description="also the webhook-id header")
    event_type: str
    subject: str = Field(description="the event's subject: its project id (or community/street id)")
    status: DeliveryStatus
    attempts: int = Field(description="attempts in the current round (a retry or replay starts a new one)")
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row) -> "DeliveryOut":
        return cls(id=row.id, subscription_id=row.subscription_id, event_id=row.event_id, event_type=row.event_type,
                   subject=row.subject, status=row.status, attempts=row.attempts, next_attempt_at=as_utc(row.next_attempt_at),
                   last_status_code=row.last_status_code, last_error=row.last_error,
                   delivered_at=as_utc(row.delivered_at), created_at=as_utc(row.created_at),
                   updated_at=as_utc(row.updated_at))


class AttemptOut(BaseModel):
    id: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    outcome: Literal["success", "failure", "gone"]
    response_excerpt: str
    error: str | None


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]


@router.get("/deliveries", response_model=Page[DeliveryOut])
async def list_deliveries(runtime: RuntimeDep, principal: Reader, page: PageDep,
                          subscription_id: str | None = None,
                          event_type: Annotated[str | None, Query(max_length=120)] = None,
                          status: DeliveryStatus | None = None, since: IsoDateTime | None = None):
    """Newest first (``since``: created at or after); an integration sees only its own subscriptions' deliveries."""
    async with runtime.sessions() as session:
        rows = await delivery_svc.list_(session, principal, subscription_id=subscription_id, event_type=event_type,
                                        status=status, since=since, before_id=_int_cursor(page.after),
                                        limit=page.limit + 1)
    items, cursor = page_of(rows, page, lambda r: r.id)
    return Page[DeliveryOut](items=[DeliveryOut.of(r) for r in items], next_cursor=cursor)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def get_delivery(delivery_id: RowId, runtime: RuntimeDep, principal: Reader):
    """One delivery with every attempt: time, status code, latency, response excerpt, error."""
    async with runtime.sessions() as session:
        row = await delivery_svc.get(session, principal, delivery_id)
        attempts = await delivery_svc.attempts_of(session, delivery_id)
    return DeliveryDetail(**DeliveryOut.of(row).model_dump(), attempt_log=[
        AttemptOut(id=a.id, attempted_at=as_utc(a.attempted_at), status_code=a.status_code, latency_ms=a.latency_ms,
                   outcome=a.outcome, response_excerpt=a.response_excerpt, error=a.error) for a in attempts])


@router.post("/deliveries/{delivery_id}/retry", status_code=202, response_model=DeliveryOut)
async def retry_delivery(delivery_id: RowId, runtime: RuntimeDep, principal: Manager):
    """Send this delivery again now (same webhook-id), starting a fresh round of retries."""
    async with runtime.uow() as uow:
        row = await delivery_svc.retry(uow, principal, delivery_id)
        await uow.commit()
    return DeliveryOut.of(row)


# --- alert inbox -----------------------------------------------------------------------------

class AlertOut(BaseModel):
    id: int
    type: str = Field(description="e.g. deadline_approaching, subsidy_disbursed, webhook_endpoint_disabled")
    event_type: str
    project_id: str | None
    street_code: str | None
    days_left: int | None
    title: str
    message: str
    recipient: str = Field(description="street:<code>, district_office or finance")
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, row) -> "AlertOut":
        return cls(id=row.id, type=row.type, event_type=row.event_type, project_id=row.project_id,
                   street_code=row.street_code, days_left=row.days_left, title=row.title, message=row.message,
                   recipient=row.recipient, created_at=as_utc(row.created_at), read=row.read)


@router.get("/alerts", response_model=Page[AlertOut])
async def list_alerts(runtime: RuntimeDep, principal: InboxReader, page: PageDep,
                      type: Annotated[str | None, Query(max_length=80)] = None,
                      read: bool | None = None, project_id: str | None = None,
                      street_code: str | None = None, since: IsoDateTime | None = None):
    """The caller's inbox, newest first: a street its own, the office and finance their role's, an auditor all."""
    query = select(alerts)
    where = alert_svc.inbox_filter(principal)
    if where is not None:
        query = query.where(where)
    if type:
        query = query.where(alerts.c.type == type)
    if read is not None:
        query = query.where(alerts.c.read.is_(read))
    if project_id:
        query = query.where(alerts.c.project_id == project_id)
    if street_code:
        query = query.where(alerts.c.street_code == street_code)
    if since:
        query = query.where(alerts.c.created_at >= since)
    if page.after is not None:
        query = query.where(alerts.c.id < _int_cursor(page.after))
    async with runtime.sessions() as session:
        rows = (await session.execute(query.order_by(alerts.c.id.desc()).limit(page.limit + 1))).all()
    items, cursor = page_of(list(rows), page, lambda r: r.id)
    return Page[AlertOut](items=[AlertOut.of(r) for r in items], next_cursor=cursor)


@router.post("/alerts/{alert_id}/read", response_model=AlertOut)
async def mark_alert_read(alert_id: RowId, runtime: RuntimeDep, principal: InboxOwner):
    """Mark one of the caller's alerts read (another inbox's alert is 404)."""
    async with runtime.uow() as uow:
        row = await alert_svc.mark_read(uow, principal, alert_id)
        await uow.commit()
    return AlertOut.of(row)


# --- e-mail ----------------------------------------------------------------------------------

class _Recipients(InputModel):
    addresses: list[Annotated[str, Field(max_length=254, pattern=ADDRESS_PATTERN)]] = Field(
        max_length=20, description="empty list: no e-mail for this inbox")

    @model_validator(mode="after")
    def _addresses(self) -> "_Recipients":
        bad = [a for a in self.addresses if not is_address(a)]
        if bad:
            raise ValueError(f"not e-mail addresses: {', '.join(bad)}")
        return self


class StreetRecipientsIn(_Recipients):
    role: Literal["street"]
    street_code: str = Field(min_length=1, max_length=40)

    @property
    def recipient(self) -> str:
        return street_recipient(self.street_code)


class RoleRecipientsIn(_Recipients):
    role: Literal["district_office", "finance"]

    @property
    def recipient(self) -> str:
        return self.role


# A street's inbox names its street; the role inboxes take none (the schema says so: one shape per role).
EmailRecipientsIn = StreetRecipientsIn | RoleRecipientsIn


class EmailRecipientsOut(BaseModel):
    recipient: str
    addresses: list[str]
    updated_at: datetime


class EmailOut(BaseModel):
    id: int
    alert_id: int
    to_address: str
    subject: str
    status: Literal["pending", "sent", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@router.put("/email-recipients", response_model=EmailRecipientsOut)
async def set_email_recipients(body: EmailRecipientsIn, runtime: RuntimeDep, principal: Office):
    """The district office sets where an inbox's alerts are also e-mailed."""
    async with runtime.uow() as uow:
        row = await alert_svc.set_recipients(uow, principal, body.recipient, body.addresses)
        await uow.commit()
    return EmailRecipientsOut(recipient=row.recipient, addresses=row.addresses, updated_at=as_utc(row.updated_at))


@router.get("/email-recipients", response_model=Page[EmailRecipientsOut])
async def list_email_recipients(runtime: RuntimeDep, _: OfficeOrAuditor, page: PageDep):
    query = select(email_recipients).order_by(email_recipients.c.recipient)
    if page.after is not None:
        query = query.where(email_recipients.c.recipient > str(page.after))
    async with runtime.sessions() as session:
        rows = list((await session.execute(query.limit(page.limit + 1))).all())
    items, cursor = page_of(rows, page, lambda r: r.recipient)
    return Page[EmailRecipientsOut](items=[EmailRecipientsOut(recipient=r.recipient, addresses=r.addresses,
                                                              updated_at=as_utc(r.updated_at)) for r in items],
                                    next_cursor=cursor)


@router.get("/emails", response_model=Page[EmailOut])
async def list_emails(runtime: RuntimeDep, _: OfficeOrAuditor, page: PageDep,
                      status: Literal["pending", "sent", "failed"] | None = None):
    """The e-mail log: what was queued, sent, or given up, with the last error."""
    query = select(emails)
    if status:
        query = query.where(emails.c.status == status)
    if page.after is not None:
        query = query.where(emails.c.id < _int_cursor(page.after))
    async with runtime.sessions() as session:
        rows = list((await session.execute(query.order_by(emails.c.id.desc()).limit(page.limit + 1))).all())
    items, cursor = page_of(rows, page, lambda r: r.id)
    return Page[EmailOut](items=[EmailOut(id=r.id, alert_id=r.alert_id, to_address=r.to_address, subject=r.subject,
                                          status=r.status, attempts=r.attempts,
                                          next_attempt_at=as_utc(r.next_attempt_at), last_error=r.last_error,
                                          created_at=as_utc(r.created_at), sent_at=as_utc(r.sent_at))
                                 for r in items], next_cursor=cursor)

