"""Monthly bulletin from projections fed by registry and funding events; frozen once published; annual roll-up."""
import io
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from fc_devtools.testing import Broker, app_client, auth

OFFICE = auth("district_office")


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """This module's own broker: a bulletin ranks every street inspection has heard of, so the streets other
    tests put on the session's broker (the sample district, for one) must not reach it."""
    b = Broker(tmp_path_factory.mktemp("bulletin-broker"))
    b.start()
    yield b
    b.kill()


@pytest.mark.calendar
async def test_bulletin_ranks_every_street_and_is_frozen(inspection_app, kit, district_today):
    app = inspection_app
    # the month before this one: a bulletin is published once its month has ended
    today = district_today.replace(day=1) - timedelta(days=1)
    month = today.strftime("%Y-%m")
    async with app_client(app) as client:
        a = await kit.approved_project(app, recorded=False)  # approved: stage 4/8
        b = await kit.approved_project(app, state="accepted", accepted_level="city", recorded=False)  # stage 7/8
        c = kit.street()
        reg, fund = kit.registry_event, kit.funding_event

        def milestone(p, actual):
            return reg("fc.project.milestone_updated", p.id, {
                **kit.snapshot(p.id, p.street, "approved"), "milestone_id": str(uuid.uuid4()), "title": "主体完工",
                "planned_on": today.isoformat(), "actual_on": actual}, time=today.isoformat())

        def problem(p, type_, pid):
            day = "opened_on" if type_ == "fc.problem.opened" else "closed_on"
            return reg(type_, p.id, {"problem_id": pid, "street_code": p.street, "project_id": p.id,
                                     "owner_department": "housing", "due_on": today.isoformat(), "text": "进度滞后",
                                     "source": "summary", day: today.isoformat()})

        closed, open_ = str(uuid.uuid4()), str(uuid.uuid4())
        await kit.produce(app,
            reg("fc.street.created", c, {"street_code": c, "name": "无项目街道", "kind": "town"}),
            milestone(a, today.isoformat()), milestone(a, None),
            problem(a, "fc.problem.opened", closed), problem(a, "fc.problem.closed", closed),
            problem(b, "fc.problem.opened", open_),
            fund("fc.capital_plan.updated", a.id, {"project_id": a.id, "street_code": a.street,
                                                   "construction_total_fen": 10_000_000, "operating_balance_fen": 0,
                                                   "balanced": True}, time=today.isoformat()),
            *[fund("fc.expenditure.reported", a.id, {"project_id": a.id, "street_code": a.street, "category": cat,
                                                     "amount_fen": amount, "eligible": eligible,
                                                     "reported_on": today.isoformat()})
              for cat, amount, eligible in (("construction", 5_000_000, True), ("other", 3_000_000, False))])

        r = await client.post("/api/v1/bulletins", json={"month": month}, headers=OFFICE)
        assert r.status_code == 201, r.text
        ranking = r.json()["ranking"]
        # a: 40·4/8 + 20·1/2 + 20·1 + 20·1/2 = 60; b: 40·7/8 + 20 + 0 + 0 = 55; c: no project = 0
        assert [(e["street_code"], e["rank"], e["score"]) for e in ranking] == [(a.street, 1, 60.0),
                                                                               (b.street, 2, 55.0), (c, 3, 0.0)]
        assert ranking[0]["inputs"] == {"active_projects": 1, "milestones_due": 2, "milestones_on_time": 1,
                                        "problems_opened": 1, "problems_closed": 1, "problems_overdue": 0,
                                        "spent_fen": 5_000_000, "planned_fen": 10_000_000}
        again = await client.post("/api/v1/bulletins", json={"month": month}, headers=OFFICE)
        assert again.status_code == 409
        assert (await client.post("/api/v1/bulletins", json={"month": month}, headers=a.headers)).status_code == 403
        for bad in ("2026-13", "26-01"):
            assert (await client.post("/api/v1/bulletins", json={"month": bad}, headers=OFFICE)).status_code == 422
        for not_ended in (district_today.strftime("%Y-%m"), f"{district_today.year + 1}-01"):
            r = await client.post("/api/v1/bulletins", json={"month": not_ended}, headers=OFFICE)
            assert r.status_code == 409 and r.json()["type"].endswith("month-not-ended")

        published = await kit.outbox(app, type_="fc.bulletin.published")
        assert [e["data"] for e in published] == [{"month": month, "ranking": [
            {"street_code": a.street, "rank": 1, "score": 60.0}, {"street_code": b.street, "rank": 2, "score": 55.0},
            {"street_code": c, "rank": 3, "score": 0.0}]}]

        # Every role reads published bulletins; the frozen ranking does not move with new events.
        await kit.produce(app, reg("fc.problem.closed", b.id, {"problem_id": open_, "street_code": b.street,
                                                              "project_id": b.id}))
        for headers in (b.headers, auth("auditor"), auth("department", department_code="finance"),
                        auth("integration", scope="province")):
            got = await client.get(f"/api/v1/bulletins/{month}", headers=headers)
            assert got.status_code == 200 and got.json()["ranking"] == ranking
        assert (await client.get("/api/v1/bulletins/2000-01", headers=OFFICE)).status_code == 404

        xlsx = await client.get(f"/api/v1/bulletins/{month}.xlsx", headers=b.headers)
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("排名", "街道代码", "得分") and rows[1][:3] == (1, a.street, 60)

        year = today.year
        assessment = (await client.get(f"/api/v1/assessments/{year}", headers=a.headers)).json()
        assert assessment["bulletin_months"] == [month]
        assert [(e["street_code"], e["rank"], e["average_score"]) for e in assessment["ranking"]] == [
            (a.street, 1, 60.0), (b.street, 2, 55.0), (c, 3, 0.0)]
        sheet = load_workbook(io.BytesIO((await client.get(f"/api/v1/assessments/{year}.xlsx",
                                                           headers=OFFICE)).content)).active
        assert next(sheet.iter_rows(values_only=True))[:3] == ("排名", "街道代码", "年度平均得分")


