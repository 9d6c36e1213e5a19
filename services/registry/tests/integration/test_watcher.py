"""The deadline watcher fires each alert once per deadline and threshold, however often it runs."""
import asyncio

import pytest

from fc_devtools.testing import auth

OFFICE = auth("district_office")


async def _scan(client, as_of: str) -> dict:
    r = await client.post("/api/v1/deadlines/scan", json={"as_of": as_of}, headers=OFFICE)
    assert r.status_code == 200, r.text
    return r.json()["fired"]


async def _alerts(outbox, app, project_id):
    events = [e for e in await outbox(app, key=project_id) if e["type"].startswith("fc.deadline.")]
    return [(e["type"].rsplit(".", 1)[1], e["data"]["kind"], e["data"].get("threshold_days")) for e in events]


async def test_creation_and_plan_deadlines_fire_once_per_threshold(client, world, outbox):
    street = await world.street()
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    pid = p["id"]
    assert p["creation_deadline"] == "2025-03-01"
    await _scan(client, "2024-03-02")  # plan upload due 2024-03-31: 29 days left → the 30-day alert
    await _scan(client, "2024-03-02")
    assert await _alerts(outbox, client.app, pid) == [("approaching", "plan_upload", 30)]
    await _scan(client, "2025-01-30")  # 30 days before the creation deadline; plans now missing → breach
    await _scan(client, "2025-01-30")
    await _scan(client, "2025-02-22")  # 7 days
    await _scan(client, "2025-03-01")  # due today → 1-day alert, not yet breached
    await _scan(client, "2025-03-02")  # breached
    for _ in range(3):
        await _scan(client, "2025-03-05")
    alerts = await _alerts(outbox, client.app, pid)
    assert alerts == [("approaching", "plan_upload", 30), ("breached", "plan_upload", None),
                      ("approaching", "creation", 30), ("approaching", "creation", 7),
                      ("approaching", "creation", 1), ("breached", "creation", None)]
    breach = [e for e in await outbox(client.app, "fc.deadline.breached", pid) if e["data"]["kind"] == "creation"][0]
    assert breach["data"]["deadline_key"] == f"creation:{pid}" and breach["data"]["due_on"] == "2025-03-01"
    assert breach["data"]["days_left"] == -1 and breach["data"]["street_code"] == street
    listed = (await client.get("/api/v1/deadlines", params={"project_id": pid, "as_of": "2025-06-01",
                                                          "breached": True}, headers=OFFICE)).json()["items"]
    assert {d["kind"] for d in listed} == {"creation", "plan_upload"}  # a breach stays visible until resolved


async def test_concurrent_scans_fire_once_and_year_end_fires_once(client, world, outbox):
    street = await world.street()
    p = await world.approved(street, on="2024-06-10", created_on="2024-01-01")
    pid = p["id"]
    assert p["task_year"] == 2025
    results = await asyncio.gather(*[client.post("/api/v1/deadlines/scan", json={"as_of": "2025-05-20"},
                                                 headers=OFFICE) for _ in range(3)])
    assert all(r.status_code == 200 for r in results)
    assert [a for a in await _alerts(outbox, client.app, pid) if a[1] == "creation"] == [("approaching", "creation", 30)]
    await _scan(client, "2025-12-30")
    assert await outbox(client.app, "fc.project.year_end_incomplete", pid) == []
    # F4: 31 December is still inside the task year; the announcement comes from 1 January on.
    await _scan(client, "2025-12-31")
    assert await outbox(client.app, "fc.project.year_end_incomplete", pid) == []
    fired = await _scan(client, "2026-01-01")
    assert fired.get("fc.project.year_end_incomplete", 0) == 1
    await _scan(client, "2026-01-02")
    events = await outbox(client.app, "fc.project.year_end_incomplete", pid)
    assert len(events) == 1 and events[0]["data"]["year"] == 2025 and events[0]["data"]["task_year"] == 2025
    assert events[0]["data"]["state"] == "approved"


async def test_thresholds_are_configurable(client, world, outbox):
    street = await world.street()
    r = await client.patch("/api/v1/config", json={"alert_thresholds_days": [60, 14]}, headers=OFFICE)
    assert r.status_code == 200 and r.json()["alert_thresholds_days"] == [60, 14]
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    await _scan(client, "2025-01-01")  # 59 days before 2025-03-01
    await _scan(client, "2025-02-20")  # 9 days: the 14-day alert
    creation = [a for a in await _alerts(outbox, client.app, p["id"]) if a[1] == "creation"]
    assert creation == [("approaching", "creation", 60), ("approaching", "creation", 14)]
    bad = await client.patch("/api/v1/config", json={"alert_thresholds_days": [0]}, headers=OFFICE)
    assert bad.status_code == 422
    assert (await client.patch("/api/v1/config", json={"rag_red_days": 3}, headers=auth("auditor"))).status_code == 403


