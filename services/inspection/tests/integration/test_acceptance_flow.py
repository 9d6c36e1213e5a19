"""Application → department reviews → province/city result, with the projection filled from the real topic."""
import asyncio
import json

from aiokafka import AIOKafkaConsumer, TopicPartition

from fc_inspection.adapters import tables as t
from fc_shared.events import TOPIC_INSPECTION
from fc_devtools.testing import app_client, async_wait_until, auth

DEPARTMENTS = ("housing", "civil_affairs", "development_reform", "finance")
CITY = auth("integration", scope="city")
RESULT = {"passed": True, "level": "city", "decided_on": "2026-10-20", "reference": "市验〔2026〕12号"}


async def _on_topic(broker, key: str, type_: str):
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(TOPIC_INSPECTION, p) for p in sorted(consumer.partitions_for_topic(TOPIC_INSPECTION)
                                                                     or [0, 1, 2])]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        found = []

        async def look():
            for msgs in (await consumer.getmany(timeout_ms=500)).values():
                found.extend(json.loads(m.value) for m in msgs if m.key == key.encode())
            return [e for e in found if e["type"] == type_]

        return await async_wait_until(look, 60, message=f"{type_} on {TOPIC_INSPECTION}")
    finally:
        await consumer.stop()


async def test_application_reviews_and_result_end_to_end(inspection_app, kit, broker):
    app = inspection_app
    async with app_client(app) as client:
        project = await kit.approved_project(app)
        view = await client.get(f"/api/v1/projects/{project.id}", headers=project.headers)
        assert view.status_code == 200 and view.json()["state"] == "approved"

        # An evaluation with a gap: the gap report names it and the application is refused with the reason.
        partial = kit.all_met()
        first_standard = sorted(partial["indicators"])[0]
        partial["indicators"][first_standard] = {"met": False, "evidence": "尚未建成"}
        r = await client.post(f"/api/v1/projects/{project.id}/evaluations", json=partial, headers=project.headers)
        assert r.status_code == 201, r.text
        assert [g["code"] for g in r.json()["gaps"]] == [first_standard] and r.json()["catalogue_version"] == 1
        gap = await client.get(f"/api/v1/projects/{project.id}/gap-report", headers=project.headers)
        assert gap.json()["gaps"][0]["code"] == first_standard
        refused = await client.post("/api/v1/acceptances", json=kit.application(project.id), headers=project.headers)
        assert refused.status_code == 409
        assert "standard indicators" in refused.json()["detail"]
        assert await kit.count(app, t.acceptances, t.acceptances.c.project_id == project.id) == 0

        acc = await kit.applied(client, project)
        assert acc["state"] == "requested"
        assert acc["required_departments"] == list(DEPARTMENTS) == acc["pending_departments"]
        assert acc["final_expenditure_fen"]["construction"] == 7_000_000_000
        again = await client.post("/api/v1/acceptances", json=kit.application(project.id), headers=project.headers)
        assert again.status_code == 409 and "open acceptance" in again.json()["detail"]

        # A result before the district review is refused.
        early = await client.post(f"/api/v1/acceptances/{acc['id']}/result", json=RESULT, headers=CITY)
        assert early.status_code == 409

        # Each department decides for itself only.
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                              json={"department_code": "finance", "passed": True, "findings": ""},
                              headers=auth("department", department_code="housing"))
        assert r.status_code == 403
        for i, d in enumerate(DEPARTMENTS):
            r = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                                  json={"department_code": d, "passed": True, "findings": "符合要求"},
                                  headers=auth("department", department_code=d))
            assert r.status_code == 201, r.text
            assert r.json()["state"] == ("district_reviewed" if i == 3 else "requested")
        twice = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                                  json={"department_code": "housing", "passed": False, "findings": "x"},
                                  headers=auth("department", department_code="housing"))
        assert twice.status_code == 409

        # The integration's scope must equal the level.
        wrong = await client.post(f"/api/v1/acceptances/{acc['id']}/result", json={**RESULT, "level": "province"},
                                  headers=auth("integration", scope="province"))
        assert wrong.status_code in (403, 404)
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/result", json=RESULT, headers=auth("integration",
                                                                                                    scope="province"))
        assert r.status_code == 403
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/result", json=RESULT, headers=CITY)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "passed" and r.json()["result"]["reference"] == RESULT["reference"]
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/result", json=RESULT, headers=CITY)
        assert r.status_code == 200 and r.json()["state"] == "passed"

        types = [e["type"] for e in await kit.outbox(app, subject=project.id)]
        assert types == ["fc.evaluation.recorded", "fc.evaluation.recorded", "fc.acceptance.requested",
                         *["fc.acceptance.department_reviewed"] * 4, "fc.acceptance.district_reviewed",
                         "fc.acceptance.passed"]
        requested = (await kit.outbox(app, project.id, "fc.acceptance.requested"))[0]["data"]
        assert requested["required_departments"] == list(DEPARTMENTS) and requested["street_code"] == project.street

        passed = (await _on_topic(broker, project.id, "fc.acceptance.passed"))[0]
        assert passed["subject"] == project.id
        assert passed["data"] == {
            "acceptance_id": acc["id"], "project_id": project.id, "street_code": project.street, "level": "city",
            "decided_on": "2026-10-20", "reference": RESULT["reference"],
            "final_expenditure_fen": {"consulting_design": 500_000_000, "construction": 7_000_000_000,
                                      "equipment": 1_500_000_000},
            "channel": "integration", "recorded_by": passed["data"]["recorded_by"], "document_id": None}
        assert passed["data"]["recorded_by"].startswith("integration:city:")


