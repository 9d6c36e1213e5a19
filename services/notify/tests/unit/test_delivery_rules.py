"""Pure webhook delivery rules."""
import random
from datetime import UTC, datetime, timedelta

import pytest

from fc_notify.domain.delivery import (Outcome, classify, parse_retry_after, retry_delay, should_disable,
                                       signing_secrets, url_problem, wants)

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]


@pytest.mark.parametrize(("code", "latency", "outcome"), [
    (200, 0.1, Outcome.SUCCESS), (204, 14.9, Outcome.SUCCESS), (200, 15.1, Outcome.FAILURE),
    (301, 0.1, Outcome.FAILURE), (404, 0.1, Outcome.FAILURE), (500, 0.1, Outcome.FAILURE),
    (410, 0.1, Outcome.GONE), (None, 0.1, Outcome.FAILURE),
])
def test_only_a_timely_2xx_succeeds_and_410_is_gone(code, latency, outcome):
    assert classify(code, latency, 15.0) is outcome


def test_the_schedule_is_followed_then_given_up():
    assert [retry_delay(SCHEDULE, n) for n in range(1, 8)] == SCHEDULE[1:]
    assert retry_delay(SCHEDULE, 8) is None
    assert sum(SCHEDULE) >= 24 * 3600  # at least a day of patience


def test_jitter_stays_within_its_ratio_and_leaves_zero_alone():
    rng = random.Random(7)
    delays = [retry_delay(SCHEDULE, 2, jitter_ratio=0.1, rng=rng) for _ in range(200)]
    assert all(270 <= d <= 330 for d in delays) and len(set(delays)) > 100
    assert retry_delay([0, 0], 1, jitter_ratio=0.1) == 0


def test_retry_after_is_honoured_when_longer_and_capped():
    assert retry_delay(SCHEDULE, 1, retry_after_s=120) == 120
    assert retry_delay(SCHEDULE, 2, retry_after_s=10) == 300
    assert retry_delay(SCHEDULE, 1, retry_after_s=10**9, max_retry_after_s=86400) == 86400
    assert retry_delay(SCHEDULE, 8, retry_after_s=5) is None


def test_retry_after_reads_seconds_and_http_dates():
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after("Thu, 26 Nov 2026 03:10:00 GMT", NOW) == 600
    assert parse_retry_after("Thu, 26 Nov 2026 02:00:00 GMT", NOW) == 0
    assert parse_retry_after("soon", NOW) is None and parse_retry_after(None, NOW) is None


def test_an_endpoint_is_disabled_after_failing_continuously_for_the_window():
    window = timedelta(days=5)
    assert not should_disable(None, NOW, window)
    assert not should_disable(NOW - timedelta(days=4, hours=23), NOW, window)
    assert should_disable(NOW - window, NOW, window)


def test_both_secrets_sign_only_during_the_overlap():
    assert signing_secrets("new", "old", NOW + timedelta(seconds=1), NOW) == ["new", "old"]
    assert signing_secrets("new", "old", NOW, NOW) == ["new"]
    assert signing_secrets("new", None, None, NOW) == ["new"]


@pytest.mark.parametrize(("url", "ok"), [
    ("https://province.example/hook", True), ("http://127.0.0.1:8080/h?x=1", True),
    ("ftp://example.org/", False), ("javascript:alert(1)", False), ("https:///nohost", False),
    ("https://user:pw@example.org/", False), ("https://token@example.org/", False),
])
def test_endpoint_urls(url, ok):
    assert (url_problem(url) is None) is ok


def test_no_event_types_means_every_type():
    assert wants([], "fc.project.created")
    assert wants(["fc.project.created"], "fc.project.created")
    assert not wants(["fc.project.approved"], "fc.project.created")
