"""Work summaries (§5.1: 每周、每半月、每月 工作总结). Periods and due dates. Pure rules, no I/O."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

PERIODS = ("weekly", "half_monthly", "monthly")


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """§5.1: the period containing ``day`` — a Monday–Sunday week, the 1st–15th / 16th–end, a month."""
    if period == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    if period == "half_monthly":
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), day.replace(day=last)
    if period == "monthly":
        return day.replace(day=1), day.replace(day=last)
    raise ValueError(f"unknown period {period!r}")


def is_period_start(period: str, day: date) -> bool:
    """§5.1: a summary names its period by the period's first day."""
    return period_bounds(period, day)[0] == day


def summary_due_on(period_end: date, grace_days: int) -> date:
    """§5.1: a summary is due ``grace_days`` after its period ends; missing after that it is overdue."""
    return period_end + timedelta(days=grace_days)


def periods_between(period: str, first_day: date, as_of: date) -> list[tuple[date, date]]:
    """§5.1: every period that began on or after the one containing ``first_day`` and ended before ``as_of``."""
    out = []
    start, end = period_bounds(period, first_day)
    while end < as_of:
        out.append((start, end))
        start, end = period_bounds(period, end + timedelta(days=1))
    return out


def overdue_periods(period: str, first_day: date, as_of: date, filed_starts: set[date],
                    grace_days: int) -> list[tuple[date, date, date]]:
    """§5.1: periods whose summary is missing after its due date → (start, end, due_on)."""
    return [(s, e, summary_due_on(e, grace_days)) for s, e in periods_between(period, first_day, as_of)
            if s not in filed_starts and summary_due_on(e, grace_days) < as_of]
