"""Stopping background tasks: a swallowed cancellation is delivered again; a task that never stops is given up."""
import asyncio

from fc_shared.tasks import cancel_and_wait


async def _swallows_the_first_cancel_then_loops(stopped: list[str]) -> None:
    """The shape of the hang seen in CI: library code eats the CancelledError, and the worker's loop goes on
    waiting under asyncio.timeout, which then reads its own expiry as the pending request (TimeoutError)."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        pass  # what the misbehaving library does
    try:
        while True:
            try:
                async with asyncio.timeout(0.05):
                    await asyncio.Event().wait()
            except TimeoutError:
                pass
    finally:
        stopped.append("stopped")


async def test_a_swallowed_cancellation_is_delivered_again():
    stopped: list[str] = []
    task = asyncio.create_task(_swallows_the_first_cancel_then_loops(stopped))
    await asyncio.sleep(0)  # let it start waiting
    left = await cancel_and_wait([task], grace_s=0.2, timeout_s=5)
    assert left == set() and task.cancelled() and stopped == ["stopped"]


async def test_clean_up_runs_within_the_grace_before_any_second_cancel():
    finished: list[str] = []

    async def cleans_up_slowly():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0.1)  # e.g. recording what was sent: a second cancel would cut it short
            finished.append("recorded")
            raise

    task = asyncio.create_task(cleans_up_slowly())
    await asyncio.sleep(0)
    assert await cancel_and_wait([task], grace_s=2, timeout_s=5) == set()
    assert finished == ["recorded"]


async def test_a_task_that_never_stops_is_given_up_after_the_bound():
    release = asyncio.Event()

    async def ignores_every_cancel():
        while not release.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                pass

    task = asyncio.create_task(ignores_every_cancel())
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    left = await cancel_and_wait([task], grace_s=0.05, timeout_s=0.3, repeat_every_s=0.05)
    assert left == {task} and not task.done() and loop.time() - started < 2
    release.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
