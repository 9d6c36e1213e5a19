"""Notify REST routes."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import AnyHttpUrl, BaseModel, Field, field_validator

from fc_shared.app import RuntimeDep
from fc_shared.auth import Principal, require
from fc_shared.events import EVENT_TYPES

from ..service_layer import webhooks as svc

router = APIRouter(prefix="/api/v1", tags=["notify"])


class SubscriptionIn(BaseModel):
    url: AnyHttpUrl
    event_types: list[str] = Field(default_factory=list, max_length=100)
    description: str = Field("", max_length=1000)

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types: {', '.join(unknown)}")
        return value


class SubscriptionCreated(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    secret: str  # shown once


@router.post("/subscriptions", status_code=201, response_model=SubscriptionCreated)
async def create_subscription(body: SubscriptionIn, runtime: RuntimeDep,
                              principal: Annotated[Principal, require("district_office", "integration")]):
    async with runtime.uow() as uow:
        row = await svc.create_subscription(uow, principal.key, str(body.url), body.event_types, body.description)
        await uow.commit()
    return SubscriptionCreated(**{k: row[k] for k in ("id", "url", "event_types", "description", "secret")})
