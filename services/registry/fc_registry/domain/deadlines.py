"""Deadlines, alert thresholds and the red/amber/green board colours. Pure rules, no I/O."""
from __future__ import annotations

from datetime import date, timedelta

from .dates import days_left

DEFAULT_THRESHOLDS = (30, 7, 1)
BREACHED = 0  # the threshold value recorded for the one breach alert
PLAN_UPLOAD_DAYS = 30
KINDS = ("creation", "plan_upload", "special_plan_publish", "special_plan_approve", "summary", "problem")


def alert_due(due_on: date, as_of: date, thresholds: tuple[int, ...]) -> tuple[str, int] | None:
    """§ Targets: which alert is due as of a date — ("breached", 0) after the due date, else the tightest
    threshold reached ("approaching", t), else None. Skipped wider thresholds are not fired late."""
    left = days_left(due_on, as_of)
    if left < 0:
        return ("breached", BREACHED)
    reached = [t for t in thresholds if left <= t]
    return ("approaching", min(reached)) if reached else None


def alert_fires(threshold: int, last_threshold: int | None) -> bool:
    """§ Targets: each alert fires once per deadline and threshold — only one tighter than the last fired
    (or the breach, once) is new."""
    return last_threshold is None or threshold < last_threshold or (threshold == BREACHED and
                                                                   last_threshold != BREACHED)


def next_alert_on(due_on: date, after_threshold: int | None, thresholds: tuple[int, ...]) -> date | None:
    """§ Targets: the first date on which the next alert after ``after_threshold`` falls due (None: all fired).

    ``after_threshold`` None means nothing fired yet; 0 means the breach fired (nothing follows).
    """
    if after_threshold == BREACHED:
        return None
    pending = sorted((t for t in thresholds if after_threshold is None or t < after_threshold), reverse=True)
    if pending:
        return due_on - timedelta(days=pending[0])
    return due_on + timedelta(days=1)


def plan_upload_due(submitted_on: date, days: int = PLAN_UPLOAD_DAYS) -> date:
    """§4.2 申报后及时编制: the application and implementation plans are due 30 days after submission (configurable)."""
    return submitted_on + timedelta(days=days)


def year_end_check_on(year_end: date) -> date:
    """F4: the year-end check runs once the task year has ended, i.e. from 1 January of the next year."""
    return year_end + timedelta(days=1)


def special_plan_dates(year: int) -> tuple[date, date]:
    """§5.2: the special plan is published by 31 July and approved by 15 August."""
    return date(year, 7, 31), date(year, 8, 15)


def rag(left: int | None, amber_days: int = 30, red_days: int = 7) -> str:
    """§5.6 挂图作战: red when breached or within ``red_days``, amber within ``amber_days``, else green."""
    if left is None:
        return "green"
    if left <= red_days:
        return "red"
    if left <= amber_days:
        return "amber"
    return "green"


def normalise_thresholds(values: list[int]) -> tuple[int, ...]:
    """§ Targets (configurable): distinct positive day counts, widest first."""
    cleaned = sorted({int(v) for v in values}, reverse=True)
    if not cleaned or cleaned[-1] < 1:
        raise ValueError("thresholds must be positive whole days")
    return tuple(cleaned)
