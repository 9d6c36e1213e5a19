"""The district's clock: the one place in the platform that reads the wall clock.

"Today" is the date in the district's time zone (``FC_TIMEZONE``, default
``Asia/Shanghai``): approvals recorded without a date, the daily deadline watcher,
the year close, the bulletin's "has this month ended" all read it here, never
``date.today()`` on the server's own zone. ``FC_TODAY`` pins the district's day for
demonstrations, training and tests; it is refused outside development (see
``PlatformSettings``). Timestamps (``utcnow``) always follow the real clock: they
record when something happened.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def utcnow() -> datetime:
    """The real instant, timezone-aware UTC."""
    return datetime.now(UTC)


class Clock:
    """The district's calendar day, optionally pinned to one date."""

    def __init__(self, timezone: str = DEFAULT_TIMEZONE, pinned: date | None = None) -> None:
        self.zone = ZoneInfo(timezone)
        self.pinned = pinned

    @classmethod
    def of(cls, platform) -> "Clock":
        """The clock a service's ``PlatformSettings`` describe."""
        return cls(platform.timezone, platform.today)

    def today(self) -> date:
        return self.pinned if self.pinned is not None else utcnow().astimezone(self.zone).date()

    def year(self) -> int:
        return self.today().year

    def day_of(self, instant: datetime) -> date:
        """The district's date of a moment (an event's time); with a pinned day, every moment of it."""
        if self.pinned is not None:
            return self.pinned
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        return instant.astimezone(self.zone).date()
