"""Registry integration fixtures: the real migrations on SQLite and PostgreSQL, the real broker."""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from fc_devtools.testing import TEST_TODAY, app_client, auth, migrate, platform_settings

SERVICE_DIR = Path(__file__).resolve().parents[2]
OFFICE = auth("district_office")


@pytest.fixture
def make_app(db_url, broker, tmp_path):
    """Build the registry app on a migrated database; ``workers=False`` keeps relay/consumer/watcher off."""
    migrate(SERVICE_DIR, db_url)

    def _make(workers: bool = True, today=None, **overrides):
        from fc_registry.main import build_app
        from fc_registry.settings import RegistrySettings

        settings = RegistrySettings(database_url=db_url, platform=platform_settings(
            broker.bootstrap, data_dir=tmp_path / "data", run_workers=workers, today=today or TEST_TODAY),
            **{"watcher_enabled": False, **overrides})
        return build_app(settings)

    return _make


@pytest.fixture
async def client(make_app):
    app = make_app(workers=False)
    async with app_client(app) as c:
        c.app = app
        yield c


class World:
    """Builds streets, communities and projects through the API, as a user would."""

    def __init__(self, client) -> None:
        self.c = client

    async def street(self, code: str | None = None, **extra) -> str:
        code = code or "S" + uuid.uuid4().hex[:6]
        r = await self.c.post("/api/v1/streets", json={"code": code, "name": f"街道{code}", "kind": "subdistrict",
                                                       **extra}, headers=OFFICE)
        assert r.status_code == 201, r.text
        return code

    async def community(self, street: str, surveyed: bool = True, **extra) -> str:
        body = {"street_code": street, "name": "社区" + uuid.uuid4().hex[:4], "area_ha": 20, "population": 8000,
                "households": 3000, "elderly_share": 0.22, "children_share": 0.12, **extra}
        if surveyed:
            body.update(needs="养老托幼", features="运河文化", spatial_resources="闲置厂房 3000㎡",
                        location={"lat": 30.27, "lon": 120.15})
        r = await self.c.post("/api/v1/communities", json=body, headers=OFFICE)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def project(self, community_ids: list[str], headers=OFFICE, **extra) -> dict:
        body = {"name": "项目" + uuid.uuid4().hex[:4], "community_ids": community_ids, "type": "renovation",
                "target_level": "city", "area_ha": 20, "life_circle_minutes": 15, **extra}
        r = await self.c.post("/api/v1/projects", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()

    async def move(self, project_id: str, *actions: str, headers=OFFICE, **body) -> dict:
        out = None
        for action in actions:
            payload = {"action": action, **(body if action == actions[-1] else {})}
            if body.get("on"):
                payload["on"] = body["on"]
            if action == "approve":
                payload.setdefault("on", body.get("on") or _today())
                payload.setdefault("level", "city")
                payload.setdefault("reference", "区批复〔2024〕1号")
            r = await self.c.post(f"/api/v1/projects/{project_id}/transitions", json=payload, headers=headers)
            assert r.status_code == 200, r.text
            out = r.json()
        return out

    async def approved(self, street: str, on: str | None = None, created_on: str | None = None, **extra) -> dict:
        cid = await self.community(street)
        p = await self.project([cid], **({"created_on": created_on} if created_on else {}), **extra)
        return await self.move(p["id"], "apply", "select", "submit", "approve", on=on or _today())


def _today() -> str:
    return TEST_TODAY.isoformat()


@pytest.fixture
def world(client) -> World:
    return World(client)


async def outbox_events(app, type_: str | None = None, key: str | None = None) -> list[dict]:
    import json

    from sqlalchemy import select

    from fc_registry.adapters.tables import spine

    ob = spine.outbox
    query = select(ob.c.payload).order_by(ob.c.seq)
    if type_:
        query = query.where(ob.c.type == type_)
    if key:
        query = query.where(ob.c.key == key)
    async with app.state.runtime.sessions() as s:
        return [json.loads(p) for p in (await s.execute(query)).scalars()]


__all__ = ["World", "outbox_events", "OFFICE", "asyncio"]


@pytest.fixture
def outbox():
    return outbox_events


@pytest.fixture
def world_of():
    """World for a client the test built itself (e.g. an app with workers running)."""
    return World
