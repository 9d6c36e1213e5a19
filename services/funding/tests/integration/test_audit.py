"""Funding's audit log: a budget edit old → new by the finance user; projections kept from events by event id."""
from fc_devtools.testing import app_client, auth

AUDITOR = auth("auditor")


async def test_budget_edits_and_event_writes_are_audited(funding_app, kit):
    app = funding_app(run_workers=False)
    finance = auth("finance", sub="finance-zhou")
    async with app_client(app) as client:
        for fen in (1_000_000_000, 1_200_000_000):
            r = await client.put("/api/v1/years/2020/budget", json={"budget_fen": fen}, headers=finance)
            assert r.status_code == 200, r.text
        items = (await client.get("/api/v1/audit", params={"actor": "finance-zhou"}, headers=AUDITOR)).json()["items"]
        update = next(e for e in items if e["action"] == "update")
        assert update["changes"]["budget_fen"] == [1_000_000_000, 1_200_000_000]
        assert (update["role"], update["route"]) == ("finance", "PUT /api/v1/years/{year}/budget")

        event = kit.approved(kit.new_id())
        await kit.handle(app, event)
        by_event = (await client.get("/api/v1/audit", params={"actor": event.id}, headers=AUDITOR)).json()["items"]
        assert by_event and all(e["role"] == "event" and e["route"] == event.type for e in by_event)
        assert any(e["resource_id"] == event.subject for e in by_event)
        for headers in (auth("street", street_code="S01"), auth("department", department_code="housing"), finance):
            assert (await client.get("/api/v1/audit", headers=headers)).status_code == 403
        assert (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["ok"] is True
