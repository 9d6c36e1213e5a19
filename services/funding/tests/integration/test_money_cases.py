"""Money cases a district year brings (issue 14): repayments and netting, cancellations, rescheduling, the
interim's timing, F3 across projects, fund income and the assessment beside the money."""
from datetime import date

import pytest
from sqlalchemy import select

from fc_funding.adapters.tables import fund_income, ledger_entries
from fc_devtools.testing import app_client, async_wait_until

CNY = 100
M = 1_000_000 * CNY  # 1,000,000 CNY in fen


async def _funding(client, kit, project_id, headers=None):
    r = await client.get(f"/api/v1/projects/{project_id}/funding", headers=headers or kit.FINANCE)
    assert r.status_code == 200, r.text
    return r.json()


def _holds(f) -> int:
    """Cash at the street less recovery still owed."""
    return f["paid_fen"] - f["repaid_fen"] - f["recovery_due_fen"]


async def _entries(app, project_id):
    async with app.state.runtime.sessions() as s:
        return (await s.execute(select(ledger_entries).where(ledger_entries.c.project_id == project_id)
                                .order_by(ledger_entries.c.id))).all()


async def _example_6(app, kit):
    """Interim 7,000,000 paid, accepted at city with E = 2,000,000 → recovery of 1,000,000."""
    p = kit.new_id("rep")
    await kit.handle(app, kit.approved(p), kit.year_end(p), kit.passed(p, "city", 2_000_000))
    return p


async def test_a_repayment_settles_the_recovery_and_a_later_payment_nets_what_is_still_owed(funding_app, kit):
    app = funding_app(run_workers=False)
    async with app_client(app) as client:
        p = await _example_6(app, kit)
        f = await _funding(client, kit, p)
        assert (f["paid_fen"], f["repaid_fen"], f["recovery_due_fen"], f["entitlement_fen"]) == (7 * M, 0, 1 * M, 6 * M)
        assert (f["final_expenditure_fen"], f["street_borne_fen"]) == (2 * M, 0)
        url = f"/api/v1/projects/{p}/repayments"
        body = {"amount_fen": 400_000 * CNY, "repaid_on": "2021-07-01", "reference": "JK-2021-07"}
        before = len(await _entries(app, p))

        # Refusals write nothing: wrong role, over-repayment, bad amounts, unknown project, bad date.
        for headers in (kit.street("S01"), kit.OFFICE, kit.AUDITOR):
            assert (await client.post(url, json=body, headers=headers)).status_code == 403
        over = await client.post(url, json={**body, "amount_fen": 1 * M + 1}, headers=kit.FINANCE)
        assert over.status_code == 422 and over.json()["type"].endswith("over-repayment")
        assert str(1 * M) in over.json()["detail"]
        for bad in ({**body, "amount_fen": -1}, {**body, "amount_fen": 0}, {**body, "amount_fen": 1.5},
                    {**body, "amount_fen": "100"}, {**body, "repaid_on": "2021-02-30"}, {**body, "reference": ""},
                    {k: v for k, v in body.items() if k != "reference"}):
            r = await client.post(url, json=bad, headers=kit.FINANCE)
            assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), bad
        assert (await client.post(f"/api/v1/projects/{kit.new_id()}/repayments", json=body,
                                  headers=kit.FINANCE)).status_code == 404
        assert len(await _entries(app, p)) == before

        r = await client.post(url, json=body, headers=kit.FINANCE)
        assert r.status_code == 201, r.text
        assert (r.json()["kind"], r.json()["amount_fen"], r.json()["reference"], r.json()["booked_on"]) == (
            "repayment", 400_000 * CNY, "JK-2021-07", "2021-07-01")
        assert (await client.post(url, json=body, headers=kit.FINANCE)).status_code == 409  # same voucher twice
        f = await _funding(client, kit, p)
        assert (f["paid_fen"], f["repaid_fen"], f["recovery_due_fen"]) == (7 * M, 400_000 * CNY, 600_000 * CNY)
        assert _holds(f) == f["entitlement_fen"] == 6 * M
        assert f == await _funding(client, kit, p, kit.street("S01"))  # the street sees its own money
        r = await client.get(f"/api/v1/projects/{p}/funding", headers=kit.street("S02"))
        assert r.status_code == 404

        # Province later with cumulative E = 12,000,000: entitlement 12,000,000; the 600,000 still owed is netted.
        await kit.handle(app, kit.passed(p, "province", 12_000_000, decided_on="2022-05-01"))
        f = await _funding(client, kit, p)
        assert f["entitlement_fen"] == 12 * M and f["recovery_due_fen"] == 0
        moved = [(e["kind"], e["amount_fen"]) for e in f["entries"] if e["basis"] == "acceptance:province"]
        assert moved == [("approval", 12 * M), ("offset", 600_000 * CNY), ("disbursement", 5_400_000 * CNY)]
        offset = next(e for e in f["entries"] if e["kind"] == "offset")
        assert "netted" in offset["reason"]
        assert (f["paid_fen"], f["repaid_fen"], f["offset_fen"]) == (12_400_000 * CNY, 400_000 * CNY, 600_000 * CNY)
        assert _holds(f) == 12 * M
        r = await client.post(url, json={**body, "reference": "JK-2"}, headers=kit.FINANCE)
        assert r.status_code == 422  # nothing is owed any more

        # The ledger's spreadsheet names the new kinds in Chinese.
        x = await client.get(f"/api/v1/ledger.xlsx?project_id={p}", headers=kit.FINANCE)
        assert x.status_code == 200
        import io

        from openpyxl import load_workbook
        sheet = load_workbook(io.BytesIO(x.content)).active
        header = [c.value for c in sheet[1]]
        assert "凭证号" in header and "记账日期" in header
        kinds = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert {"追回缴还", "抵扣追回", "追回", "预拨(年末70%)"} <= kinds


