"""REST: street scoping, read-only roles, strict money input, expenditures, capital plans, reversals, xlsx export."""
import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from fc_funding.adapters.tables import capital_plans, expenditures, ledger_entries
from fc_devtools.testing import app_client, auth


async def _outbox(app, type_):
    ob = app.state.runtime.spine.outbox
    async with app.state.runtime.sessions() as s:
        rows = (await s.execute(select(ob.c.payload).where(ob.c.type == type_).order_by(ob.c.seq))).scalars()
        return [json.loads(p)["data"] for p in rows]


async def test_a_street_sees_only_its_own_money(funding_app, kit):
    app = funding_app(run_workers=False)
    mine, theirs = kit.new_id("s01"), kit.new_id("s02")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(mine, street_code="S01"), kit.approved(theirs, street_code="S02"),
                         kit.passed(mine, "city", 9_000_000), kit.passed(theirs, "city", 8_000_000, street_code="S02"))
        s01 = kit.street("S01")
        assert (await client.get(f"/api/v1/projects/{mine}/funding", headers=s01)).json()["paid_fen"] == 950_000_000
        assert (await client.get(f"/api/v1/projects/{theirs}/funding", headers=s01)).status_code == 404
        assert (await client.get("/api/v1/projects/nope/funding", headers=kit.OFFICE)).status_code == 404
        assert (await client.get(f"/api/v1/projects/{mine}/funding", headers=kit.AUDITOR)).status_code == 200
        assert (await client.get(f"/api/v1/projects/{mine}/funding")).status_code == 401
        dept = auth("department", department_code="housing")
        assert (await client.get(f"/api/v1/projects/{mine}/funding", headers=dept)).status_code == 403

        own = (await client.get("/api/v1/entries", headers=s01)).json()["items"]
        assert own and {e["street_code"] for e in own} == {"S01"}
        assert (await client.get("/api/v1/entries?street_code=S02", headers=s01)).status_code == 403
        assert (await client.get("/api/v1/streets/S02/funding", headers=s01)).status_code == 403
        street = (await client.get("/api/v1/streets/S01/funding", headers=s01)).json()
        assert (street["projects"], street["paid_fen"], street["entitlement_fen"]) == (1, 950_000_000, 950_000_000)

        all_entries = (await client.get("/api/v1/entries?limit=2", headers=kit.AUDITOR)).json()
        assert len(all_entries["items"]) == 2 and all_entries["next_cursor"]
        rest = (await client.get(f"/api/v1/entries?limit=50&cursor={all_entries['next_cursor']}",
                                 headers=kit.AUDITOR)).json()
        assert len(rest["items"]) == 4 and rest["next_cursor"] is None
        rewards = (await client.get("/api/v1/entries?kind=reward&year=2021", headers=kit.FINANCE)).json()["items"]
        assert sorted(e["amount_fen"] for e in rewards) == [50_000_000, 100_000_000]

        r = await client.get(f"/api/v1/ledger.xlsx?project_id={mine}", headers=s01)
        assert r.status_code == 200
        sheet = load_workbook(io.BytesIO(r.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:5] == ("分录编号", "项目编号", "街道", "类别", "金额(元)")
        assert [row[3] for row in rows[1:]] == ["核定", "拨付", "奖励"]
        assert rows[2][5] == 900_000_000


async def test_expenditures_are_strict_scoped_and_idempotent(funding_app, kit):
    app = funding_app(run_workers=False)
    mine, theirs = kit.new_id("s01"), kit.new_id("s02")
    s01 = kit.street("S01")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(mine, street_code="S01"), kit.approved(theirs, street_code="S02"))
        url = f"/api/v1/projects/{mine}/expenditures"
        body = {"category": "construction", "amount_fen": 300_000, "reported_on": "2021-03-01"}
        r = await client.post(url, json=body, headers={**s01, "Idempotency-Key": "e-1"})
        assert r.status_code == 201 and r.json()["eligible"] is True
        replay = await client.post(url, json=body, headers={**s01, "Idempotency-Key": "e-1"})
        assert replay.json() == r.json() and replay.headers.get("idempotent-replayed") == "true"
        other = await client.post(url, json={**body, "amount_fen": 1}, headers={**s01, "Idempotency-Key": "e-1"})
        assert other.status_code == 422
        r = await client.post(url, json={**body, "category": "operation", "amount_fen": 5_000}, headers=s01)
        assert r.status_code == 201 and r.json()["eligible"] is False

        for bad in ({**body, "amount_fen": -1}, {**body, "amount_fen": 1.5}, {**body, "amount_fen": "10"},
                    {**body, "amount_fen": 0}, {**body, "category": "banquets"}, {**body, "reported_on": "soon"},
                    {**body, "extra": 1}):
            r = await client.post(url, json=bad, headers=s01)
            assert r.status_code == 422, bad
            assert r.headers["content-type"] == "application/problem+json"
        assert (await client.post(f"/api/v1/projects/{theirs}/expenditures", json=body, headers=s01)).status_code == 404
        assert (await client.post("/api/v1/projects/nope/expenditures", json=body,
                                  headers=kit.OFFICE)).status_code == 404
        assert (await client.post(url, json=body, headers=kit.AUDITOR)).status_code == 403
        assert (await client.post(url, json=body, headers=kit.FINANCE)).status_code == 403
        assert await kit.count(app, expenditures) == 2

        listed = (await client.get(url, headers=s01)).json()
        assert (listed["total_fen"], listed["eligible_fen"]) == (305_000, 300_000)
        assert listed["by_category"] == {"construction": 300_000, "operation": 5_000}
        only = (await client.get(f"{url}?eligible=false", headers=kit.AUDITOR)).json()["items"]
        assert [e["category"] for e in only] == ["operation"]
        reported = await _outbox(app, "fc.expenditure.reported")
        assert [(e["category"], e["amount_fen"], e["eligible"]) for e in reported] == [
            ("construction", 300_000, True), ("operation", 5_000, False)]


