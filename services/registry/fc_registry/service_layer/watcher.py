"""Deadline watcher: approaching / breached alerts and the year-end check, each fired once.

Every followed deadline (creation, plan upload, special plan, summaries, problems and each approved
project's task-year end) is a row whose ``next_alert_on`` says when its next alert falls due. The
scan reads only rows due by ``as_of`` through a partial index on that column, so its cost follows
the alerts due, not the number of projects.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select, update

from fc_shared.db import insert_ignore
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import deadlines, fired_alerts, projects, special_plans, streets, work_summaries
from ..domain.dates import days_left
from ..domain.deadlines import alert_due, alert_fires, next_alert_on, special_plan_dates, year_end_check_on
from ..domain.lifecycle import year_end_announcement_due
from ..domain.summaries import PERIODS, period_bounds, summary_due_on
from .common import add_deadline, snapshot
from .config import RegistryConfig, get_config
from .work import OFFICE_FILER

BATCH = 500
YEAR_END = -1


def due_deadlines_query(as_of: date, limit: int = BATCH, postgres: bool = False):
    """The indexed scan: deadlines whose next alert falls due by ``as_of``."""
    query = (select(deadlines).where(deadlines.c.next_alert_on.is_not(None), deadlines.c.next_alert_on <= as_of)
             .order_by(deadlines.c.next_alert_on, deadlines.c.key).limit(limit))
    return query.with_for_update(skip_locked=True) if postgres else query


async def _fire(uow: UnitOfWork, key: str, threshold: int, as_of: date, emit: Callable[[], str]) -> bool:
    """Insert the (deadline, threshold) mark and the event in one transaction; False when it already fired."""
    marker = {"deadline_key": key, "threshold": threshold, "as_of": as_of, "event_id": "", "fired_at": utcnow()}
    if not await insert_ignore(uow.session, fired_alerts, marker, key=["deadline_key", "threshold"]):
        return False
    event_id = emit()
    await uow.session.execute(update(fired_alerts).where(fired_alerts.c.deadline_key == key,
                                                         fired_alerts.c.threshold == threshold).values(event_id=event_id))
    return True


async def ensure_periodic_deadlines(uow: UnitOfWork, as_of: date, cfg: RegistryConfig) -> None:
    """Follow this year's special-plan dates and every street's current and previous summary periods."""
    plan = (await uow.session.execute(select(special_plans).where(special_plans.c.year == as_of.year))).first()
    publish_due, approve_due = special_plan_dates(as_of.year)
    await add_deadline(uow, f"special_plan_publish:{as_of.year}", "special_plan_publish", publish_due, cfg.thresholds,
                       resolved=bool(plan and plan.published_on))
    await add_deadline(uow, f"special_plan_approve:{as_of.year}", "special_plan_approve", approve_due, cfg.thresholds,
                       resolved=bool(plan and plan.approved_on))
    filers = [(r.code, r.created_on)
              for r in (await uow.session.execute(select(streets.c.code, streets.c.created_on))).all()]
    # The office's own cadence (§5.1) is followed from its first filed summary on.
    office_since = (await uow.session.execute(select(func.min(work_summaries.c.period_start)).where(
        work_summaries.c.filer == OFFICE_FILER))).scalar()
    if office_since is not None:
        filers.append((OFFICE_FILER, office_since))
    for code, since in filers:
        for period in PERIODS:
            current = period_bounds(period, as_of)
            previous = period_bounds(period, current[0] - timedelta(days=1))
            for start, end in {current, previous}:
                if end < since:
                    continue
                filed = (await uow.session.execute(select(work_summaries.c.id).where(
                    work_summaries.c.filer == code, work_summaries.c.period == period,
                    work_summaries.c.period_start == start))).first()
                await add_deadline(uow, f"summary:{code}:{period}:{start}", "summary",
                                   summary_due_on(end, cfg.summary_grace_days), cfg.thresholds,
                                   street_code=None if code == OFFICE_FILER else code, resolved=filed is not None)


def _deadline_event(row, as_of: date, kind_of_alert: str, threshold: int) -> dict:
    data = {"deadline_key": row.key, "kind": row.kind, "project_id": row.project_id, "street_code": row.street_code,
            "due_on": row.due_on, "days_left": days_left(row.due_on, as_of)}
    if kind_of_alert == "approaching":
        data["threshold_days"] = threshold
    return data


async def scan(new_uow: Callable[[], UnitOfWork], as_of: date, *, postgres: bool = False) -> dict[str, int]:
    """Run the watcher as of a date; returns how many events of each type it emitted."""
    fired: Counter[str] = Counter()
    async with new_uow() as uow:
        cfg = await get_config(uow.session)
        await ensure_periodic_deadlines(uow, as_of, cfg)
        await uow.commit()
    thresholds = cfg.thresholds
    while True:
        async with new_uow() as uow:
            rows = (await uow.session.execute(due_deadlines_query(as_of, postgres=postgres))).all()
            if not rows:
                break
            for row in rows:
                if row.kind == "year_end":
                    if await _year_end(uow, row, as_of):
                        fired["fc.project.year_end_incomplete"] += 1
                    continue
                alert = alert_due(row.due_on, as_of, thresholds)
                if alert is not None and alert_fires(alert[1], row.last_threshold):
                    kind_of_alert, threshold = alert
                    event_type = f"fc.deadline.{kind_of_alert}"
                    subject = row.project_id or row.street_code or "district"
                    data = _deadline_event(row, as_of, kind_of_alert, threshold)
                    if await _fire(uow, row.key, threshold, as_of, lambda: uow.emit(event_type, subject, data).id):
                        fired[event_type] += 1
                        if row.kind == "summary" and kind_of_alert == "breached":
                            _, filer, period, start = row.key.split(":", 3)
                            start_on = date.fromisoformat(start)
                            uow.emit("fc.summary.overdue", filer, {
                                "street_code": None if filer == OFFICE_FILER else filer, "filer": filer,
                                "period": period, "period_start": start_on,
                                "period_end": period_bounds(period, start_on)[1], "due_on": row.due_on})
                            fired["fc.summary.overdue"] += 1
                    last = threshold
                else:
                    last = row.last_threshold
                nxt = next_alert_on(row.due_on, last, thresholds)
                if nxt is not None and nxt <= as_of and alert is None:
                    nxt = None
                await uow.session.execute(update(deadlines).where(deadlines.c.key == row.key)
                                          .values(last_threshold=last, next_alert_on=nxt))
            await uow.commit()
    return dict(fired)




async def _year_end(uow: UnitOfWork, row, as_of: date) -> bool:
    """F4: once a task year has ended, a project neither accepted by 31 December nor cancelled is announced, once."""
    check_on = year_end_check_on(row.due_on)
    if as_of < check_on:
        await uow.session.execute(update(deadlines).where(deadlines.c.key == row.key).values(next_alert_on=check_on))
        return False
    await uow.session.execute(update(deadlines).where(deadlines.c.key == row.key)
                              .values(next_alert_on=None, last_threshold=YEAR_END))
    project = (await uow.session.execute(select(projects).where(projects.c.id == row.project_id))).first()
    if project is None or project.task_year is None or not year_end_announcement_due(
            row.due_on.year, as_of, project.state, project.accepted_on):
        return False
    data = {**snapshot(project), "year": row.due_on.year}
    return await _fire(uow, row.key, YEAR_END, as_of,
                       lambda: uow.emit("fc.project.year_end_incomplete", project.id, data).id)