async def test_a_failed_review_returns_the_application_and_the_street_resubmits(inspection_app, kit):
    app = inspection_app
    async with app_client(app) as client:
        project = await kit.approved_project(app)
        acc = await kit.applied(client, project)
        # registry moves the project to accepting on fc.acceptance.requested
        await kit.produce(app, kit.registry_event("fc.project.state_changed", project.id, {
            **kit.snapshot(project.id, project.street, "accepting"), "from_state": "approved", "to_state": "accepting",
            "cause": "fc.acceptance.requested", "acceptance_id": acc["id"]}))
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                              json={"department_code": "civil_affairs", "passed": False, "findings": ""},
                              headers=auth("department", department_code="civil_affairs"))
        assert r.status_code == 422  # a failure must say why
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                              json={"department_code": "civil_affairs", "passed": False,
                                    "findings": "养老服务设施未投入运营"},
                              headers=auth("department", department_code="civil_affairs"))
        assert r.status_code == 201 and r.json()["state"] == "returned"
        failed = (await kit.outbox(app, project.id, "fc.acceptance.review_failed"))[0]["data"]
        assert failed == {"acceptance_id": acc["id"], "project_id": project.id, "street_code": project.street,
                          "department_code": "civil_affairs", "findings": "养老服务设施未投入运营"}
        late = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                                 json={"department_code": "housing", "passed": True, "findings": ""},
                                 headers=auth("department", department_code="housing"))
        assert late.status_code == 409

        # The projection still says accepting (registry has not caught up); the street may resubmit at once.
        r = await client.post("/api/v1/acceptances", json=kit.application(project.id), headers=project.headers)
        assert r.status_code == 201, r.text
        assert r.json()["id"] != acc["id"] and r.json()["state"] == "requested"
        listed = await client.get("/api/v1/acceptances", params={"project_id": project.id}, headers=project.headers)
        assert [a["state"] for a in listed.json()["items"]] == ["returned", "requested"]


