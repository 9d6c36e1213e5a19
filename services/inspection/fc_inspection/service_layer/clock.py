"""The district's "today" for inspection (bulletins publish only months that have ended)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def inspection_today(runtime) -> date:
    return datetime.now(ZoneInfo(getattr(runtime.settings, "timezone", "Asia/Shanghai"))).date()
