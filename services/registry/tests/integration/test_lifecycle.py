"""Projects and their lifecycle through the API, with the events they write, on SQLite and PostgreSQL."""
import asyncio
import uuid
from datetime import date

from sqlalchemy import select

from fc_shared.contracts import ProjectSnapshot
from fc_devtools.testing import auth

OFFICE = auth("district_office")


async def test_approve_sets_deadline_by_civil_code_and_task_year(client, world, outbox):
    street = await world.street()
    p = await world.approved(street, on="2024-02-29", created_on="2024-01-10", type="new_build")
    assert p["state"] == "approved" and p["approved_on"] == "2024-02-29"
    assert p["creation_deadline"] == "2027-02-28" and p["task_year"] == 2027
    events = await outbox(client.app, "fc.project.approved", p["id"])
    assert len(events) == 1
    data = events[0]["data"]
    snap = ProjectSnapshot.from_event_data(data)
    assert snap.creation_deadline.isoformat() == "2027-02-28" and snap.street_code == street
    assert data["from_state"] == "submitted" and data["to_state"] == "approved" and data["on"] == "2024-02-29"
    history = (await client.get(f"/api/v1/projects/{p['id']}/history", headers=OFFICE)).json()
    assert [(h["action"], h["from_state"], h["to_state"]) for h in history] == [
        ("create", None, "draft"), ("apply", "draft", "applied"), ("select", "applied", "selected"),
        ("submit", "selected", "submitted"), ("approve", "submitted", "approved")]
    assert all(h["by"] and h["at"] for h in history)
    types = [e["type"] for e in await outbox(client.app, key=p["id"])]
    assert types == ["fc.project.created", "fc.project.applied", "fc.project.selected", "fc.project.submitted",
                     "fc.project.approved"]


async def test_renovation_one_year_from_leap_day_and_override_with_reason(client, world):
    street = await world.street()
    p = await world.approved(street, on="2024-02-29", created_on="2024-01-01")
    assert p["creation_deadline"] == "2025-02-28" and p["task_year"] == 2025
    cid = await world.community(street)
    refused = await client.post("/api/v1/projects", headers=OFFICE, json={
        "name": "x", "community_ids": [cid], "type": "renovation", "target_level": "city", "area_ha": 20,
        "life_circle_minutes": 10, "creation_period_months": 18})
    assert refused.status_code == 422 and refused.json()["type"].endswith("period-reason-required")
    q = await world.project([cid], creation_period_months=18, creation_period_reason="拆改量大", created_on="2024-01-01")
    done = await world.move(q["id"], "apply", "select", "submit", "approve", on="2024-03-31", task_year=2025)
    assert done["creation_deadline"] == "2025-09-30" and done["task_year"] == 2025
    assert done["creation_period_reason"] == "拆改量大"


async def test_invalid_action_is_409_with_allowed_actions_and_roles_are_enforced(client, world):
    street = await world.street()
    cid = await world.community(street)
    own = auth("street", street_code=street)
    p = await world.project([cid])
    r = await client.post(f"/api/v1/projects/{p['id']}/transitions", json={"action": "submit"}, headers=OFFICE)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["allowed_actions"] == ["apply", "withdraw"]
    assert (await client.post(f"/api/v1/projects/{p['id']}/transitions", json={"action": "select"},
                              headers=own)).status_code == 403
    await world.move(p["id"], "apply", headers=own)
    no_note = await client.post(f"/api/v1/projects/{p['id']}/transitions", json={"action": "reject"}, headers=OFFICE)
    assert no_note.status_code == 422
    rejected = await world.move(p["id"], "reject", note="基础条件不足")
    assert rejected["state"] == "rejected"
    for role in ("auditor", "finance", "department"):
        extra = {"department_code": "housing"} if role == "department" else {}
        assert (await client.post(f"/api/v1/projects/{p['id']}/transitions", json={"action": "withdraw"},
                                  headers=auth(role, **extra))).status_code == 403


