"""Background jobs."""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from ..adapters.tables import parked_events, projects
from ..service_layer.projection import replay_parked

log = logging.getLogger(__name__)
SWEEP_INTERVAL_S = 30


async def sweep_parked_events(runtime) -> None:
    """Replay parked events whose project has arrived meanwhile.

    The project handler replays them itself; this catches the race where, on another
    replica, the event was parked while the project's snapshot was being committed.
    """
    while True:
        try:
            async with runtime.uow() as uow:
                waiting = (await uow.session.execute(
                    select(parked_events.c.project_id).distinct()
                    .join(projects, projects.c.id == parked_events.c.project_id))).scalars().all()
                for project_id in waiting:
                    await replay_parked(uow, project_id)
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - retried on the next sweep
            log.warning("parked-event sweep failed", extra={"error": repr(exc)})
        await asyncio.sleep(SWEEP_INTERVAL_S)
