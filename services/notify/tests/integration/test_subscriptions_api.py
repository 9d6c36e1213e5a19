"""Subscription management: bad input, who may do what, the secret shown once, pause/resume, delete."""
from fc_devtools.testing import app_client, async_wait_until, auth

from .conftest import inject, project_event

OFFICE = auth("district_office")
PROVINCE = auth("integration", scope="province", sub="zj-province")
CITY = auth("integration", scope="city", sub="city-system")


async def test_bad_subscriptions_are_refused_with_problems(make_app):
    app = make_app()
    async with app_client(app) as client:
        for body in ({"url": "ftp://example.org/hook"}, {"url": "file:///etc/passwd"},
                     {"url": "https://user:pw@example.org/hook"}, {"url": "https://user@example.org/hook"},
                     {"url": "not a url"}, {"url": "https://example.org/" + "x" * 2100},
                     {"url": "https://example.org/hook", "event_types": ["fc.project.exploded"]},
                     {"url": "https://example.org/hook", "description": 5}):
            r = await client.post("/api/v1/subscriptions", headers=OFFICE, json=body)
            assert r.status_code == 422, (body, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        r = await client.post("/api/v1/subscriptions", content=b"{nope",
                              headers={**OFFICE, "content-type": "application/json"})
        assert r.status_code == 400
        assert (await client.get("/api/v1/subscriptions", headers=OFFICE)).json()["items"] == []
        assert (await client.get("/api/v1/deliveries", headers=OFFICE, params={"status": "lost"})).status_code == 422
        assert (await client.get("/api/v1/deliveries", headers=OFFICE, params={"cursor": "%%%"})).status_code == 400


async def test_office_manages_all_an_integration_only_its_own(make_app):
    app = make_app()
    async with app_client(app) as client:
        r = await client.post("/api/v1/subscriptions", headers=PROVINCE,
                              json={"url": "https://province.example/hook", "event_types": ["fc.subsidy.approved"]})
        assert r.status_code == 201
        mine = r.json()
        assert mine["secret"].startswith("whsec_") and mine["status"] == "active"
        other = (await client.post("/api/v1/subscriptions", headers=CITY,
                                   json={"url": "https://city.example/hook"})).json()
        for role in ("street", "finance", "auditor", "department"):
            claims = {"street": {"street_code": "S01"}, "department": {"department_code": "housing"}}.get(role, {})
            r = await client.post("/api/v1/subscriptions", headers=auth(role, **claims),
                                  json={"url": "https://x.example/hook"})
            assert r.status_code == 403, role

        got = await client.get(f"/api/v1/subscriptions/{mine['id']}", headers=PROVINCE)
        assert got.status_code == 200 and "secret" not in got.json()
        assert {s["id"] for s in (await client.get("/api/v1/subscriptions", headers=PROVINCE)).json()["items"]} == {mine["id"]}
        assert len((await client.get("/api/v1/subscriptions", headers=OFFICE)).json()["items"]) == 2
        assert len((await client.get("/api/v1/subscriptions", headers=auth("auditor"))).json()["items"]) == 2
        filtered = (await client.get("/api/v1/subscriptions", headers=OFFICE,
                                     params={"event_type": "fc.subsidy.approved", "limit": 1})).json()
        assert len(filtered["items"]) == 1  # the all-types one and the subsidy one both match; one per page
        assert filtered["next_cursor"]

        # Another integration's subscription does not exist as far as this one can tell.
        for method, path in (("GET", ""), ("POST", "/pause"), ("POST", "/rotate"), ("DELETE", "")):
            r = await client.request(method, f"/api/v1/subscriptions/{other['id']}{path}", headers=PROVINCE)
            assert r.status_code == 404, (method, path)
        assert (await client.post(f"/api/v1/subscriptions/{mine['id']}/pause", headers=auth("auditor"))).status_code == 403

        paused = await client.post(f"/api/v1/subscriptions/{other['id']}/pause", headers=OFFICE)
        assert paused.json()["status"] == "paused"
        assert (await client.post(f"/api/v1/subscriptions/{other['id']}/resume", headers=CITY)).json()["status"] == "active"
        assert (await client.delete(f"/api/v1/subscriptions/{mine['id']}", headers=PROVINCE)).status_code == 204
        assert (await client.get(f"/api/v1/subscriptions/{mine['id']}", headers=OFFICE)).status_code == 404


async def test_a_paused_subscription_holds_its_deliveries_until_resumed(make_app, receiver):
    app = make_app()
    async with app_client(app) as client:
        sub = (await client.post("/api/v1/subscriptions", headers=PROVINCE, json={"url": receiver.url("/paused")})).json()
        await client.post(f"/api/v1/subscriptions/{sub['id']}/pause", headers=PROVINCE)
        assert await inject(app, project_event("fc.project.created"))
        [d] = (await client.get("/api/v1/deliveries", headers=PROVINCE)).json()["items"]
        assert d["status"] == "pending"
        assert (await client.get("/api/v1/deliveries", headers=CITY)).json()["items"] == []
        assert (await client.get(f"/api/v1/deliveries/{d['id']}", headers=CITY)).status_code == 404
        assert (await client.post(f"/api/v1/deliveries/{d['id']}/retry", headers=CITY)).status_code == 404
        assert receiver.received("/paused", ok_only=False) == []
        await client.post(f"/api/v1/subscriptions/{sub['id']}/resume", headers=PROVINCE)
        await async_wait_until(lambda: receiver.received("/paused"), 60, message="delivered after resume")

        # Deleting a paused subscription closes its waiting deliveries in the log.
        other = (await client.post("/api/v1/subscriptions", headers=CITY, json={"url": receiver.url("/gone-soon")})).json()
        await client.post(f"/api/v1/subscriptions/{other['id']}/pause", headers=CITY)
        assert await inject(app, project_event("fc.project.created", project_id="p-2"))
        assert (await client.delete(f"/api/v1/subscriptions/{other['id']}", headers=CITY)).status_code == 204
        [closed] = (await client.get("/api/v1/deliveries", headers=OFFICE,
                                     params={"subscription_id": other["id"]})).json()["items"]
        assert closed["status"] == "failed" and closed["last_error"] == "subscription deleted"