async def test_results_posted_concurrently_take_effect_once(inspection_app, kit):
    app = inspection_app
    async with app_client(app) as client:
        project = await kit.approved_project(app)
        acc = await kit.applied(client, project)
        # The four departments decide at the same moment: exactly one of them completes the review.
        reviewed = await asyncio.gather(*[
            client.post(f"/api/v1/acceptances/{acc['id']}/reviews", json={"department_code": d, "passed": True,
                                                                          "findings": ""},
                        headers=auth("department", department_code=d)) for d in DEPARTMENTS])
        assert [r.status_code for r in reviewed] == [201] * 4, [r.text for r in reviewed]
        assert len(await kit.outbox(app, project.id, "fc.acceptance.district_reviewed")) == 1
        answers = await asyncio.gather(*[
            client.post(f"/api/v1/acceptances/{acc['id']}/result", json=RESULT, headers=CITY) for _ in range(6)])
        assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
        assert len(await kit.outbox(app, project.id, "fc.acceptance.passed")) == 1
        other = await client.post(f"/api/v1/acceptances/{acc['id']}/result",
                                  json={**RESULT, "passed": False}, headers=CITY)
        assert other.status_code == 409
        assert await kit.outbox(app, project.id, "fc.acceptance.failed") == []
        # Registry has not moved the project yet, but inspection knows it reached city: no second city award.
        body = kit.application(project.id)
        r = await client.post("/api/v1/acceptances", json=body, headers=project.headers)
        assert r.status_code == 409 and "higher level" in r.json()["detail"]
        r = await client.post("/api/v1/acceptances", json={**body, "level": "province"}, headers=project.headers)
        assert r.status_code == 201


async def test_a_failed_result_closes_the_application_and_a_city_acceptance_may_go_for_province(inspection_app, kit):
    app = inspection_app
    async with app_client(app) as client:
        project = await kit.approved_project(app)
        acc = await kit.district_reviewed(client, project)
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/result", json={**RESULT, "passed": False},
                              headers=CITY)
        assert r.status_code == 200 and r.json()["state"] == "failed"
        failed = (await kit.outbox(app, project.id, "fc.acceptance.failed"))[0]["data"]
        assert failed["level"] == "city" and failed["decided_on"] == RESULT["decided_on"]

        accepted = await kit.approved_project(app, state="accepted", accepted_level="city")
        body = kit.application(accepted.id, level="city")
        await client.post(f"/api/v1/projects/{accepted.id}/evaluations", json=kit.all_met(), headers=accepted.headers)
        r = await client.post("/api/v1/acceptances", json=body, headers=accepted.headers)
        assert r.status_code == 409 and "higher level" in r.json()["detail"]
        r = await client.post("/api/v1/acceptances", json={**body, "level": "province"}, headers=accepted.headers)
        assert r.status_code == 201 and r.json()["level"] == "province"


async def test_a_paper_result_recorded_by_the_office_has_the_same_effect_once(inspection_app, kit):
    app = inspection_app
    office = auth("district_office")
    async with app_client(app) as client:
        project = await kit.approved_project(app)
        acc = await kit.district_reviewed(client, project)
        url = f"/api/v1/acceptances/{acc['id']}/result"
        for bad in ({**RESULT, "reference": ""}, {**RESULT, "reference": "  "}, {k: v for k, v in RESULT.items()
                                                                                 if k != "reference"},
                    {**RESULT, "level": "province"}):
            r = await client.post(url, json=bad, headers=office)
            assert r.status_code in (409, 422), r.text
        assert (await client.post(url, json=RESULT, headers=project.headers)).status_code == 403
        assert (await kit.outbox(app, project.id, "fc.acceptance.passed")) == []
        paper = await client.post(url, json={**RESULT, "document_id": "scan-1"}, headers=office)
        assert paper.status_code == 200, paper.text
        assert (paper.json()["state"], paper.json()["result"]["channel"]) == ("passed", "paper")
        assert paper.json()["result"]["recorded_by"].startswith("district_office:")
        # the city's system posts the same decision: no second effect; another decision: 409
        assert (await client.post(url, json=RESULT, headers=CITY)).status_code == 200
        assert (await client.post(url, json={**RESULT, "reference": "另号"}, headers=CITY)).status_code == 409
        passed = await kit.outbox(app, project.id, "fc.acceptance.passed")
        assert len(passed) == 1
        data = passed[0]["data"]
        assert (data["channel"], data["document_id"], data["reference"]) == ("paper", "scan-1", RESULT["reference"])
        assert data["final_expenditure_fen"]["construction"] == 7_000_000_000


