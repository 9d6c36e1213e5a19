"""Notify under test: real migrations on SQLite and PostgreSQL, the real broker, a real HTTP receiver."""
from pathlib import Path

import pytest
from sqlalchemy import select

from fc_notify.main import build_app
from fc_notify.settings import NotifySettings
from fc_shared.events import Event
from fc_shared.inbox import handle_once
from fc_devtools.contract import sample
from fc_shared.event_models import model_for
from fc_devtools.testing import migrate, platform_settings

SERVICE_DIR = Path(__file__).resolve().parents[2]

# Short enough for tests, same shape as production's schedule.
FAST = {"retry_schedule_s": [0, 0.3, 0.3, 0.3, 0.3, 0.3], "retry_jitter_ratio": 0.0, "dispatch_interval_s": 0.05,
        "delivery_timeout_s": 5.0, "email_interval_s": 0.1,
        # No DNS in tests: the few names they subscribe with stand for a receiver on loopback.
        "webhook_resolver": "static",
        "webhook_hosts": {name: ["127.0.0.1"] for name in ("province.example", "city.example", "x.example")}}


@pytest.fixture
def notify_db(db_url) -> str:
    migrate(SERVICE_DIR, db_url)
    return db_url


@pytest.fixture
def make_app(notify_db, broker):
    """Build a notify app on the test database; ``consume=False`` leaves Kafka out where the test injects events."""
    def make(consume: bool = False, resolver=None, **overrides):
        settings = NotifySettings(database_url=notify_db, platform=platform_settings(broker.bootstrap),
                                  **{**FAST, **overrides})
        return build_app(settings, consume=consume, resolver=resolver)
    return make


async def inject(app, event: Event) -> bool:
    """Hand one event to notify's real handler exactly as the consumer does (inbox + handler in one transaction)."""
    runtime = app.state.runtime
    return await handle_once(runtime.uow(), runtime.name, event, runtime.spec.handlers[event.type])


def project_event(type_: str, street_code: str = "S01", **data) -> Event:
    """An event about a project (``p-1`` unless named) on the contract: required fields not named get a plain value."""
    project_id = data.pop("project_id", "p-1")
    about = {"project_id": project_id} if "project_id" in model_for(type_).model_fields else {}
    body = sample(type_, **about, street_code=street_code, **data)
    return Event(type=type_, source="/registry", subject=project_id or street_code, data=body)


async def rows(app, table, *where):
    async with app.state.runtime.sessions() as session:
        return (await session.execute(select(table).where(*where))).all()