async def test_repayments_are_announced_over_the_outbox(funding_app, kit):
    import json

    app = funding_app(run_workers=False)
    async with app_client(app) as client:
        p = await _example_6(app, kit)
        r = await client.post(f"/api/v1/projects/{p}/repayments", headers=kit.FINANCE,
                              json={"amount_fen": 1 * M, "repaid_on": "2021-07-01", "reference": "V1"})
        assert r.status_code == 201
        ob = app.state.runtime.spine.outbox
        async with app.state.runtime.sessions() as s:
            rows = [json.loads(x) for x in (await s.execute(
                select(ob.c.payload).where(ob.c.type == "fc.subsidy.recovery_settled", ob.c.key == p))).scalars()]
        assert [(e["data"]["kind"], e["data"]["amount_fen"], e["data"]["recovery_due_fen"]) for e in rows] == [
            ("repayment", 1 * M, 0)]


async def test_a_cancelled_project_owes_its_interim_back_and_never_gets_one(funding_app, kit):
    app = funding_app(run_workers=False)
    paid, unpaid = kit.new_id("cxl"), kit.new_id("cxl0")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(paid), kit.approved(unpaid), kit.year_end(paid))
        cancel = kit.project_event("fc.project.cancelled", paid, state="cancelled", from_state="approved",
                                   to_state="cancelled", note="居民意愿变化，撤销创建", by="office", on="2021-03-01")
        await kit.handle(app, cancel, kit.project_event(
            "fc.project.cancelled", unpaid, state="cancelled", from_state="approved", to_state="cancelled",
            note="撤销", by="office", on="2021-03-01"))
        f = await _funding(client, kit, paid)
        recovery = [e for e in f["entries"] if e["kind"] == "recovery"]
        assert [(e["amount_fen"], e["rules"], e["basis"]) for e in recovery] == [(7 * M, ["F4"], "cancellation")]
        assert "撤销创建" in recovery[0]["reason"] and recovery[0]["source_event_id"] == cancel.id
        assert (f["paid_fen"], f["recovery_due_fen"], _holds(f)) == (7 * M, 7 * M, 0)

        # Redelivery, the year-end announcement, finance's close and a late acceptance pay nothing more.
        cancel_again = kit.project_event("fc.project.cancelled", paid, state="cancelled", note="again")
        await kit.handle(app, cancel_again, kit.year_end(unpaid, state="cancelled"))
        r = await client.post("/api/v1/years/2020/close", headers=kit.FINANCE)
        assert r.status_code == 200 and unpaid not in {e["project_id"] for e in r.json()["interims"]}
        await kit.handle(app, kit.passed(paid, "city", 9_000_000))
        assert await _funding(client, kit, paid) == f
        u = await _funding(client, kit, unpaid)
        assert (u["paid_fen"], u["entries"]) == (0, [])

        # The street repays the advance; then it holds nothing and owes nothing.
        r = await client.post(f"/api/v1/projects/{paid}/repayments", headers=kit.FINANCE,
                              json={"amount_fen": 7 * M, "repaid_on": "2021-06-30", "reference": "退回预拨"})
        assert r.status_code == 201
        f = await _funding(client, kit, paid)
        assert (f["paid_fen"] - f["repaid_fen"], f["recovery_due_fen"]) == (0, 0)


