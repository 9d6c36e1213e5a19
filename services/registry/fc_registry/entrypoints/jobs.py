"""Background jobs: the deadline watcher runs by itself once a day."""
from __future__ import annotations

import logging

from fc_shared.app import Runtime
from fc_shared.db import is_sqlite
from fc_shared.periodic import every

from ..service_layer import watcher
from .deps import service_today

log = logging.getLogger(__name__)


async def deadline_watcher(runtime: Runtime) -> None:
    """Scan as of today at start-up and then every ``watcher_interval_s`` (a day by default)."""
    settings = runtime.settings
    if not settings.watcher_enabled:
        return

    async def scan() -> None:
        fired = await watcher.scan(runtime.uow, service_today(runtime), postgres=not is_sqlite(runtime.db_url))
        log.info("deadline watcher ran", extra={"fired": fired})

    await every(settings.watcher_interval_s, scan, name="deadline watcher")
