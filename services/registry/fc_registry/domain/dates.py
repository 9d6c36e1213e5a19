"""Day counting as the Civil Code counts it (民法典 §201–§203). Pure functions."""
from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """民法典 §202: a period in months ends on the corresponding day of the final month, or its last day."""
    if months < 0:
        raise ValueError("a period cannot be negative")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_years(start: date, years: int) -> date:
    """民法典 §202: a period in years ends on the corresponding day (2024-02-29 + 1 year → 2025-02-28)."""
    return add_months(start, 12 * years)


def days_left(due_on: date, as_of: date) -> int:
    """Whole days from ``as_of`` to ``due_on`` (negative once the deadline has passed)."""
    return (due_on - as_of).days