async def test_a_rescheduled_project_follows_its_new_task_year(funding_app, kit):
    app = funding_app(run_workers=False)
    moved, paid_then_moved = kit.new_id("rs"), kit.new_id("rs-paid")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(moved), kit.approved(paid_then_moved), kit.year_end(paid_then_moved))
        for p in (moved, paid_then_moved):
            await kit.handle(app, kit.project_event(
                "fc.project.rescheduled", p, task_year=2021, creation_deadline="2021-12-31", from_state="approved",
                to_state="approved", note="疫情影响", previous_task_year=2020,
                previous_creation_deadline="2020-12-31", version=5))
        assert (await _funding(client, kit, moved))["task_year"] == 2021
        # A late announcement of the old year, and finance's close of it, pay the rescheduled project nothing.
        await kit.handle(app, kit.year_end(moved, year=2020, version=3))
        r = await client.post("/api/v1/years/2020/close", headers=kit.FINANCE)
        assert moved not in {e["project_id"] for e in r.json()["interims"]}
        assert (await _funding(client, kit, moved))["paid_fen"] == 0
        # Its new task year ends: the interim follows it there; the interim already paid stays, once.
        r = await client.post("/api/v1/years/2021/close", headers=kit.FINANCE)
        assert {e["project_id"]: e["year"] for e in r.json()["interims"]} == {moved: 2021}
        f = await _funding(client, kit, paid_then_moved)
        assert [(e["kind"], e["year"]) for e in f["entries"]] == [("interim", 2020)]


@pytest.mark.parametrize("today,paid", [(date(2026, 12, 31), False), (date(2027, 1, 1), True)])
async def test_no_interim_before_the_year_has_ended_in_the_district(funding_app, kit, today, paid):
    """Whatever arrives early (an announcement replayed, a snapshot after a close) records no interim for 2026."""
    app = funding_app(run_workers=False, today=today)
    p, accepted = kit.new_id("early"), kit.new_id("in-year")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(p, task_year=2026), kit.approved(accepted, task_year=2026),
                         kit.passed(accepted, "city", 9_000_000, decided_on="2026-12-31"))
        await kit.handle(app, kit.year_end(p, year=2026), kit.year_end(accepted, year=2026))
        f = await _funding(client, kit, p)
        assert [e["kind"] for e in f["entries"]] == (["interim"] if paid else [])
        r = await client.post("/api/v1/years/2026/close", headers=kit.FINANCE)
        assert r.status_code == (200 if paid else 409)
        a = await _funding(client, kit, accepted)
        assert "interim" not in [e["kind"] for e in a["entries"]]  # accepted on 31 December of its task year


async def test_f3_a_project_counts_as_covered_only_when_every_community_is(funding_app, kit):
    app = funding_app(run_workers=False)
    a, b, c = kit.new_id("a"), kit.new_id("b"), kit.new_id("c")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(a, community_ids=["k1", "k2"]),
                         kit.approved(b, community_ids=["k2", "k3"]), kit.approved(c, community_ids=["k1", "k2"]),
                         kit.passed(a, "city", 12_000_000), kit.passed(b, "city", 12_000_000),
                         kit.passed(c, "city", 12_000_000))
        fb, fc = await _funding(client, kit, b), await _funding(client, kit, c)
        # b's k3 was not covered: b earns the award of the level it reached; the trail names k2.
        assert (fb["award_fen"], fb["paid_fen"], fb["covered_communities"]) == (10 * M, 10 * M, {"k2": "city"})
        assert "k2" in fb["entries"][0]["reason"]
        # Every community of c was covered at city already: nothing more at city.
        assert (fc["award_fen"], fc["paid_fen"]) == (0, 0)
        assert fc["covered_communities"] == {"k1": "city", "k2": "city"} and "F3" in fc["entries"][0]["rules"]


