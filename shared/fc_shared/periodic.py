"""The one loop every background job runs: a tick now, then one every interval, until cancelled."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(interval_s: float, tick: Callable[[], Awaitable[object]], *, name: str) -> None:
    """Run ``tick()`` at once and then every ``interval_s`` seconds.

    A failing tick is logged and the next one runs on time: each job's work is idempotent and
    retried by the next round, so a database hiccup never ends the job.
    """
    while True:
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - retried on the next tick
            log.warning("background job tick failed", extra={"job": name, "error": repr(exc)}, exc_info=True)
        await asyncio.sleep(interval_s)
