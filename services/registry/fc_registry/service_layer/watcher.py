"""Deadline watcher: approaching / breached alerts and the year-end check, each fired once.

Every followed deadline (creation, plan upload, special plan, summaries, problems and each approved
project's task-year end) is a row whose ``next_alert_on`` says when its next alert falls due. The
scan reads only rows due by ``as_of`` through a partial index on that column, so its cost follows
the alerts due, not the number of projects.
"""
from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select, update

from fc_shared.db import insert_ignore_many
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import deadlines, fired_alerts, projects, special_plans, streets, work_summaries
from ..domain.dates import days_left
from ..domain.deadlines import alert_due, alert_fires, next_alert_on, special_plan_dates, year_end_check_on
from ..domain.lifecycle import year_end_announcement_due
from ..domain.summaries import PERIODS, period_bounds, summary_due_on
from .common import add_deadlines, deadline_row, snapshot
from .config import RegistryConfig, get_config
from .work import OFFICE_FILER

BATCH = 500
YEAR_END = -1


def due_deadlines_query(as_of: date, limit: int = BATCH, postgres: bool = False):
    """The indexed scan: deadlines whose next alert falls due by ``as_of``."""
    query = (select(deadlines).where(deadlines.c.next_alert_on.is_not(None), deadlines.c.next_alert_on <= as_of)
             .order_by(deadlines.c.next_alert_on, deadlines.c.key).limit(limit))
    return query.with_for_update(skip_locked=True) if postgres else query


async def ensure_periodic_deadlines(uow: UnitOfWork, as_of: date, cfg: RegistryConfig) -> None:
    """Follow this year's special-plan dates and every street's current and previous summary periods (read and
    written in a few statements, however many streets)."""
    plan = (await uow.session.execute(select(special_plans).where(special_plans.c.year == as_of.year))).first()
    publish_due, approve_due = special_plan_dates(as_of.year)
    rows = [deadline_row(f"special_plan_publish:{as_of.year}", "special_plan_publish", publish_due, cfg.thresholds,
                         resolved=bool(plan and plan.published_on)),
            deadline_row(f"special_plan_approve:{as_of.year}", "special_plan_approve", approve_due, cfg.thresholds,
                         resolved=bool(plan and plan.approved_on))]
    filers = [(r.code, r.created_on)
              for r in (await uow.session.execute(select(streets.c.code, streets.c.created_on))).all()]
    # The office's own cadence (§5.1) is followed from its first filed summary on.
    office_since = (await uow.session.execute(select(func.min(work_summaries.c.period_start)).where(
        work_summaries.c.filer == OFFICE_FILER))).scalar()
    if office_since is not None:
        filers.append((OFFICE_FILER, office_since))
    periods = []
    for code, since in filers:
        for period in PERIODS:
            current = period_bounds(period, as_of)
            previous = period_bounds(period, current[0] - timedelta(days=1))
            periods += [(code, period, start, end) for start, end in sorted({current, previous}) if end >= since]
    filed = {tuple(r) for r in (await uow.session.execute(
        select(work_summaries.c.filer, work_summaries.c.period, work_summaries.c.period_start).where(
            work_summaries.c.period_start.in_(sorted({p[2] for p in periods}))))).all()} if periods else set()
    rows += [deadline_row(f"summary:{code}:{period}:{start}", "summary", summary_due_on(end, cfg.summary_grace_days),
                          cfg.thresholds, street_code=None if code == OFFICE_FILER else code,
                          resolved=(code, period, start) in filed)
             for code, period, start, end in periods]
    await add_deadlines(uow, rows)


def _deadline_event(row, as_of: date, kind_of_alert: str, threshold: int) -> dict:
    data = {"deadline_key": row.key, "kind": row.kind, "project_id": row.project_id, "street_code": row.street_code,
            "due_on": row.due_on, "days_left": days_left(row.due_on, as_of)}
    if kind_of_alert == "approaching":
        data["threshold_days"] = threshold
    return data


@dataclass
class _Alert:
    """One alert a batch would fire: its (deadline, threshold) mark and the events it raises, in order; the mark
    carries the first event's id."""

    key: str
    threshold: int
    events: list[tuple[str, str, dict]]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