async def test_fund_income_and_the_year_view(funding_app, kit):
    app = funding_app(run_workers=False)
    async with app_client(app) as client:
        p = kit.new_id("yr")
        await kit.handle(app, kit.approved(p), kit.passed(p, "city", 8_000_000, decided_on="2021-03-01"),
                         kit.passed(p, "province", 11_000_000, decided_on="2021-09-01"))
        assert (await client.put("/api/v1/years/2021/budget", json={"budget_fen": 50 * M},
                                 headers=kit.FINANCE)).status_code == 200
        body = {"amount_fen": 5 * M, "received_on": "2021-04-02", "reference": "浙财建〔2021〕12号"}
        for headers in (kit.OFFICE, kit.street("S01"), kit.AUDITOR):
            assert (await client.post("/api/v1/years/2021/income", json=body, headers=headers)).status_code == 403
        for bad in ({**body, "amount_fen": -5}, {**body, "amount_fen": 2.5}, {**body, "extra": 1}):
            assert (await client.post("/api/v1/years/2021/income", json=bad, headers=kit.FINANCE)).status_code == 422
        assert await kit.count(app, fund_income) == 0
        r = await client.post("/api/v1/years/2021/income", json=body, headers=kit.FINANCE)
        assert r.status_code == 201, r.text
        assert (await client.post("/api/v1/years/2021/income", json=body, headers=kit.FINANCE)).status_code == 409
        y = (await client.get("/api/v1/years/2021/funding", headers=kit.AUDITOR)).json()
        # Worked example 4: the latest approval (11,500,000) counts once, not city 9,000,000 + province 11,500,000.
        assert (y["budget_fen"], y["income_fen"], y["approved_fen"], y["paid_fen"]) == (
            50 * M, 5 * M, 11_500_000 * CNY, 11_500_000 * CNY)
        assert y["remaining_fen"] == 50 * M + 5 * M - 11_500_000 * CNY
        s = (await client.get("/api/v1/streets/S01/funding", headers=kit.street("S01"))).json()
        # The street's one project counts with its latest (province) approval only: A 12,000,000, entitlement
        # 11,500,000, not city + province (10,000,000 + 12,000,000 / 9,000,000 + 11,500,000).
        assert {k: s[k] for k in ("projects", "award_fen", "entitlement_fen", "paid_fen", "repaid_fen",
                                  "recovery_due_fen", "street_borne_fen")} == {
            "projects": 1, "award_fen": 12 * M, "entitlement_fen": 11_500_000 * CNY,
            "paid_fen": 11_500_000 * CNY, "repaid_fen": 0, "recovery_due_fen": 0, "street_borne_fen": 0}


async def test_example_2_the_street_borne_part_through_the_api(funding_app, kit):
    """Worked example 2 (F5): accepted at city with E = 11,000,000 → entitlement 10,000,000; the street bears
    1,000,000 — on the project's, the street's views, and the approval's rule trail."""
    app = funding_app(run_workers=False)
    async with app_client(app) as client:
        p, other = kit.new_id("f5"), kit.new_id("f5-other")
        await kit.handle(app, kit.approved(p, street_code="S05"), kit.passed(p, "city", 11_000_000, street_code="S05"),
                         kit.approved(other, street_code="S06"),
                         kit.passed(other, "city", 9_000_000, street_code="S06"))
        f = await _funding(client, kit, p, headers=kit.street("S05"))
        assert {k: f[k] for k in ("award_fen", "entitlement_fen", "final_expenditure_fen", "street_borne_fen",
                                  "paid_fen", "repaid_fen", "recovery_due_fen")} == {
            "award_fen": 10 * M, "entitlement_fen": 10 * M, "final_expenditure_fen": 11 * M,
            "street_borne_fen": 1 * M, "paid_fen": 10 * M, "repaid_fen": 0, "recovery_due_fen": 0}
        assert "F5" in f["entries"][0]["rules"] and "F7" not in f["entries"][0]["rules"]
        s = (await client.get("/api/v1/streets/S05/funding", headers=kit.street("S05"))).json()
        assert (s["projects"], s["entitlement_fen"], s["paid_fen"], s["street_borne_fen"]) == (1, 10 * M, 10 * M, 1 * M)
        # Example 1 in the other street bears nothing, and S05's street sees none of it.
        s6 = (await client.get("/api/v1/streets/S06/funding", headers=kit.FINANCE)).json()
        assert (s6["entitlement_fen"], s6["street_borne_fen"]) == (9_500_000 * CNY, 0)
        assert (await client.get("/api/v1/streets/S06/funding", headers=kit.street("S05"))).status_code == 403


