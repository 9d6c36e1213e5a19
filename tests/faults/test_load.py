"""Bounded load: 90 s at 30 req/s of mixed reads and writes (bench/load.py) with no errors and no memory growth.

Not a timing test: latencies are printed (run with -s), only errors and resident memory are asserted.
"""
from __future__ import annotations

import pytest

from bench.load import report, run_load
from fc_devtools.testing import TEST_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

RATE, DURATION, WARMUP = 30.0, 90.0, 20.0
MIB = 1024  # KiB


def test_a_steady_mixed_load_has_no_errors_and_memory_does_not_grow(platform):
    urls = {name: svc.url for name, svc in platform.services.items()}
    pids = {name: svc.proc.pid for name, svc in platform.services.items()}
    figures = run_load(urls, pids, RATE, DURATION, warmup=WARMUP, secret=TEST_SECRET)
    print("\n" + report(figures))

    assert figures["warmup_errors"] == 0, figures["warmup_error_samples"]
    assert figures["errors"] == 0, figures["error_samples"]
    for name, rss in figures["rss_kib"].items():
        assert rss["end"] <= 1.3 * rss["start"] + 30 * MIB, f"{name} grew from {rss['start']} to {rss['end']} KiB"
    for name, svc in platform.services.items():
        assert svc.proc.poll() is None, f"{name} exited under load"
