"""Inspection under test: real migrations, real database (SQLite and PostgreSQL), real broker."""
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from fc_inspection.adapters import tables as t
from fc_inspection.main import build_app
from fc_inspection.service_layer.catalogue import default_catalogue
from fc_inspection.settings import InspectionSettings
from fc_shared.events import TOPIC_FUNDING, TOPIC_REGISTRY, Event
from fc_devtools.contract import sample
from fc_devtools.testing import async_wait_until, auth, migrate, platform_settings

SERVICE_DIR = Path(__file__).resolve().parents[2]
OFFICE = auth("district_office")
DEPARTMENTS = ("housing", "civil_affairs", "development_reform", "finance")


@pytest.fixture
def inspection_app(db_url, broker):
    migrate(SERVICE_DIR, db_url)
    return build_app(InspectionSettings(database_url=db_url, platform=platform_settings(broker.bootstrap)))


def snapshot(project_id, street_code, state, accepted_level=None, **extra):
    return {"project_id": project_id, "name": f"样例项目{project_id[:4]}", "street_code": street_code,
            "type": "renovation", "target_level": "city", "state": state, "accepted_level": accepted_level,
            "community_ids": [str(uuid.uuid4())], "approved_on": "2026-01-15" if state != "draft" else None,
            "creation_deadline": "2027-01-15" if state != "draft" else None,
            "task_year": 2027 if state != "draft" else None, **extra}


class Kit:
    snapshot = staticmethod(snapshot)

    def __init__(self, broker):
        self.broker = broker

    @staticmethod
    def street():
        return "S" + uuid.uuid4().hex[:8]

    @staticmethod
    def registry_event(type_, subject, data, time=None):
        """registry's event, on the contract: required fields the test does not name get a plain valid value."""
        extra = {"time": f"{time}T08:00:00Z"} if time else {}
        return Event(type=type_, source="/registry", subject=subject, data=sample(type_, **data), **extra)

    @staticmethod
    def funding_event(type_, subject, data, time=None):
        extra = {"time": f"{time}T08:00:00Z"} if time else {}
        return Event(type=type_, source="/funding", subject=subject, data=sample(type_, **data), **extra)

    async def produce(self, app, *events):
        """Put events on their real topics and wait until inspection's consumer has handled each."""
        producer = AIOKafkaProducer(bootstrap_servers=self.broker.bootstrap, enable_idempotence=False, acks="all")
        await producer.start()
        try:
            for e in events:
                topic = TOPIC_FUNDING if e.source == "/funding" else TOPIC_REGISTRY
                await producer.send_and_wait(topic, e.to_json().encode(), key=e.subject.encode())
        finally:
            await producer.stop()
        ids = [e.id for e in events]
        await async_wait_until(lambda: self.count(app, t.spine.inbox, t.spine.inbox.c.event_id.in_(ids), n=len(ids)),
                               60, message="inspection handled the produced events")

    @staticmethod
    async def count(app, table, *where, n=None):
        async with app.state.runtime.sessions() as s:
            got = (await s.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        return got == n if n is not None else got

    @staticmethod
    async def outbox(app, subject=None, type_=None):
        import json
        ob = t.spine.outbox
        query = select(ob).order_by(ob.c.seq)
        if subject:
            query = query.where(ob.c.key == subject)
        if type_:
            query = query.where(ob.c.type == type_)
        async with app.state.runtime.sessions() as s:
            return [json.loads(r.payload) for r in (await s.execute(query)).all()]

    async def approved_project(self, app, street_code=None, state="approved", accepted_level=None, recorded=True):
        """A project the registry has approved, seen by inspection through the broker."""
        street_code = street_code or self.street()
        pid = str(uuid.uuid4())
        await self.produce(app,
                           self.registry_event("fc.street.created", street_code,
                                               {"street_code": street_code, "name": "样例街道", "kind": "subdistrict"}),
                           self.registry_event("fc.project.created", pid, snapshot(pid, street_code, "draft")),
                           self.registry_event("fc.project.approved", pid,
                                               {**snapshot(pid, street_code, state, accepted_level),
                                                "from_state": "submitted", "to_state": state, "note": None,
                                                "by": "office", "on": "2026-01-15"}),
                           *(self.spent(pid, street_code, self.RECORDED) if recorded else ()))
        return SimpleNamespace(id=pid, street=street_code, headers=auth("street", street_code=street_code))

    # What funding has recorded for every approved project here: enough to back any application these tests make.
    RECORDED = {"consulting_design": 2_000_000_000, "construction": 20_000_000_000, "equipment": 5_000_000_000}

    def spent(self, project_id, street_code, by_category, eligible=True):
        """funding's fc.expenditure.reported, one report per category."""
        return [self.funding_event("fc.expenditure.reported", project_id, {
            "expenditure_id": uuid.uuid4().int % 10**9, "project_id": project_id, "street_code": street_code,
            "category": c, "amount_fen": amount, "eligible": eligible, "reported_on": "2026-03-01"})
            for c, amount in by_category.items()]

    @staticmethod
    def all_met(met=True):
        return {"indicators": {c: {"met": met, "evidence": "现场核查记录"} for c in default_catalogue().standard_codes()}}

    @staticmethod
    def application(project_id, level="city", **over):
        body = {"project_id": project_id, "level": level, "report": "自评报告：九大场景均已落地。",
                "final_expenditure_fen": {"consulting_design": 500_000_000, "construction": 7_000_000_000,
                                          "equipment": 1_500_000_000}}
        body.update(over)
        return body

    async def applied(self, client, project):
        r = await client.post(f"/api/v1/projects/{project.id}/evaluations", json=self.all_met(),
                              headers=project.headers)
        assert r.status_code == 201, r.text
        r = await client.post("/api/v1/acceptances", json=self.application(project.id), headers=project.headers)
        assert r.status_code == 201, r.text
        return r.json()

    async def district_reviewed(self, client, project):
        acc = await self.applied(client, project)
        for d in DEPARTMENTS:
            r = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                                  json={"department_code": d, "passed": True, "findings": ""},
                                  headers=auth("department", department_code=d))
            assert r.status_code == 201, r.text
        assert r.json()["state"] == "district_reviewed"
        return r.json()


@pytest.fixture
def kit(broker):
    return Kit(broker)