async def test_the_annual_assessment_is_shown_beside_the_money(funding_app, producer, kit):
    from fc_shared.events import Event

    app = funding_app()
    async with app_client(app) as client:
        month = "2021-05"
        await producer.send(Event(type="fc.bulletin.published", source="/inspection", subject=f"bulletin-{month}",
                                  data={"month": month, "ranking": [{"street_code": "S01", "rank": 2, "score": 71.5},
                                                                    {"street_code": "S02", "rank": 1,
                                                                     "score": 80.0}]}))

        async def shown():
            s = (await client.get("/api/v1/streets/S01/funding", headers=kit.street("S01"))).json()
            return s if s["assessment"] else None
        s = await async_wait_until(shown, 60, message="the bulletin reaches funding")
        assert s["assessment"] == [{"month": month, "street_code": "S01", "rank": 2, "score": "71.5"}]
        assert s["annual_assessments"] == [{"year": 2021, "bulletin_months": [month], "rank": 2, "average_score": 71.5,
                                            "best_rank": 2, "months": {month: 71.5}}]
        y = (await client.get("/api/v1/years/2021/funding", headers=kit.FINANCE)).json()
        assert [(e["street_code"], e["rank"]) for e in y["assessment"]] == [("S02", 1), ("S01", 2)]
        assert [(e["street_code"], e["rank"], e["average_score"]) for e in y["annual_assessment"]["ranking"]] == [
            ("S02", 1, 80.0), ("S01", 2, 71.5)]


def _bulletin(month: str, *ranking: tuple[str, int, float]):
    """fc.bulletin.published as inspection emits it (the event contract's BulletinPublished)."""
    from fc_shared.event_models import BulletinPublished
    from fc_shared.events import Event

    data = {"month": month, "ranking": [{"street_code": c, "rank": r, "score": v} for c, r, v in ranking]}
    BulletinPublished.model_validate(data)
    return Event(type="fc.bulletin.published", source="/inspection", subject=f"bulletin-{month}", data=data)


async def test_the_annual_assessment_beside_the_money_is_inspections_roll_up_of_the_same_bulletins(funding_app, kit):
    """§5.6: funding rolls up the published bulletins of a year with the one shared formula inspection's
    /assessments/{year} uses (average over the year's published bulletins, a bulletin not listing a street
    counting 0; equal averages share a rank); nothing is invented on top of it."""
    from decimal import Decimal

    from fc_shared.assessment import annual_rollup

    app = funding_app(run_workers=False)
    published = [_bulletin("2023-01", ("S02", 1, 80.0), ("S01", 2, 71.5), ("S03", 3, 60.25)),
                 _bulletin("2023-02", ("S01", 1, 90.0), ("S02", 2, 75.33)),  # S03 not listed: counts 0
                 _bulletin("2023-03", ("S02", 1, 70.01), ("S01", 2, 65.0), ("S03", 3, 40.0))]
    other_year = _bulletin("2022-12", ("S03", 1, 99.0), ("S01", 2, 10.0))
    async with app_client(app) as client:
        await kit.handle(app, other_year, *published, published[1])  # a redelivery changes nothing
        y = (await client.get("/api/v1/years/2023/funding", headers=kit.FINANCE)).json()
        annual = y["annual_assessment"]
        assert annual["year"] == 2023 and annual["bulletin_months"] == ["2023-01", "2023-02", "2023-03"]
        # S01 (71.5 + 90 + 65) / 3 = 75.5; S02 (80 + 75.33 + 70.01) / 3 = 75.1133… → 75.11;
        # S03 (60.25 + 0 + 40) / 3 = 33.4166… → 33.42 (not 50.13: the month not listing it counts 0).
        assert [(e["street_code"], e["rank"], e["average_score"], e["best_rank"]) for e in annual["ranking"]] == [
            ("S01", 1, 75.5, 1), ("S02", 2, 75.11, 1), ("S03", 3, 33.42, 3)]
        assert annual["ranking"][2]["months"] == {"2023-01": 60.25, "2023-03": 40.0}

        # The same figures as inspection's roll-up of the same bulletins (what /assessments/2023 answers).
        expected = annual_rollup({e.data["month"]: [(r["street_code"], r["rank"], Decimal(str(r["score"])))
                                                    for r in e.data["ranking"]] for e in published})
        assert [(e["street_code"], e["rank"], e["average_score"], e["best_rank"]) for e in annual["ranking"]] == [
            (a.street_code, a.rank, float(a.average_score), a.best_rank) for a in expected]

        # The monthly rows stay as they were, beside the roll-up.
        assert [(e["month"], e["street_code"], e["rank"], e["score"]) for e in y["assessment"]][:3] == [
            ("2023-01", "S02", 1, "80.0"), ("2023-01", "S01", 2, "71.5"), ("2023-01", "S03", 3, "60.25")]
        assert len(y["assessment"]) == 8

        # A street sees its own line of each year's assessment, ranked against every street.
        s3 = await client.get("/api/v1/streets/S03/funding", headers=kit.street("S03"))
        assert s3.status_code == 200, s3.text
        assert s3.json()["annual_assessments"] == [
            {"year": 2022, "bulletin_months": ["2022-12"], "rank": 1, "average_score": 99.0, "best_rank": 1,
             "months": {"2022-12": 99.0}},
            {"year": 2023, "bulletin_months": ["2023-01", "2023-02", "2023-03"], "rank": 3, "average_score": 33.42,
             "best_rank": 3, "months": {"2023-01": 60.25, "2023-03": 40.0}}]
        s1 = (await client.get("/api/v1/streets/S01/funding", headers=kit.FINANCE)).json()
        assert [(a["year"], a["rank"], a["average_score"]) for a in s1["annual_assessments"]] == [
            (2022, 2, 10.0), (2023, 1, 75.5)]
        assert (await client.get("/api/v1/streets/S01/funding", headers=kit.street("S03"))).status_code == 403
        # A year without published bulletins has an empty assessment, not an invented one.
        empty = (await client.get("/api/v1/years/2019/funding", headers=kit.FINANCE)).json()["annual_assessment"]
        assert empty == {"year": 2019, "bulletin_months": [], "ranking": []}


