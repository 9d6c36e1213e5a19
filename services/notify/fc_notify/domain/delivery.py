"""Webhook delivery rules (Standard Webhooks; ARCHITECTURE.md § Webhooks out). Pure: no I/O."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    GONE = "gone"


def classify(status_code: int | None, latency_s: float, timeout_s: float) -> Outcome:
    """§Webhooks: a 2xx answered within the timeout is success, 410 Gone disables, anything else fails."""
    if status_code is None or latency_s > timeout_s:
        return Outcome.FAILURE
    if 200 <= status_code < 300:
        return Outcome.SUCCESS
    if status_code == 410:
        return Outcome.GONE
    return Outcome.FAILURE


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """§Webhooks: ``Retry-After`` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def retry_delay(schedule: list[float], attempts_made: int, *, retry_after_s: float | None = None,
                max_retry_after_s: float = 86400.0, jitter_ratio: float = 0.0,
                rng: random.Random | None = None) -> float | None:
    """§Webhooks: seconds until the next attempt after ``attempts_made`` attempts, None when the schedule is spent.

    The scheduled delay gets ± ``jitter_ratio`` jitter; a ``Retry-After`` longer than that (capped) wins.
    """
    if attempts_made >= len(schedule):
        return None
    delay = float(schedule[attempts_made])
    if jitter_ratio and delay:
        delay *= 1 + (rng or random).uniform(-jitter_ratio, jitter_ratio)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, max_retry_after_s))
    return max(0.0, delay)


def first_attempt_delay(schedule: list[float]) -> float:
    """§Webhooks: the first entry of the schedule is the wait before the first attempt (0 s by default)."""
    return float(schedule[0]) if schedule else 0.0


def should_disable(failing_since: datetime | None, now: datetime, disable_after: timedelta) -> bool:
    """§Webhooks: an endpoint failing continuously for ``disable_after`` (5 days by default) is disabled."""
    return failing_since is not None and now - failing_since >= disable_after


def signing_secrets(current: str, previous: str | None, previous_until: datetime | None, now: datetime) -> list[str]:
    """§Webhooks: during a rotation's overlap both secrets sign (space-separated signatures), the new one first."""
    if previous and previous_until is not None and now < previous_until:
        return [current, previous]
    return [current]


def wants(event_types: list[str], event_type: str) -> bool:
    """A subscription with no event types receives every type."""
    return not event_types or event_type in event_types


def url_problem(url: str) -> str | None:
    """§Bad input: only http(s) URLs with a host and without credentials are accepted as endpoints."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "the URL must be http or https"
    if not parts.hostname:
        return "the URL needs a host"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "the URL must not carry credentials"
    return None


@dataclass(frozen=True)
class AttemptResult:
    """What one HTTP attempt saw."""

    status_code: int | None
    latency_ms: int
    excerpt: str
    error: str | None
    retry_after: str | None = None