async def test_a_past_months_bulletin_reads_stages_as_of_its_last_day(inspection_app, kit):
    """§5.6: stages from the dated project history as of the month's last day; projects created later and
    cancelled ones are out; overdue problems are shown; a later step does not change a past month."""
    app = inspection_app
    reg = kit.registry_event
    s = kit.street()
    x, y, z = (str(uuid.uuid4()) for _ in range(3))

    def step(type_, pid, state, version, on=None, time=None, **extra):
        data = {**kit.snapshot(pid, s, state), "version": version, **({"on": on} if on else {}), **extra}
        return reg(type_, pid, data, time=time or on)

    async with app_client(app) as client:
        await kit.produce(app,
            reg("fc.street.created", s, {"street_code": s, "name": "历史街道", "kind": "subdistrict"}),
            step("fc.project.created", x, "draft", 1, time="2025-09-01", created_on="2025-09-01"),
            step("fc.project.approved", x, "approved", 2, on="2025-10-05"),
            step("fc.project.created", z, "draft", 1, time="2025-09-01", created_on="2025-09-01"),
            step("fc.project.approved", z, "approved", 2, on="2025-09-10"),
            step("fc.project.cancelled", z, "cancelled", 3, on="2025-09-20"),
            reg("fc.problem.opened", x, {"problem_id": str(uuid.uuid4()), "street_code": s, "project_id": x,
                                         "owner_department": "housing", "due_on": "2025-10-10", "text": "征迁滞后",
                                         "source": "summary", "opened_on": "2025-10-01"}),
            # recorded after October ended
            step("fc.project.state_changed", x, "accepted", 5, on="2025-11-10", accepted_level="city"),
            step("fc.project.created", y, "draft", 1, time="2025-11-03", created_on="2025-11-03"))
        october = await client.post("/api/v1/bulletins", json={"month": "2025-10"}, headers=OFFICE)
        assert october.status_code == 201, october.text
        mine = next(e for e in october.json()["ranking"] if e["street_code"] == s)
        # x approved (4/8) alone: 40·1/2 + 20 (no milestone due) + 0 (its problem open) + 0 (no plan) = 40
        assert mine["score"] == 40.0 and mine["inputs"]["active_projects"] == 1
        assert mine["inputs"]["problems_overdue"] == 1
        november = await client.post("/api/v1/bulletins", json={"month": "2025-11"}, headers=OFFICE)
        assert november.status_code == 201, november.text
        later = next(e for e in november.json()["ranking"] if e["street_code"] == s)
        # x accepted (7/8) and y draft (0): 40·7/16 + 20 + 0 + 0 = 37.5
        assert later["score"] == 37.5 and later["inputs"]["active_projects"] == 2
        got = await client.get("/api/v1/bulletins/2025-10", headers=OFFICE)
        assert next(e for e in got.json()["ranking"] if e["street_code"] == s) == mine
        assert (await client.post("/api/v1/bulletins", json={"month": "2025-10"}, headers=OFFICE)).status_code == 409