async def test_cancellation_reschedule_and_netting_over_the_broker(funding_app, producer, kit):
    """The same cases as registry and inspection publish them, through the real broker and the running consumers."""
    app = funding_app()
    cancelled, moved, netted = kit.new_id("b-cxl"), kit.new_id("b-rs"), kit.new_id("b-net")
    async with app_client(app) as client:
        async def funding_when(p, predicate, message):
            async def check():
                r = await client.get(f"/api/v1/projects/{p}/funding", headers=kit.FINANCE)
                return r.json() if r.status_code == 200 and predicate(r.json()) else None
            return await async_wait_until(check, 60, 0.2, message=message)

        await producer.send(kit.approved(cancelled, version=1), kit.approved(moved, version=1),
                            kit.approved(netted, version=1))
        await producer.send(kit.year_end(cancelled, version=2), kit.year_end(netted, version=2))
        await funding_when(cancelled, lambda f: f["paid_fen"] == 7 * M, "interim of the project to cancel")
        await producer.send(kit.project_event("fc.project.cancelled", cancelled, state="cancelled", version=3,
                                              from_state="approved", to_state="cancelled", note="撤销创建"),
                            kit.project_event("fc.project.rescheduled", moved, task_year=2021, version=2,
                                              creation_deadline="2021-12-31", from_state="approved",
                                              to_state="approved", note="延期", previous_task_year=2020))
        f = await funding_when(cancelled, lambda f: f["recovery_due_fen"] == 7 * M, "recovery on cancellation")
        assert _holds(f) == 0
        await funding_when(moved, lambda f: f["task_year"] == 2021, "the new task year")
        r = await client.post("/api/v1/years/2020/close", headers=kit.FINANCE)
        assert [e["project_id"] for e in r.json()["interims"]].count(cancelled) == 1  # the one paid before
        assert moved not in {e["project_id"] for e in r.json()["interims"]}

        await funding_when(netted, lambda f: f["paid_fen"] == 7 * M, "interim")
        await producer.send(kit.passed(netted, "city", 2_000_000))
        await funding_when(netted, lambda f: f["recovery_due_fen"] == 1 * M, "recovery")
        await producer.send(kit.passed(netted, "province", 12_000_000, decided_on="2022-05-01"))
        f = await funding_when(netted, lambda f: f["entitlement_fen"] == 12 * M, "province settled")
        assert (f["recovery_due_fen"], f["offset_fen"], _holds(f)) == (0, 1 * M, 12 * M)
