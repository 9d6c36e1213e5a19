"""Scopes (streets, departments, integrations, auditors), bad bodies, and catalogue versioning."""
from fc_inspection.adapters import tables as t
from fc_devtools.testing import app_client, auth

OFFICE = auth("district_office")
AUDITOR = auth("auditor")


async def test_scopes_bad_input_and_catalogue_versions(inspection_app, kit):
    app = inspection_app
    async with app_client(app) as client:
        mine = await kit.approved_project(app)
        other = await kit.approved_project(app)
        acc = await kit.applied(client, mine)

        # Streets see only their own; existence of another street's data stays private.
        for path in (f"/api/v1/projects/{mine.id}", f"/api/v1/projects/{mine.id}/evaluations",
                     f"/api/v1/projects/{mine.id}/gap-report", f"/api/v1/acceptances/{acc['id']}"):
            assert (await client.get(path, headers=other.headers)).status_code == 404, path
            assert (await client.get(path, headers=mine.headers)).status_code == 200, path
        r = await client.post(f"/api/v1/projects/{mine.id}/evaluations", json=kit.all_met(), headers=other.headers)
        assert r.status_code == 404
        r = await client.post("/api/v1/acceptances", json=kit.application(mine.id), headers=other.headers)
        assert r.status_code == 404
        assert (await client.get("/api/v1/acceptances", headers=other.headers)).json()["items"] == []
        assert (await client.get("/api/v1/acceptances", headers=AUDITOR)).json()["items"][0]["id"] == acc["id"]
        assert (await client.get("/api/v1/acceptances")).status_code == 401

        # Auditors read only.
        assert (await client.post("/api/v1/acceptances", json=kit.application(other.id),
                                  headers=AUDITOR)).status_code == 403
        assert (await client.put("/api/v1/review-config", json={"required_departments": ["housing"]},
                                 headers=AUDITOR)).status_code == 403

        # Departments see only what they review; the required set is configurable for new applications.
        r = await client.put("/api/v1/review-config", json={"required_departments": ["housing", "health"]},
                             headers=OFFICE)
        assert r.status_code == 200
        second = await kit.applied(client, other)
        assert second["required_departments"] == ["housing", "health"]
        civil = auth("department", department_code="civil_affairs")
        assert [a["id"] for a in (await client.get("/api/v1/acceptances", headers=civil)).json()["items"]] == [acc["id"]]
        assert (await client.get(f"/api/v1/acceptances/{second['id']}", headers=civil)).status_code == 404
        health = auth("department", department_code="health")
        assert [a["id"] for a in (await client.get("/api/v1/acceptances", headers=health)).json()["items"]] == [
            second["id"]]
        # Integrations see their level only.
        assert (await client.get(f"/api/v1/acceptances/{acc['id']}",
                                 headers=auth("integration", scope="province"))).status_code == 404

        # Bad bodies: 4xx problems and nothing written.
        before = (await kit.count(app, t.acceptances), await kit.count(app, t.evaluations),
                  await kit.count(app, t.spine.outbox))
        fen = kit.application(other.id)["final_expenditure_fen"]
        bad_applications = [
            {**kit.application(other.id), "final_expenditure_fen": {**fen, "construction": 1.5}},
            {**kit.application(other.id), "final_expenditure_fen": {**fen, "construction": -1}},
            {**kit.application(other.id), "final_expenditure_fen": {**fen, "construction": "100"}},
            {**kit.application(other.id), "final_expenditure_fen": {"construction": 1}},
            {**kit.application(other.id), "level": "county"},
            {**kit.application(other.id), "report": "  "},
            {**kit.application(other.id), "surprise": 1},
        ]
        for body in bad_applications:
            r = await client.post("/api/v1/acceptances", json=body, headers=other.headers)
            assert r.status_code == 422, body
            assert r.headers["content-type"] == "application/problem+json"
        r = await client.post("/api/v1/acceptances", content=b"{not json", headers={**other.headers,
                                                                                   "content-type": "application/json"})
        assert r.status_code == 400
        r = await client.post(f"/api/v1/projects/{other.id}/evaluations",
                              json={"indicators": {"ZZ-99": {"met": True, "evidence": "?"}}}, headers=other.headers)
        assert r.status_code == 422 and r.json()["unknown_codes"] == ["ZZ-99"]
        r = await client.post(f"/api/v1/projects/{other.id}/evaluations",
                              json={"indicators": {"NB-01": {"met": "yes", "evidence": ""}}}, headers=other.headers)
        assert r.status_code == 422
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/result",
                              json={"passed": True, "level": "city", "decided_on": "not a date", "reference": "r"},
                              headers=auth("integration", scope="city"))
        assert r.status_code == 422
        assert (await kit.count(app, t.acceptances), await kit.count(app, t.evaluations),
                await kit.count(app, t.spine.outbox)) == before

        # A new catalogue version: old evaluations keep theirs; new ones use it.
        v1 = (await client.get("/api/v1/scenario-catalogue", headers=mine.headers)).json()
        assert v1["version"] == 1 and len(v1["indicators"]) >= 27
        added = {"code": "NB-09", "scenario": "neighbourhood", "kind": "standard", "title_zh": "社区食堂"}
        invalid = await client.post("/api/v1/scenario-catalogue", headers=OFFICE,
                                    json={"indicators": v1["indicators"][:5]})
        assert invalid.status_code == 422
        r = await client.post("/api/v1/scenario-catalogue", json={"indicators": [*v1["indicators"], added]},
                              headers=OFFICE)
        assert r.status_code == 201 and r.json()["version"] == 2
        assert (await client.post("/api/v1/scenario-catalogue", json={"indicators": v1["indicators"]},
                                  headers=mine.headers)).status_code == 403
        assert (await client.get("/api/v1/scenario-catalogue", headers=AUDITOR)).json()["version"] == 2
        old = (await client.get(f"/api/v1/projects/{mine.id}/gap-report", headers=mine.headers)).json()
        assert old["catalogue_version"] == 1 and old["all_standard_met"] is True
        assert (await client.get("/api/v1/scenario-catalogue/versions/1", headers=AUDITOR)).json() == v1
        r = await client.post(f"/api/v1/projects/{mine.id}/evaluations", json=kit.all_met(), headers=mine.headers)
        assert r.status_code == 201
        assert r.json()["catalogue_version"] == 2 and [g["code"] for g in r.json()["gaps"]] == ["NB-09"]
