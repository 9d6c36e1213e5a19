"""Funding under test: real migrations on SQLite and PostgreSQL, the real broker, events as registry and
inspection publish them (docs/EVENTS.md)."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from fc_funding.main import build_app
from fc_funding.settings import FundingSettings
from fc_shared.events import Event, topic_for
from fc_shared.kafka import ensure_topics
from fc_devtools.contract import sample
from fc_devtools.testing import auth, migrate, platform_settings

SERVICE_DIR = Path(__file__).resolve().parents[2]
CNY = 100

FINANCE = auth("finance")
OFFICE = auth("district_office")
AUDITOR = auth("auditor")


def street(code: str) -> dict[str, str]:
    return auth("street", street_code=code)


def new_id(prefix: str = "p") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def project_event(type_: str, project_id: str, *, street_code: str = "S01", target_level: str = "city",
                  task_year: int = 2020, state: str = "approved", accepted_level: str | None = None,
                  community_ids: list[str] | None = None, **extra) -> Event:
    """A registry fc.project.* event carrying the project snapshot."""
    data = {"project_id": project_id, "name": "样例项目", "street_code": street_code, "type": "renovation",
            "target_level": target_level, "state": state, "accepted_level": accepted_level,
            "community_ids": community_ids or [f"c-{project_id}"], "approved_on": f"{task_year}-01-15",
            "creation_deadline": f"{task_year}-12-31", "task_year": task_year, **extra}
    return Event(type=type_, source="/registry", subject=project_id, data=sample(type_, **data))


def approved(project_id: str, **kw) -> Event:
    return project_event("fc.project.approved", project_id, from_state="submitted", to_state="approved",
                         note=None, by="district_office-user", on="2020-01-15", **kw)


def year_end(project_id: str, year: int = 2020, **kw) -> Event:
    return project_event("fc.project.year_end_incomplete", project_id, task_year=year, year=year, **kw)


def passed(project_id: str, level: str, spent_cny: int, *, street_code: str = "S01",
           decided_on: str = "2021-05-20", acceptance_id: str | None = None) -> Event:
    """inspection's fc.acceptance.passed; the spend is split over the eligible categories plus an ineligible one."""
    fen = spent_cny * CNY
    return Event(type="fc.acceptance.passed", source="/inspection", subject=project_id, data=sample(
        "fc.acceptance.passed", acceptance_id=acceptance_id or new_id("acc"), project_id=project_id,
        street_code=street_code, level=level, decided_on=decided_on, reference="ZJ-2021-001",
        final_expenditure_fen={"consulting_design": fen // 10, "construction": fen - fen // 10 - fen // 20,
                               "equipment": fen // 20}))


@pytest.fixture
def funding_app(db_url, broker):
    migrate(SERVICE_DIR, db_url)

    def make(run_workers: bool = True, **platform):
        settings = FundingSettings(database_url=db_url,
                                   platform=platform_settings(broker.bootstrap, run_workers=run_workers, **platform))
        return build_app(settings)

    return make


class Producer:
    """Publishes events as their owning service's relay would: topic by type, key = subject."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.client: AIOKafkaProducer | None = None

    async def send(self, *events: Event) -> None:
        if self.client is None:
            await ensure_topics(self.bootstrap, 3, 1)
            self.client = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=False)
            await self.client.start()
        for event in events:
            await self.client.send_and_wait(topic_for(event.type), event.to_json().encode(),
                                            key=event.subject.encode())

    async def close(self) -> None:
        if self.client is not None:
            await self.client.stop()


@pytest.fixture
async def producer(broker):
    p = Producer(broker.bootstrap)
    yield p
    await p.close()


async def count(app, table, *where) -> int:
    async with app.state.runtime.sessions() as s:
        return (await s.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def handle(app, *events: Event) -> None:
    """Run events through the service's own consumer path (inbox + handler + retries), without the broker."""
    for event in events:
        assert await app.state.runtime.consumer.handle(event) in ("handled", "duplicate")


@pytest.fixture
def kit():
    """The helpers above, for test modules (importlib mode keeps conftest out of their imports)."""
    from types import SimpleNamespace

    return SimpleNamespace(CNY=CNY, FINANCE=FINANCE, OFFICE=OFFICE, AUDITOR=AUDITOR, street=street, new_id=new_id,
                           project_event=project_event, approved=approved, year_end=year_end, passed=passed,
                           count=count, handle=handle, SERVICE_DIR=SERVICE_DIR)
