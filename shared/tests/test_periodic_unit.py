"""The background-job loop: ticks at once, on its interval, and at once again when woken."""
import asyncio
import time

from fc_shared.periodic import every


async def test_a_woken_job_ticks_at_once_instead_of_waiting_its_interval():
    ticks: list[float] = []
    wake = asyncio.Event()

    async def tick():
        ticks.append(time.monotonic())

    job = asyncio.create_task(every(3600, tick, name="test", wake=wake))
    try:
        deadline = time.monotonic() + 10
        while not ticks:  # the first tick runs at once
            assert time.monotonic() < deadline
            await asyncio.sleep(0)
        wake.set()
        while len(ticks) < 2:  # the interval is an hour: only the wake can bring the second tick
            assert time.monotonic() < deadline, "the woken job did not tick"
            await asyncio.sleep(0.01)
    finally:
        job.cancel()
    assert ticks[1] - ticks[0] < 10


async def test_a_failing_tick_waits_its_interval_even_when_woken():
    calls = 0
    wake = asyncio.Event()

    async def tick():
        nonlocal calls
        calls += 1
        wake.set()  # work keeps "arriving", but the tick keeps failing
        raise RuntimeError("database down")

    job = asyncio.create_task(every(3600, tick, name="test", wake=wake))
    try:
        for _ in range(50):
            await asyncio.sleep(0)
    finally:
        job.cancel()
    assert calls == 1, "a failing tick must not turn the loop into a hot spin"