async def scan(new_uow: Callable[[], UnitOfWork], as_of: date, *, postgres: bool = False) -> dict[str, int]:
    """Run the watcher as of a date; returns how many events of each type it emitted."""
    fired: Counter[str] = Counter()
    async with new_uow() as uow:
        cfg = await get_config(uow.session)
        await ensure_periodic_deadlines(uow, as_of, cfg)
        await uow.commit()
    while True:
        async with new_uow() as uow:
            rows = (await uow.session.execute(due_deadlines_query(as_of, postgres=postgres))).all()
            if not rows:
                break
            fired.update(await _scan_batch(uow, rows, as_of, cfg.thresholds))
            await uow.commit()
    return dict(fired)


async def _scan_batch(uow: UnitOfWork, rows, as_of: date, thresholds) -> Counter[str]:
    """One batch of due deadlines in a few statements whatever its size (issue 15: one round trip per alert made
    the whole scan over 1,000,000 projects 5 s): the projects of the year-end rows read at once, every fired
    mark inserted at once (a mark already there means another scan fired it: its events are not raised again),
    every deadline's next alert set by one UPDATE per schedule."""
    year_end_ids = [r.project_id for r in rows if r.kind == "year_end" and as_of >= year_end_check_on(r.due_on)]
    by_id = {p.id: p for p in (await uow.session.execute(
        select(projects).where(projects.c.id.in_(year_end_ids)))).all()} if year_end_ids else {}
    alerts: list[_Alert] = []
    schedule: dict[str, tuple[int | None, date | None]] = {}
    for row in rows:
        if row.kind == "year_end":
            alert, schedule[row.key] = _year_end(row, by_id.get(row.project_id), as_of)
        else:
            alert, schedule[row.key] = _deadline_alert(row, as_of, thresholds)
        if alert is not None:
            alerts.append(alert)
    now = utcnow()
    fresh = await insert_ignore_many(uow.session, fired_alerts, [
        {"deadline_key": a.key, "threshold": a.threshold, "as_of": as_of, "event_id": a.event_id, "fired_at": now}
        for a in alerts], key=["deadline_key", "threshold"])
    fired: Counter[str] = Counter()
    for alert in alerts:
        if (alert.key, alert.threshold) not in fresh:
            continue
        for i, (event_type, subject, data) in enumerate(alert.events):
            uow.emit(event_type, subject, data, event_id=alert.event_id if i == 0 else None)
            fired[event_type] += 1
    groups: dict[tuple[int | None, date | None], list[str]] = {}
    for key, after in schedule.items():
        groups.setdefault(after, []).append(key)
    for (last, nxt), keys in groups.items():  # a daily scan's rows share a few schedules (one per threshold)
        await uow.session.execute(update(deadlines).where(deadlines.c.key.in_(keys))
                                  .values(last_threshold=last, next_alert_on=nxt))
    return fired


def _deadline_alert(row, as_of: date, thresholds) -> tuple[_Alert | None, tuple[int | None, date | None]]:
    """The alert a followed deadline fires as of a date, if any, and its (last threshold, next alert) after it."""
    alert = alert_due(row.due_on, as_of, thresholds)
    fires = None
    if alert is not None and alert_fires(alert[1], row.last_threshold):
        kind_of_alert, threshold = alert
        events = [(f"fc.deadline.{kind_of_alert}", row.project_id or row.street_code or "district",
                   _deadline_event(row, as_of, kind_of_alert, threshold))]
        if row.kind == "summary" and kind_of_alert == "breached":
            _, filer, period, start = row.key.split(":", 3)
            start_on = date.fromisoformat(start)
            events.append(("fc.summary.overdue", filer, {
                "street_code": None if filer == OFFICE_FILER else filer, "filer": filer, "period": period,
                "period_start": start_on, "period_end": period_bounds(period, start_on)[1], "due_on": row.due_on}))
        fires, last = _Alert(row.key, threshold, events), threshold
    else:
        last = row.last_threshold
    nxt = next_alert_on(row.due_on, last, thresholds)
    if nxt is not None and nxt <= as_of and alert is None:
        nxt = None
    return fires, (last, nxt)


def _year_end(row, project, as_of: date) -> tuple[_Alert | None, tuple[int | None, date | None]]:
    """F4: once a task year has ended, a project neither accepted by 31 December nor cancelled is announced, once."""
    check_on = year_end_check_on(row.due_on)
    if as_of < check_on:
        return None, (row.last_threshold, check_on)
    if project is None or project.task_year is None or not year_end_announcement_due(
            row.due_on.year, as_of, project.state, project.accepted_on):
        return None, (YEAR_END, None)
    data = {**snapshot(project), "year": row.due_on.year}
    return _Alert(row.key, YEAR_END, [("fc.project.year_end_incomplete", project.id, data)]), (YEAR_END, None)