async def test_capital_plan_balance(funding_app, kit):
    app = funding_app(run_workers=False)
    mine, theirs = kit.new_id("s01"), kit.new_id("s02")
    s01 = kit.street("S01")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(mine, street_code="S01"), kit.approved(theirs, street_code="S02"))
        url = f"/api/v1/projects/{mine}/capital-plan"
        assert (await client.get(url, headers=s01)).status_code == 404
        plan = {"construction_cost_fen": {"district_fund": 1_000_000, "private_capital": 500_000},
                "operating_income_fen": 80_000, "operating_cost_fen": 100_000}
        for bad in ({**plan, "operating_cost_fen": -1},
                    {**plan, "construction_cost_fen": {"lottery": 5}},
                    {**plan, "operating_income_fen": 2.5}):
            assert (await client.put(url, json=bad, headers=s01)).status_code == 422
        assert (await client.put(f"/api/v1/projects/{theirs}/capital-plan", json=plan,
                                 headers=s01)).status_code == 404
        assert (await client.put(url, json=plan, headers=kit.AUDITOR)).status_code == 403
        assert await kit.count(app, capital_plans) == 0
        r = await client.put(url, json=plan, headers=s01)
        assert r.status_code == 200
        got = r.json()
        assert (got["construction_total_fen"], got["operating_balance_fen"], got["balanced"]) == (1_500_000, -20_000,
                                                                                                 False)
        r = await client.put(url, json={**plan, "operating_income_fen": 120_000}, headers=kit.OFFICE)
        assert r.json()["balanced"] is True
        assert (await client.get(url, headers=kit.FINANCE)).json()["operating_balance_fen"] == 20_000
        assert (await client.get(url, headers=kit.street("S02"))).status_code == 404
        events = await _outbox(app, "fc.capital_plan.updated")
        assert [e["balanced"] for e in events] == [False, True]