async def test_plans_recorded_after_a_months_end_leave_its_unpublished_bulletin_alone(inspection_app, kit):
    """§5.6: money and milestones as of the month's last day. A capital plan recorded or changed, a milestone
    recorded or re-planned, and spending reported after June do not alter June's bulletin, published in July."""
    from datetime import date

    from fc_inspection.service_layer.bulletins import street_progress

    app = inspection_app
    reg, fund = kit.registry_event, kit.funding_event
    s = kit.street()
    p, q = str(uuid.uuid4()), str(uuid.uuid4())
    late, kept, backdated = (str(uuid.uuid4()) for _ in range(3))

    def project(pid):
        return [reg("fc.project.created", pid, {**kit.snapshot(pid, s, "draft"), "version": 1,
                                                "created_on": "2025-05-01"}, time="2025-05-01"),
                reg("fc.project.approved", pid, {**kit.snapshot(pid, s, "approved"), "version": 2,
                                                 "on": "2025-05-10"}, time="2025-05-10")]

    def plan(pid, total, time):
        return fund("fc.capital_plan.updated", pid, {"project_id": pid, "street_code": s,
                                                     "construction_total_fen": total, "operating_balance_fen": 0,
                                                     "balanced": True}, time=time)

    def milestone(mid, planned, actual, time):
        return reg("fc.project.milestone_updated", p, {**kit.snapshot(p, s, "approved"), "milestone_id": mid,
                                                       "title": "主体完工", "planned_on": planned,
                                                       "actual_on": actual}, time=time)

    def spent(amount, on):
        return fund("fc.expenditure.reported", p, {"project_id": p, "street_code": s, "category": "construction",
                                                   "amount_fen": amount, "eligible": True, "reported_on": on},
                    time=on)

    async def june_inputs():
        async with app.state.runtime.sessions() as session:
            return next(x for x in await street_progress(session, date(2025, 6, 30)) if x.street_code == s)

    async with app_client(app) as client:
        await kit.produce(app, reg("fc.street.created", s, {"street_code": s, "name": "计划街道", "kind": "subdistrict"}),
                          *project(p), *project(q),
                          plan(p, 10_000_000, "2025-06-10"),
                          milestone(late, "2025-06-20", None, "2025-06-02"),
                          milestone(kept, "2025-06-25", "2025-06-24", "2025-06-02"),
                          spent(5_000_000, "2025-06-15"))
        before = await june_inputs()
        assert (before.milestones_due, before.milestones_on_time, before.spent_fen, before.planned_fen) == (
            2, 1, 5_000_000, 10_000_000)

        # Recorded in July, after June ended, before June's bulletin is published.
        await kit.produce(app,
                          plan(p, 20_000_000, "2025-07-05"),  # p's plan changed
                          plan(q, 30_000_000, "2025-07-05"),  # q's first plan
                          milestone(late, "2025-07-31", None, "2025-07-05"),  # the late milestone moved out of June
                          milestone(backdated, "2025-06-01", "2025-06-01", "2025-07-05"),  # recorded late
                          spent(7_000_000, "2025-07-03"))
        assert await june_inputs() == before

        june = await client.post("/api/v1/bulletins", json={"month": "2025-06"}, headers=OFFICE)
        assert june.status_code == 201, june.text
        mine = next(e for e in june.json()["ranking"] if e["street_code"] == s)
        assert {k: mine["inputs"][k] for k in ("milestones_due", "milestones_on_time", "spent_fen",
                                               "planned_fen")} == {"milestones_due": 2, "milestones_on_time": 1,
                                                                   "spent_fen": 5_000_000, "planned_fen": 10_000_000}
        # two approved projects (4/8), 1 of 2 milestones on time, no problem, 5 of 10 million spent:
        # 40·1/2 + 20·1/2 + 20 + 20·1/2 = 60
        assert mine["score"] == 60.0

        # July reads what was recorded by its own end: both plans (20 + 30 million), the moved milestone (due,
        # not reached) and the one recorded late (reached on its day), and July's spending.
        july = await client.post("/api/v1/bulletins", json={"month": "2025-07"}, headers=OFFICE)
        assert july.status_code == 201, july.text
        mine = next(e for e in july.json()["ranking"] if e["street_code"] == s)
        assert {k: mine["inputs"][k] for k in ("milestones_due", "milestones_on_time", "spent_fen",
                                               "planned_fen")} == {"milestones_due": 3, "milestones_on_time": 2,
                                                                   "spent_fen": 12_000_000, "planned_fen": 50_000_000}
