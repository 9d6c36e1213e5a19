"""Request and response models of the notify API."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, Field, UrlConstraints, field_validator, model_validator

from fc_shared.events import EventType
from fc_shared.strict import InputModel, IsoDateTime

from ..domain.alerts import street_recipient
from ..domain.delivery import url_problem
from ..domain.email import ADDRESS_PATTERN, is_address

EndpointUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000, allowed_schemes=["http", "https"])]
SubscriptionStatus = Literal["active", "paused", "disabled"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
EmailStatus = Literal["pending", "sent", "failed"]


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
        return cls(id=row.id, url=row.url, event_types=row.event_types, description=row.description,
                   status=row.status, disabled_reason=row.disabled_reason, failing_since=row.failing_since,
                   rotation_overlap_until=row.previous_secret_until, created_at=row.created_at,
                   updated_at=row.updated_at)


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(description="whsec_… signing secret; shown only in this response")


class ReplayIn(InputModel):
    since: IsoDateTime


class ReplayOut(BaseModel):
    subscription_id: str
    since: datetime
    queued: int


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
        return cls.model_validate({k: v for k, v in row._mapping.items() if k in cls.model_fields})


class AttemptOut(BaseModel):
    id: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    outcome: Literal["success", "failure", "gone"]
    response_excerpt: str
    error: str | None

    @classmethod
    def of(cls, row) -> "AttemptOut":
        return cls.model_validate({k: v for k, v in row._mapping.items() if k in cls.model_fields})


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]


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
        return cls.model_validate({k: v for k, v in row._mapping.items() if k in cls.model_fields})


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

    @classmethod
    def of(cls, row) -> "EmailRecipientsOut":
        return cls(recipient=row.recipient, addresses=row.addresses, updated_at=row.updated_at)


class EmailOut(BaseModel):
    id: int
    alert_id: int
    to_address: str
    subject: str
    status: EmailStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row) -> "EmailOut":
        return cls.model_validate({k: v for k, v in row._mapping.items() if k in cls.model_fields})