async def test_apply_requires_the_survey_of_every_community(client, world, outbox):
    street = await world.street()
    good = await world.community(street)
    bare = await world.community(street, surveyed=False)
    p = await world.project([good, bare])
    r = await client.post(f"/api/v1/projects/{p['id']}/transitions", json={"action": "apply"}, headers=OFFICE)
    assert r.status_code == 409 and r.json()["type"].endswith("survey-incomplete")
    assert set(r.json()["missing"][bare]) == {"location", "needs", "features", "spatial_resources"}
    assert (await client.get(f"/api/v1/projects/{p['id']}", headers=OFFICE)).json()["state"] == "draft"
    assert await outbox(client.app, "fc.project.applied", p["id"]) == []
    fix = await client.patch(f"/api/v1/communities/{bare}", headers=OFFICE, json={
        "needs": "托育", "features": "古镇", "spatial_resources": "空地", "address": "样例路1号"})
    assert fix.status_code == 200 and fix.json()["survey_missing"] == []
    assert (await world.move(p["id"], "apply"))["state"] == "applied"


async def test_approval_dates_in_the_future_or_before_creation_are_refused(client, world, outbox):
    street = await world.street()
    cid = await world.community(street)
    p = await world.project([cid], created_on="2024-05-01")
    await world.move(p["id"], "apply", "select", "submit")
    for on in ("2999-01-01", "2024-04-30"):
        r = await client.post(f"/api/v1/projects/{p['id']}/transitions", json={"action": "approve", "on": on},
                              headers=OFFICE)
        assert r.status_code == 422, r.text
    missing = await client.post(f"/api/v1/projects/{p['id']}/transitions", json={"action": "approve"}, headers=OFFICE)
    assert missing.status_code == 422
    assert (await client.get(f"/api/v1/projects/{p['id']}", headers=OFFICE)).json()["approved_on"] is None
    assert await outbox(client.app, "fc.project.approved", p["id"]) == []


async def test_two_concurrent_transitions_cannot_both_win(client, world, outbox):
    street = await world.street()
    cid = await world.community(street)
    p = await world.project([cid])
    await world.move(p["id"], "apply")
    results = await asyncio.gather(*[
        client.post(f"/api/v1/projects/{p['id']}/transitions", json=body, headers=OFFICE)
        for body in ({"action": "select"}, {"action": "reject", "note": "不予推荐"})])
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    decided = [e["type"] for e in await outbox(client.app, key=p["id"])]
    assert len([t for t in decided if t in ("fc.project.selected", "fc.project.rejected")]) == 1
    stale = await client.post(f"/api/v1/projects/{p['id']}/transitions",
                              json={"action": "withdraw", "expected_version": 1}, headers=OFFICE)
    assert stale.status_code == 409 and stale.json()["type"].endswith("concurrent-update")


async def test_street_scope_and_bad_input_write_nothing(client, world, outbox):
    from fc_registry.adapters.tables import projects

    a, b = await world.street(), await world.street()
    ca, cb = await world.community(a), await world.community(b)
    street_a = auth("street", street_code=a)
    p_b = await world.project([cb])
    assert (await client.get(f"/api/v1/projects/{p_b['id']}", headers=street_a)).status_code == 404
    assert (await client.get(f"/api/v1/communities/{cb}", headers=street_a)).status_code == 404
    assert (await client.post(f"/api/v1/projects/{p_b['id']}/transitions", json={"action": "apply"},
                              headers=street_a)).status_code == 404
    listed = (await client.get("/api/v1/projects", headers=street_a)).json()["items"]
    assert all(p["street_code"] == a for p in listed)
    base = {"name": "x", "type": "renovation", "target_level": "city", "area_ha": 20, "life_circle_minutes": 15}
    cases = [
        ({**base, "community_ids": [str(uuid.uuid4())]}, OFFICE, 422),
        ({**base, "community_ids": [ca, cb]}, OFFICE, 422),
        ({**base, "community_ids": [cb]}, street_a, 403),
        ({**base, "community_ids": [ca], "name": "  "}, OFFICE, 422),
        ({**base, "community_ids": [ca], "area_ha": -3}, OFFICE, 422),
        ({**base, "community_ids": [ca], "created_on": "2999-01-01"}, OFFICE, 422),
        ({**base, "community_ids": [ca]}, auth("auditor"), 403),
    ]
    async with client.app.state.runtime.sessions() as s:
        before = len((await s.execute(select(projects.c.id))).all())
    for body, headers, status in cases:
        r = await client.post("/api/v1/projects", json=body, headers=headers)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    async with client.app.state.runtime.sessions() as s:
        assert len((await s.execute(select(projects.c.id))).all()) == before
    dup = await client.post("/api/v1/streets", json={"code": a, "name": "重复", "kind": "town"}, headers=OFFICE)
    assert dup.status_code == 409
    neg = await client.post("/api/v1/communities", headers=OFFICE, json={
        "street_code": a, "name": "负", "area_ha": -1, "population": 1, "households": 1, "elderly_share": 0.1,
        "children_share": 0.1})
    assert neg.status_code == 422
    other = await client.post("/api/v1/communities", headers=street_a, json={
        "street_code": b, "name": "越界", "area_ha": 1, "population": 1, "households": 1, "elderly_share": 0.1,
        "children_share": 0.1})
    assert other.status_code == 403