async def test_special_plan_summary_and_problem_deadlines(client, world, outbox):
    street = await world.street()
    own = auth("street", street_code=street)
    await _scan(client, "2026-07-25")
    publish = [e for e in await outbox(client.app, "fc.deadline.approaching")
               if e["data"]["deadline_key"] == "special_plan_publish:2026"]
    assert [e["data"]["threshold_days"] for e in publish] == [7]
    r = await client.put("/api/v1/special-plans/2026", json={"published_on": "2026-07-28"}, headers=OFFICE)
    assert r.status_code == 200
    await _scan(client, "2026-08-20")
    breached = {e["data"]["deadline_key"] for e in await outbox(client.app, "fc.deadline.breached")}
    assert "special_plan_approve:2026" in breached and "special_plan_publish:2026" not in breached
    targets = (await client.get("/api/v1/targets", params={"year": 2026, "as_of": "2026-08-20"}, headers=OFFICE)).json()
    assert targets["special_plan_publish"]["status"] == "met"
    assert targets["special_plan_approve"]["status"] == "missed"

    problem = await client.post("/api/v1/problems", headers=own, json={
        "street_code": street, "text": "管线迁改滞后", "owner_department": "housing", "due_on": "2099-01-10"})
    assert problem.status_code == 201
    pid = problem.json()["id"]
    await _scan(client, "2099-01-11")
    assert [e for e in await outbox(client.app, "fc.deadline.breached") if e["data"]["deadline_key"] == f"problem:{pid}"]
    closed = await client.post(f"/api/v1/problems/{pid}/close", json={"note": "已完成"},
                               headers=auth("department", department_code="housing"))
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert await outbox(client.app, "fc.problem.closed", street)


@pytest.mark.calendar
async def test_the_watcher_runs_by_itself(client, world, outbox):
    """The job registered in ServiceSpec.jobs scans as of today on its own, then sleeps until the next day."""
    from fc_registry.entrypoints.jobs import deadline_watcher
    from fc_registry.main import build_spec
    from fc_devtools.testing import async_wait_until

    assert deadline_watcher in build_spec().jobs
    p = await world.approved(await world.street(), on="2023-03-01", created_on="2023-01-01")
    runtime = client.app.state.runtime
    runtime.settings.watcher_enabled = True
    job = asyncio.create_task(deadline_watcher(runtime))
    try:
        async def breached():
            return [e for e in await outbox(client.app, "fc.deadline.breached", p["id"]) if e["data"]["kind"] == "creation"]
        events = await async_wait_until(breached, 60, message="the job's own scan fired the breach")
    finally:
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)
    assert len(events) == 1 and events[0]["data"]["due_on"] == "2024-03-01"


async def test_one_batch_fires_many_alerts_in_a_few_statements_and_skips_a_mark_already_there(client, world, outbox):
    """The scan writes a batch set-based (issue 15): each alert's mark carries its event's id, a mark another scan
    already wrote raises no second event yet moves its deadline on, the audit log records the marks and the
    deadlines' new schedule, and the statements do not grow with the number of alerts."""
    from datetime import UTC, date, datetime

    from sqlalchemy import event, insert, select

    from fc_registry.adapters.tables import deadlines, fired_alerts, spine

    street = await world.street()
    pids = [(await world.approved(street, on="2024-03-01", created_on="2024-01-01"))["id"] for _ in range(6)]
    runtime = client.app.state.runtime
    async with runtime.sessions() as s, s.begin():
        await s.execute(insert(fired_alerts).values(deadline_key=f"plan_upload:{pids[0]}", threshold=30,
                                                    as_of=date(2024, 3, 1), event_id="fired-elsewhere",
                                                    fired_at=datetime.now(UTC)))
    statements: list[str] = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", _count)
    try:
        fired = await _scan(client, "2024-03-02")  # every plan upload: 30-day alert
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", _count)
    assert fired == {"fc.deadline.approaching": 5}
    assert await _alerts(outbox, client.app, pids[0]) == []
    async with runtime.sessions() as s:
        marks = {r.deadline_key: r.event_id for r in (await s.execute(select(fired_alerts))).all()}
        schedule = {r.key: (r.last_threshold, r.next_alert_on) for r in (await s.execute(
            select(deadlines).where(deadlines.c.key.in_([f"plan_upload:{p}" for p in pids])))).all()}
        logged = (await s.execute(select(spine.audit.c.resource, spine.audit.c.action, spine.audit.c.resource_id)
                                  .where(spine.audit.c.resource.in_(["fired_alerts", "deadlines"])))).all()
    for pid in pids[1:]:
        (alert,) = [e for e in await outbox(client.app, "fc.deadline.approaching", pid)]
        assert marks[f"plan_upload:{pid}"] == alert["id"]
    assert marks[f"plan_upload:{pids[0]}"] == "fired-elsewhere"
    # All six move on to the 7-day alert, the one fired elsewhere too.
    assert set(schedule.values()) == {(30, date(2024, 3, 24))}
    assert sorted(r.resource_id for r in logged if r.resource == "fired_alerts" and r.action == "create") == sorted(
        f"plan_upload:{p}/30" for p in pids[1:])
    assert sorted(r.resource_id for r in logged if r.resource == "deadlines" and r.action == "update"
                  and r.resource_id.startswith("plan_upload:")) == sorted(f"plan_upload:{p}" for p in pids)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT INTO FIRED", "UPDATE DEADLINES"))]
    assert len(writes) == 2, writes  # one INSERT of the marks, one UPDATE of the schedule: not one per alert