async def test_cancelling_the_project_closes_its_open_acceptance(inspection_app, kit):
    app = inspection_app
    async with app_client(app) as client:
        project = await kit.approved_project(app)
        acc = await kit.applied(client, project)
        await kit.produce(app, kit.registry_event("fc.project.cancelled", project.id, {
            **kit.snapshot(project.id, project.street, "cancelled"), "from_state": "accepting",
            "to_state": "cancelled", "note": "撤销创建", "by": "office", "on": "2026-11-01"}))
        got = (await client.get(f"/api/v1/acceptances/{acc['id']}", headers=project.headers)).json()
        assert got["state"] == "cancelled"
        again = await client.post("/api/v1/acceptances", json=kit.application(project.id), headers=project.headers)
        assert again.status_code == 409 and "cancelled" in again.json()["detail"]


async def test_the_declared_final_expenditure_is_cumulative_and_backed_by_funding(inspection_app, kit):
    """§4.7(1)/§5.3: more than funding recorded → 409 (record the expenditures first); a province application
    declaring less than the accepted city one → 409; both with the figures; the reviews see both figures."""
    app = inspection_app
    async with app_client(app) as client:
        project = await kit.approved_project(app, recorded=False)
        await kit.produce(app, *kit.spent(project.id, project.street, {"consulting_design": 500_000_000,
                                                                       "construction": 6_000_000_000,
                                                                       "equipment": 1_500_000_000}),
                          *kit.spent(project.id, project.street, {"construction": 900_000_000}, eligible=False))
        r = await client.post(f"/api/v1/projects/{project.id}/evaluations", json=kit.all_met(),
                              headers=project.headers)
        assert r.status_code == 201
        body = kit.application(project.id)  # construction 7,000,000,000 fen declared
        r = await client.post("/api/v1/acceptances", json=body, headers=project.headers)
        assert r.status_code == 409 and r.json()["type"].endswith("expenditure-refused")
        assert "construction: declared 7000000000 fen, recorded 6000000000 fen" in r.json()["detail"]
        assert "record the expenditures first" in r.json()["detail"]
        assert await kit.count(app, t.acceptances, t.acceptances.c.project_id == project.id) == 0

        await kit.produce(app, *kit.spent(project.id, project.street, {"construction": 1_000_000_000}))
        r = await client.post("/api/v1/acceptances", json=body, headers=project.headers)
        assert r.status_code == 201, r.text
        acc = r.json()
        assert acc["recorded_eligible_expenditure_fen"] == {"consulting_design": 500_000_000,
                                                            "construction": 7_000_000_000, "equipment": 1_500_000_000}
        dept = auth("department", department_code="housing")
        seen = (await client.get(f"/api/v1/acceptances/{acc['id']}", headers=dept)).json()
        assert seen["final_expenditure_fen"]["construction"] == 7_000_000_000
        assert seen["recorded_eligible_expenditure_fen"]["construction"] == 7_000_000_000
        for d in DEPARTMENTS:
            r = await client.post(f"/api/v1/acceptances/{acc['id']}/reviews",
                                  json={"department_code": d, "passed": True, "findings": ""},
                                  headers=auth("department", department_code=d))
        r = await client.post(f"/api/v1/acceptances/{acc['id']}/result", json=RESULT, headers=CITY)
        assert r.status_code == 200 and r.json()["state"] == "passed"

        # Province: declaring less than the accepted city application (9,000,000,000 fen in all) is refused.
        less = {"consulting_design": 500_000_000, "construction": 6_000_000_000, "equipment": 1_500_000_000}
        r = await client.post("/api/v1/acceptances", json={**body, "level": "province", "final_expenditure_fen": less},
                              headers=project.headers)
        assert r.status_code == 409 and r.json()["type"].endswith("expenditure-refused")
        assert "8000000000 fen" in r.json()["detail"] and "9000000000 fen" in r.json()["detail"]
        r = await client.post("/api/v1/acceptances", json={**body, "level": "province"}, headers=project.headers)
        assert r.status_code == 201, r.text
