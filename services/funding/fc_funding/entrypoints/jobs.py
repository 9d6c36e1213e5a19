"""Background jobs."""
from __future__ import annotations

from fc_shared.periodic import every

from ..service_layer.projection import replay_arrived

SWEEP_INTERVAL_S = 30


async def sweep_parked_events(runtime) -> None:
    """Replay parked events whose project has arrived meanwhile.

    The project handler replays them itself; this catches the race where, on another
    replica, the event was parked while the project's snapshot was being committed.
    """
    async def sweep() -> None:
        async with runtime.uow() as uow:
            await replay_arrived(uow)
            await uow.commit()

    await every(SWEEP_INTERVAL_S, sweep, name="parked-event sweep")
