"""Inspection's audit log: settings edits old → new, integration secrets masked, a signed result by its integration."""
import json
import uuid

from fc_devtools.testing import app_client, auth
from fc_shared.webhooks import headers_for

OFFICE = auth("district_office", sub="office-wang")
AUDITOR = auth("auditor")


async def _log(client, **params):
    r = await client.get("/api/v1/audit", params={"limit": 500, **params}, headers=AUDITOR)
    assert r.status_code == 200, r.text
    return r


async def test_review_config_integrations_and_a_signed_result_are_audited(inspection_app, kit):
    app = inspection_app
    async with app_client(app) as client:
        city = (await client.post("/api/v1/integrations", json={"scope": "city", "name": "市系统"}, headers=OFFICE)).json()
        rotated = (await client.post(f"/api/v1/integrations/{city['id']}/secret", headers=OFFICE)).json()
        log = await _log(client, resource="integrations", resource_id=city["id"])
        assert city["secret"] not in log.text and rotated["secret"] not in log.text
        assert [e["changes"]["secret"] for e in log.json()["items"]] == [["***", "***"], [None, "***"]]

        project = await kit.approved_project(app)
        acc = await kit.district_reviewed(client, project)
        body = json.dumps({"acceptance_id": acc["id"], "passed": True, "level": "city",
                           "decided_on": "2026-10-21", "reference": "市验〔2026〕30号"}).encode()
        r = await client.post(f"/api/v1/integrations/{city['id']}/results", content=body,
                              headers=headers_for([rotated["secret"]], f"msg_{uuid.uuid4().hex}", body))
        assert r.status_code == 200, r.text
        by_integration = (await _log(client, actor=f"integration:{city['id']}")).json()["items"]
        assert {e["resource"] for e in by_integration} >= {"acceptances", "webhook_messages"}
        assert all((e["role"], e["scope"], e["route"]) ==
                   ("integration", "city", "POST /api/v1/integrations/{integration_id}/results") for e in by_integration)
        passed = [e for e in by_integration if e["resource"] == "acceptances" and e["resource_id"] == acc["id"]]
        assert passed and passed[0]["changes"]["state"][1] == "passed"
        assert (await client.put("/api/v1/review-config", json={"required_departments": ["housing"]},
                                 headers=OFFICE)).status_code == 200
        assert (await client.put("/api/v1/review-config", json={"required_departments": ["housing", "health"]},
                                 headers=OFFICE)).status_code == 200
        edits = [e for e in (await _log(client, actor="office-wang")).json()["items"]
                 if e["route"] == "PUT /api/v1/review-config" and e["action"] == "update"]
        assert any(["housing"] in c and ["housing", "health"] in c for e in edits for c in e["changes"].values()), edits

        assert (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["ok"] is True
