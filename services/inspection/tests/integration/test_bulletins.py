"""Monthly bulletin from projections fed by registry and funding events; frozen once published; annual roll-up."""
import io
import uuid

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
    today = district_today
    month = today.strftime("%Y-%m")
    async with app_client(app) as client:
        a = await kit.approved_project(app, recorded=False)  # approved: stage 4/8
        b = await kit.approved_project(app, state="accepted", accepted_level="city", recorded=False)  # stage 7/8
        c = kit.street()
        reg, fund = kit.registry_event, kit.funding_event

        def milestone(p, actual):
            return reg("fc.project.milestone_updated", p.id, {
                **kit.snapshot(p.id, p.street, "approved"), "milestone_id": str(uuid.uuid4()), "title": "主体完工",
                "planned_on": today.isoformat(), "actual_on": actual})

        def problem(p, type_, pid):
            return reg(type_, p.id, {"problem_id": pid, "street_code": p.street, "project_id": p.id,
                                     "owner_department": "housing", "due_on": today.isoformat(), "text": "进度滞后",
                                     "source": "monthly"})

        closed, open_ = str(uuid.uuid4()), str(uuid.uuid4())
        await kit.produce(app,
            reg("fc.street.created", c, {"street_code": c, "name": "无项目街道", "kind": "town"}),
            milestone(a, today.isoformat()), milestone(a, None),
            problem(a, "fc.problem.opened", closed), problem(a, "fc.problem.closed", closed),
            problem(b, "fc.problem.opened", open_),
            fund("fc.capital_plan.updated", a.id, {"project_id": a.id, "street_code": a.street,
                                                   "construction_total_fen": 10_000_000, "operating_balance_fen": 0,
                                                   "balanced": True}),
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
                                        "problems_opened": 1, "problems_closed": 1, "spent_fen": 5_000_000,
                                        "planned_fen": 10_000_000}
        again = await client.post("/api/v1/bulletins", json={"month": month}, headers=OFFICE)
        assert again.status_code == 409
        assert (await client.post("/api/v1/bulletins", json={"month": month}, headers=a.headers)).status_code == 403
        for bad in ("2026-13", "26-01", f"{today.year + 1}-01"):
            assert (await client.post("/api/v1/bulletins", json={"month": bad}, headers=OFFICE)).status_code == 422

        published = await kit.outbox(app, type_="fc.bulletin.published")
        assert [e["data"] for e in published] == [{"month": month, "ranking": [
            {"street_code": a.street, "rank": 1, "score": 60.0}, {"street_code": b.street, "rank": 2, "score": 55.0},
            {"street_code": c, "rank": 3, "score": 0.0}]}]

        # Every role reads published bulletins; the frozen ranking does not move with new events.
        await kit.produce(app, problem(b, "fc.problem.closed", open_))
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
