"""F4 year close: POST /years/{year}/close and registry's year_end_incomplete pay each interim once; budget alerts."""
import json

import pytest
from datetime import date

from sqlalchemy import select

from fc_funding.adapters.tables import ledger_entries
from fc_devtools.testing import app_client


async def _outbox(app, type_):
    ob = app.state.runtime.spine.outbox
    async with app.state.runtime.sessions() as s:
        rows = (await s.execute(select(ob.c.payload).where(ob.c.type == type_).order_by(ob.c.seq))).scalars()
        return [json.loads(p)["data"] for p in rows]


async def test_a_year_can_be_closed_only_once_it_has_ended_in_the_district(funding_app, kit):
    """The district's clock decides: 31 December is still the year; 1 January of the next one has ended it."""
    for today, year, status in ((date(2026, 12, 31), 2026, 409), (date(2027, 1, 1), 2026, 200),
                                (date(2027, 1, 1), 2027, 409), (date(2028, 2, 29), 2027, 200)):
        app = funding_app(run_workers=False, today=today)
        async with app_client(app) as client:
            r = await client.post(f"/api/v1/years/{year}/close", headers=kit.FINANCE)
            assert r.status_code == status, (today, year, r.text)


@pytest.mark.calendar
async def test_year_close_pays_each_unfinished_project_its_interim_once(funding_app, kit, district_today):
    app = funding_app(run_workers=False)
    due, accepted, later, withdrawn, by_event = (kit.new_id(n) for n in ("due", "acc", "later", "wd", "ev"))
    le = ledger_entries
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(due, target_level="province"),
                         kit.project_event("fc.project.state_changed", accepted, state="accepted",
                                           accepted_level="city", from_state="district_reviewed",
                                           to_state="accepted", cause="fc.acceptance.passed"),
                         kit.approved(later, task_year=2021),
                         kit.project_event("fc.project.withdrawn", withdrawn, state="withdrawn"),
                         kit.approved(by_event))
        r = await client.put("/api/v1/years/2020/budget", json={"budget_fen": 1_000_000_000}, headers=kit.FINANCE)
        assert r.status_code == 200 and r.json()["remaining_fen"] == 1_000_000_000

        # Registry's year-end event pays one project before finance closes the year.
        await kit.handle(app, kit.year_end(by_event))
        assert await kit.count(app, le, le.c.project_id == by_event, le.c.kind == "interim") == 1

        assert (await client.post("/api/v1/years/2020/close", headers=kit.street("S01"))).status_code == 403
        assert (await client.post("/api/v1/years/2020/close", headers=kit.OFFICE)).status_code == 403
        this_year = district_today.year
        r = await client.post(f"/api/v1/years/{this_year}/close", headers=kit.FINANCE)
        assert r.status_code == 409 and r.json()["type"].endswith("year-not-ended")

        first = await client.post("/api/v1/years/2020/close", headers={**kit.FINANCE, "Idempotency-Key": "close-2020"})
        assert first.status_code == 200, first.text
        interims = {e["project_id"]: e for e in first.json()["interims"]}
        assert set(interims) == {due, by_event}
        assert interims[due]["amount_fen"] == 700_000_000 and interims[due]["rules"] == ["F2", "F4"]

        again = await client.post("/api/v1/years/2020/close", headers={**kit.FINANCE, "Idempotency-Key": "close-2020"})
        assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
        plain = await client.post("/api/v1/years/2020/close", headers=kit.FINANCE)
        assert plain.status_code == 200 and plain.json()["interims"] == first.json()["interims"]
        await kit.handle(app, kit.year_end(due, target_level="province"))
        for project in (due, by_event):
            assert await kit.count(app, le, le.c.project_id == project, le.c.kind == "interim") == 1
        for project in (accepted, later, withdrawn):
            assert await kit.count(app, le, le.c.project_id == project) == 0

        # A project funding hears of only after the close is covered by it, once.
        late = kit.new_id("late")
        await kit.handle(app, kit.approved(late), kit.project_event("fc.project.updated", late, state="approved"))
        assert await kit.count(app, le, le.c.project_id == late, le.c.kind == "interim") == 1
        later_event = kit.project_event("fc.project.updated", later, state="approved", task_year=2021)
        await kit.handle(app, later_event)
        assert await kit.count(app, le, le.c.project_id == later) == 0

        year = (await client.get("/api/v1/years/2020/funding", headers=kit.AUDITOR)).json()
        assert year["closed"] is True and year["committed_fen"] == 2_100_000_000
        assert year["remaining_fen"] == 1_000_000_000 - 2_100_000_000
        assert (await client.get("/api/v1/years/2020/funding", headers=kit.street("S01"))).status_code == 403

        # The second interim took the year past its budget: finance is alerted, the payment still stands.
        exceeded = await _outbox(app, "fc.budget.exceeded")
        assert [(e["budget_fen"], e["committed_fen"]) for e in exceeded] == [
            (1_000_000_000, 1_400_000_000), (1_000_000_000, 2_100_000_000)]
        disbursed = await _outbox(app, "fc.subsidy.disbursed")
        assert sorted((d["project_id"], d["kind"], d["year"]) for d in disbursed) == sorted(
            [(due, "interim", 2020), (by_event, "interim", 2020), (late, "interim", 2020)])


async def test_budget_is_finance_only_and_amounts_are_strict(funding_app, kit):
    app = funding_app(run_workers=False)
    async with app_client(app) as client:
        url = "/api/v1/years/2021/budget"
        assert (await client.put(url, json={"budget_fen": 5}, headers=kit.OFFICE)).status_code == 403
        assert (await client.put(url, json={"budget_fen": 5}, headers=kit.street("S01"))).status_code == 403
        for bad in (-1, 1.5, "100", None):
            r = await client.put(url, json={"budget_fen": bad}, headers=kit.FINANCE)
            assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert (await client.get("/api/v1/years/2021/funding", headers=kit.FINANCE)).json()["budget_fen"] is None
        assert (await client.put(url, json={"budget_fen": 7}, headers=kit.FINANCE)).json()["budget_fen"] == 7
