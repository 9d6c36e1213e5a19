"""Stopping background tasks for certain.

``task.cancel()`` delivers one ``CancelledError``. Library code that catches it without re-raising (seen
with the Kafka and database clients the workers use, and with ``asyncio.wait_for`` on Python 3.11) leaves
the task running with a cancel request that nothing will deliver again: its next ``asyncio.timeout`` then
treats its own expiry as the pending request and turns it into a ``TimeoutError``, and the loop goes on
forever — a service that never finishes shutting down. So the request is repeated until the task ends,
and the wait is bounded: what is still running after ``timeout_s`` is logged with its stack and left
behind (stopping short is no worse than kill -9, which the outbox and inbox already make harmless).
"""
from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


async def cancel_and_wait(tasks: Iterable[asyncio.Task], *, grace_s: float = 5.0, timeout_s: float = 20.0,
                          repeat_every_s: float = 0.25) -> set[asyncio.Task]:
    """Cancel ``tasks`` and wait until each has ended. A task still running after ``grace_s`` (time for
    its own clean-up: closing clients, recording what it sent) is cancelled again every ``repeat_every_s``
    seconds; returns the tasks still running after ``timeout_s`` (logged, with their stacks)."""
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    if pending:
        _, pending = await asyncio.wait(pending, timeout=min(grace_s, timeout_s))
    while pending and (left := deadline - loop.time()) > 0:
        for task in pending:
            task.cancel()  # the first request was swallowed (see above): deliver it again
        _, pending = await asyncio.wait(pending, timeout=min(repeat_every_s, left))
    for task in pending:
        stack = io.StringIO()
        task.print_stack(file=stack)
        log.error("task did not stop", extra={"task": task.get_name(), "stack": stack.getvalue()[-2000:]})
    return pending
