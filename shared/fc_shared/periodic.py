"""The one loop every background job runs: a tick now, then one every interval, until cancelled."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(interval_s: float, tick: Callable[[], Awaitable[object]], *, name: str,
                wake: asyncio.Event | None = None) -> None:
    """Run ``tick()`` at once and then every ``interval_s`` seconds — or sooner, as soon as ``wake`` is set
    (work arrived): the interval is then only the fallback for work nobody announced.

    A failing tick is logged and the next one runs on time: each job's work is idempotent and
    retried by the next round, so a database hiccup never ends the job.
    """
    while True:
        if wake is not None:
            wake.clear()  # set again during the tick: the next one runs at once
        failed = False
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - retried on the next tick
            failed = True
            log.warning("background job tick failed", extra={"job": name, "error": repr(exc)}, exc_info=True)
        if wake is None or failed:  # a failing tick waits the interval even when woken: no hot loop
            await asyncio.sleep(interval_s)
        else:
            try:  # asyncio.timeout: wait_for (3.11) may swallow a cancellation that meets the wake-up
                async with asyncio.timeout(interval_s):
                    await wake.wait()
            except TimeoutError:
                pass