async def test_finance_corrects_by_reversing_entries(funding_app, kit):
    """Only finance reverses, with a reason; a reversal that would change what the rules entitle the street to is
    refused and writes nothing (services/funding/tests/integration/test_reversals.py has each kind's meaning)."""
    app = funding_app(run_workers=False)
    project, cancelled = kit.new_id("rev"), kit.new_id("revc")
    le = ledger_entries
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(project), kit.passed(project, "city", 9_000_000))
        entries = (await client.get(f"/api/v1/projects/{project}/funding", headers=kit.FINANCE)).json()["entries"]
        ids = {e["kind"]: e["id"] for e in entries}
        url = f"/api/v1/entries/{ids['reward']}/reversal"
        assert (await client.post(url, json={"reason": "错记"}, headers=kit.street("S01"))).status_code == 403
        assert (await client.post(url, json={"reason": "错记"}, headers=kit.OFFICE)).status_code == 403
        assert (await client.post(url, json={"reason": ""}, headers=kit.FINANCE)).status_code == 422
        # Nothing owed: reversing the reward would only pay it again, so it is refused (409), nothing written.
        r = await client.post(url, json={"reason": "奖励重复计算"}, headers=kit.FINANCE)
        assert r.status_code == 409 and r.json()["type"].endswith("not-reversible"), r.text
        assert (await client.post(f"/api/v1/entries/{ids['approval']}/reversal", json={"reason": "x"},
                                  headers=kit.FINANCE)).status_code == 409
        assert (await client.post("/api/v1/entries/999999/reversal", json={"reason": "x"},
                                  headers=kit.FINANCE)).status_code == 404
        assert await kit.count(app, le, le.c.project_id == project) == 3

        # An interim paid, then the project cancelled: the interim is recovered (F4). Finance learns the transfer
        # came back; reversing the interim nets the recovery, so the street neither holds nor owes anything.
        cancel = kit.project_event("fc.project.cancelled", cancelled, state="cancelled", note="撤销创建")
        await kit.handle(app, kit.approved(cancelled), kit.year_end(cancelled), cancel)
        f = (await client.get(f"/api/v1/projects/{cancelled}/funding", headers=kit.FINANCE)).json()
        ids = {e["kind"]: e["id"] for e in f["entries"]}
        assert (f["paid_fen"], f["recovery_due_fen"]) == (700_000_000, 700_000_000)
        assert (await client.post(f"/api/v1/entries/{ids['recovery']}/reversal", json={"reason": "免予追回"},
                                  headers=kit.FINANCE)).status_code == 409  # a recovery is repaid, not reversed
        url = f"/api/v1/entries/{ids['interim']}/reversal"
        r = await client.post(url, json={"reason": "预拨款退汇"}, headers={**kit.FINANCE, "Idempotency-Key": "r1"})
        assert r.status_code == 201, r.text
        rev = r.json()
        assert (rev["kind"], rev["amount_fen"], rev["reverses_entry_id"], rev["reason"]) == (
            "interim", -700_000_000, ids["interim"], "预拨款退汇")
        again = await client.post(url, json={"reason": "预拨款退汇"}, headers={**kit.FINANCE, "Idempotency-Key": "r1"})
        assert again.json() == rev
        assert (await client.post(url, json={"reason": "再次"}, headers=kit.FINANCE)).status_code == 409
        assert (await client.post(f"/api/v1/entries/{rev['id']}/reversal", json={"reason": "x"},
                                  headers=kit.FINANCE)).status_code == 409
        f = (await client.get(f"/api/v1/projects/{cancelled}/funding", headers=kit.FINANCE)).json()
        assert (f["paid_fen"], f["repaid_fen"], f["offset_fen"], f["recovery_due_fen"]) == (0, 0, 700_000_000, 0)
        follow = f["entries"][-1]
        assert (follow["kind"], follow["amount_fen"], follow["basis"]) == (
            "offset", 700_000_000, f"after-reversal:{ids['interim']}")
        assert "预拨款退汇" in follow["reason"]
        announced = [d for d in await _outbox(app, "fc.subsidy.disbursed") if d.get("reverses_entry_id")]
        assert [(d["kind"], d["amount_fen"], d["reverses_entry_id"]) for d in announced] == [
            ("interim", -700_000_000, ids["interim"])]
        settled = [(d["kind"], d["amount_fen"], d["recovery_due_fen"]) for d in
                   await _outbox(app, "fc.subsidy.recovery_settled") if d["project_id"] == cancelled]
        assert settled == [("offset", 700_000_000, 0)]
        # The original stays as it was: corrections append, never update.
        assert await kit.count(app, le, le.c.id == ids["interim"], le.c.amount_fen == 700_000_000) == 1
