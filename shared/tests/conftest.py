"""A tiny service built on the spine, to test the spine itself against real databases and the broker."""
import uuid
from types import SimpleNamespace
from typing import Annotated

import pytest
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, String, Table, insert, select

from fc_shared.app import RuntimeDep, ServiceSpec, create_app
from fc_shared.auth import Principal, require
from fc_shared.db import make_engine, new_metadata, spine_tables
from fc_shared.event_models import CommunityCreated
from fc_shared.events import TOPIC_REGISTRY
from fc_shared.idempotency import run_idempotent
from fc_shared.settings import ServiceSettings
from fc_devtools.testing import platform_settings

metadata = new_metadata()
spine = spine_tables(metadata)
things = Table("things", metadata, Column("id", String(36), primary_key=True), Column("name", String(100)),
               Column("amount_fen", Integer, nullable=False, default=0))
seen = Table("seen", metadata, Column("event_id", String(64), primary_key=True), Column("subject", String(100)))


class ThingIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    amount_fen: int = Field(0, ge=0)


router = APIRouter(prefix="/api/v1")


@router.post("/things", status_code=201)
async def create_thing(body: ThingIn, runtime: RuntimeDep, request: Request,
                       principal: Annotated[Principal, require("district_office")],
                       idempotency_key: Annotated[str | None, Header()] = None):
    async def effect(uow):
        thing_id = str(uuid.uuid4())
        await uow.session.execute(insert(things).values(id=thing_id, name=body.name, amount_fen=body.amount_fen))
        uow.emit("fc.community.created", thing_id, {"community_id": thing_id, "street_code": "S01", "name": body.name})
        return 201, {"id": thing_id, "name": body.name}

    return await run_idempotent(request, principal, idempotency_key, body.model_dump(), runtime.uow, effect)


@router.get("/things/{thing_id}")
async def get_thing(thing_id: str, runtime: RuntimeDep, _: Annotated[Principal, require("district_office")]):
    async with runtime.sessions() as s:
        row = (await s.execute(select(things).where(things.c.id == thing_id))).first()
    return {"id": row.id, "name": row.name} if row else {}


async def on_community(uow, event):
    if CommunityCreated.of(event).name == "poison":
        raise RuntimeError("this event always fails")
    await uow.session.execute(insert(seen).values(event_id=event.id, subject=event.subject))


async def create_schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


@pytest.fixture
def kit():
    return SimpleNamespace(create_schema=create_schema, on_community=on_community, seen=seen, things=things, spine=spine)


@pytest.fixture
def spine_app_factory(broker):
    def make(db_url: str, bootstrap: str | None = None, consume: bool = True, name: str | None = None):
        settings = ServiceSettings(name=name or f"spinetest{uuid.uuid4().hex[:8]}", database_url=db_url,
                                   platform=platform_settings(bootstrap or broker.bootstrap, consumer_max_retries=3))
        spec = ServiceSpec(name=settings.name, settings=settings, spine=spine, routers=[router],
                           consumes=[TOPIC_REGISTRY] if consume else [],
                           handlers={"fc.community.created": on_community} if consume else {})
        return create_app(spec)
    return make
