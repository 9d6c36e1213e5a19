"""Province/city results as Standard-Webhooks-signed POSTs: bad signature, stale timestamp, replay → 401, nothing written."""
import json
import time
import uuid

from fc_inspection.adapters import tables as t
from fc_devtools.testing import app_client, auth
from fc_shared.webhooks import headers_for, new_secret

OFFICE = auth("district_office")


async def test_signed_result_webhook(inspection_app, kit):
    app = inspection_app
    async with app_client(app) as client:
        r = await client.post("/api/v1/integrations", json={"scope": "city", "name": "市未来社区系统"}, headers=OFFICE)
        assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
        city = r.json()
        province = (await client.post("/api/v1/integrations", json={"scope": "province", "name": "省系统"},
                                      headers=OFFICE)).json()
        listed = await client.get("/api/v1/integrations", headers=OFFICE)
        assert all("secret" not in i for i in listed.json()["items"])
        assert (await client.post("/api/v1/integrations", json={"scope": "city", "name": "x"},
                                  headers=auth("street", street_code="S1"))).status_code == 403

        project = await kit.approved_project(app)
        acc = await kit.district_reviewed(client, project)
        body = json.dumps({"acceptance_id": acc["id"], "passed": True, "level": "city",
                           "decided_on": "2026-10-21", "reference": "市验〔2026〕30号"}).encode()
        url = f"/api/v1/integrations/{city['id']}/results"

        async def nothing_written():
            return (await kit.count(app, t.webhook_messages) == 0
                    and await kit.outbox(app, project.id, "fc.acceptance.passed") == [])

        refusals = {
            "wrong secret": headers_for([new_secret()], f"msg_{uuid.uuid4().hex}", body),
            "stale timestamp": headers_for([city["secret"]], f"msg_{uuid.uuid4().hex}", body,
                                           timestamp=int(time.time()) - 6 * 60),
            "body tampered": headers_for([city["secret"]], f"msg_{uuid.uuid4().hex}", body.replace(b"true", b"false")),
            "no headers": {"content-type": "application/json"},
        }
        for why, headers in refusals.items():
            r = await client.post(url, content=body, headers=headers)
            assert r.status_code == 401, (why, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        assert await nothing_written()

        # The province system's secret is valid, but a province integration may not post a city result.
        r = await client.post(f"/api/v1/integrations/{province['id']}/results", content=body,
                              headers=headers_for([province["secret"]], f"msg_{uuid.uuid4().hex}", body))
        assert r.status_code == 403
        assert await nothing_written()

        msg_id = f"msg_{uuid.uuid4().hex}"
        good = headers_for([city["secret"]], msg_id, body)
        r = await client.post(url, content=body, headers=good)
        assert r.status_code == 200, r.text
        assert r.json() == {"acceptance_id": acc["id"], "applied": True}
        replay = await client.post(url, content=body, headers=good)
        assert replay.status_code == 401 and "replay" in replay.json()["detail"]
        assert len(await kit.outbox(app, project.id, "fc.acceptance.passed")) == 1
        view = (await client.get(f"/api/v1/acceptances/{acc['id']}", headers=project.headers)).json()
        assert view["state"] == "passed" and view["result"]["reference"] == "市验〔2026〕30号"

        # Rotation: the new secret is shown once and the old one verifies nothing.
        rotated = (await client.post(f"/api/v1/integrations/{city['id']}/secret", headers=OFFICE)).json()
        assert rotated["secret"] != city["secret"]
        r = await client.post(url, content=body, headers=headers_for([city["secret"]], f"msg_{uuid.uuid4().hex}", body))
        assert r.status_code == 401
        r = await client.post(url, content=body, headers=headers_for([rotated["secret"]], f"msg_{uuid.uuid4().hex}",
                                                                     body))
        assert r.status_code == 200 and r.json()["applied"] is False  # the same result again: no second effect
        assert len(await kit.outbox(app, project.id, "fc.acceptance.passed")) == 1


async def test_a_signed_body_is_still_read_strictly(inspection_app, kit):
    """A valid signature proves the sender, not the body: a number, a boolean or text that is no programme date as
    `decided_on` is refused like any invalid body (422 problem, or 400 for no JSON), and nothing is recorded."""
    app = inspection_app
    async with app_client(app) as client:
        city = (await client.post("/api/v1/integrations", json={"scope": "city", "name": "市系统"},
                                  headers=OFFICE)).json()
        project = await kit.approved_project(app)
        acc = await kit.district_reviewed(client, project)
        url = f"/api/v1/integrations/{city['id']}/results"
        good = {"acceptance_id": acc["id"], "passed": True, "level": "city", "decided_on": "2026-10-21",
                "reference": "市验〔2026〕31号"}
        # The result route refuses these bodies with this shape; the webhook must answer alike.
        routed = await client.post(f"/api/v1/acceptances/{acc['id']}/result",
                                   json={k: v for k, v in good.items() if k != "acceptance_id"} | {"decided_on": 0},
                                   headers=auth("integration", scope="city"))
        assert routed.status_code == 422 and routed.json()["type"].endswith("/validation"), routed.text

        bad = [{"decided_on": 0}, {"decided_on": True}, {"decided_on": "0"}, {"decided_on": 1.5e9},
               {"decided_on": "1970-01-01"}, {"decided_on": "0001-01-01"}, {"decided_on": "9999-12-31"},
               {"decided_on": "2026-02-30"}, {"passed": 1}, {"level": "county"}, {"reference": " "},
               {"extra": "field"}]
        for change in bad:
            body = json.dumps(good | change).encode()
            r = await client.post(url, content=body, headers=headers_for([city["secret"]],
                                                                         f"msg_{uuid.uuid4().hex}", body))
            assert r.status_code == 422, (change, r.text)
            problem = r.json()
            assert r.headers["content-type"] == "application/problem+json"
            assert problem["type"] == routed.json()["type"] and problem["title"] == routed.json()["title"]
            assert problem["errors"] and all(set(e) == {"loc", "msg", "type"} and e["loc"][0] == "body"
                                             for e in problem["errors"]), problem
        assert any("extra" in e["loc"] for e in problem["errors"])  # the last body: the unknown field is named

        for raw in (b"{not json", b"\xff\xfe"):
            r = await client.post(url, content=raw, headers=headers_for([city["secret"]],
                                                                        f"msg_{uuid.uuid4().hex}", raw))
            assert r.status_code == 400 and r.json()["type"].endswith("/malformed-json"), r.text

        assert await kit.count(app, t.webhook_messages) == 0
        assert await kit.outbox(app, project.id, "fc.acceptance.passed") == []
        view = (await client.get(f"/api/v1/acceptances/{acc['id']}", headers=project.headers)).json()
        assert view["state"] == "district_reviewed" and not view.get("result")