async def test_scope_warning_is_a_warning_and_list_filters(client, world):
    street = await world.street()
    cid = await world.community(street)
    small = await world.project([cid], area_ha=3, type="new_build", target_level="province")
    assert small["warnings"] and "5–60" in small["warnings"][0]
    normal = await world.project([await world.community(street)])
    assert normal["warnings"] == []
    r = await client.get("/api/v1/projects", params={"street_code": street, "type": "new_build",
                                                     "target_level": "province"}, headers=OFFICE)
    assert [p["id"] for p in r.json()["items"]] == [small["id"]]
    page1 = (await client.get("/api/v1/projects", params={"street_code": street, "limit": 1}, headers=OFFICE)).json()
    page2 = (await client.get("/api/v1/projects", params={"street_code": street, "limit": 1,
                                                          "cursor": page1["next_cursor"]}, headers=OFFICE)).json()
    assert {page1["items"][0]["id"], page2["items"][0]["id"]} == {small["id"], normal["id"]}
    huge = await client.get("/api/v1/projects", params={"task_year": 10**21}, headers=OFFICE)  # not an SQL integer
    assert huge.status_code == 422 and huge.headers["content-type"] == "application/problem+json"
    cfg = await client.patch("/api/v1/config", json={"scope_min_ha": 1, "scope_max_ha": 100}, headers=OFFICE)
    assert cfg.status_code == 200
    assert (await world.project([await world.community(street)], area_ha=3))["warnings"] == []


async def test_edit_before_approval_only_with_version_check(client, world, outbox):
    street = await world.street()
    c1, c2 = await world.community(street), await world.community(street)
    p = await world.project([c1])
    r = await client.patch(f"/api/v1/projects/{p['id']}", headers=OFFICE, json={
        "community_ids": [c1, c2], "type": "new_build", "expected_version": p["version"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["community_ids"] == [c1, c2] and body["creation_period_months"] == 36
    assert (await client.patch(f"/api/v1/projects/{p['id']}", headers=OFFICE,
                               json={"name": "旧版本", "expected_version": p["version"]})).status_code == 409
    other = await world.community(await world.street())
    assert (await client.patch(f"/api/v1/projects/{p['id']}", headers=OFFICE,
                               json={"community_ids": [other]})).status_code == 422
    updated = await outbox(client.app, "fc.project.updated", p["id"])
    assert len(updated) == 1 and updated[0]["data"]["type"] == "new_build"
    done = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    assert (await client.patch(f"/api/v1/projects/{done['id']}", headers=OFFICE,
                               json={"name": "改名"})).status_code == 409


async def test_a_street_joins_and_a_project_is_created_on_the_district_day(make_app, world_of):
    """No date given: the district's clock decides, here pinned to a leap day."""
    from fc_devtools.testing import app_client

    async with app_client(make_app(workers=False, today=date(2028, 2, 29))) as c:
        w = world_of(c)
        street = await w.street()
        listed = (await c.get("/api/v1/streets", headers=OFFICE)).json()["items"]
        assert [s["created_on"] for s in listed if s["code"] == street] == ["2028-02-29"]
        p = await w.project([await w.community(street)])
        assert p["created_on"] == "2028-02-29"
