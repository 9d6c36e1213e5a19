"""Documents, summaries, board, public API, premises and targets through the API."""
import io

import httpx
from openpyxl import load_workbook

from fc_devtools.testing import async_wait_until, auth

OFFICE = auth("district_office")
PDF = "application/pdf"


async def _upload(client, cid, kind, data=b"%PDF-1.4 sample", ctype=PDF, headers=OFFICE, name="plan.pdf",
                  project_id=None):
    form = {"kind": kind, **({"project_id": project_id} if project_id else {})}
    return await client.post(f"/api/v1/communities/{cid}/documents", headers=headers, data=form,
                             files={"file": (name, data, ctype)})


async def test_documents_versions_download_limits_and_plan_deadline(make_app, world_of, outbox):
    from fc_devtools.testing import app_client

    app = make_app(workers=False, document_max_bytes=1024)
    async with app_client(app) as client:
        world = world_of(client)
        street = await world.street()
        p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
        cid = p["community_ids"][0]
        first = await _upload(client, cid, "application_plan", b"%PDF v1", project_id=p["id"])
        second = await _upload(client, cid, "application_plan", b"%PDF v2", project_id=p["id"])
        assert first.status_code == second.status_code == 201, first.text
        assert (first.json()["version"], second.json()["version"]) == (1, 2)
        versions = (await client.get(f"/api/v1/communities/{cid}/documents", params={"kind": "application_plan"},
                                     headers=OFFICE)).json()["items"]
        assert [d["version"] for d in versions] == [2, 1]
        got = await client.get(f"/api/v1/documents/{first.json()['id']}/download", headers=OFFICE)
        assert got.status_code == 200 and got.content == b"%PDF v1" and got.headers["content-type"] == PDF
        too_big = await _upload(client, cid, "survey", b"x" * 2048)
        assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"
        wrong = await _upload(client, cid, "survey", b"MZ", ctype="application/x-msdownload", name="a.exe")
        assert wrong.status_code == 415
        bad_kind = await _upload(client, cid, "selfie")
        assert bad_kind.status_code == 422
        other_street = auth("street", street_code=await world.street())
        assert (await _upload(client, cid, "survey", headers=other_street)).status_code == 404
        assert (await _upload(client, cid, "survey", headers=auth("auditor"))).status_code == 403
        assert (await client.get(f"/api/v1/documents/{first.json()['id']}/download",
                                 headers=other_street)).status_code == 404
        assert len((await client.get(f"/api/v1/communities/{cid}/documents", headers=OFFICE)).json()["items"]) == 2
        # both plans uploaded → the plan deadline is met and never breaches
        docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert (await _upload(client, cid, "implementation_plan", b"PK docx", ctype=docx, name="实施方案.docx",
                              project_id=p["id"])).status_code == 201
        await client.post("/api/v1/deadlines/scan", json={"as_of": "2024-05-01"}, headers=OFFICE)
        assert not [e for e in await outbox(app, "fc.deadline.breached", p["id"]) if e["data"]["kind"] == "plan_upload"]


async def test_summaries_problems_and_overdue(client, world, outbox):
    street = await world.street(created_on="2026-11-10")  # a fixed day: what is overdue follows from it alone
    own = auth("street", street_code=street)
    r = await client.post("/api/v1/summaries", headers=own, json={
        "street_code": street, "period": "weekly", "period_start": "2026-11-16",
        "problems": [{"text": "资金拨付慢", "owner_department": "finance", "due_on": "2026-12-01"}],
        "work": ["完成方案评审"], "innovations": ["居民议事会"]})
    assert r.status_code == 201, r.text
    assert r.json()["period_end"] == "2026-11-22" and len(r.json()["problem_ids"]) == 1
    again = await client.post("/api/v1/summaries", headers=own, json={
        "street_code": street, "period": "weekly", "period_start": "2026-11-16"})
    assert again.status_code == 409
    misaligned = await client.post("/api/v1/summaries", headers=own, json={
        "street_code": street, "period": "monthly", "period_start": "2026-11-16"})
    assert misaligned.status_code == 422
    implied = await client.post("/api/v1/summaries", headers=own, json={"period": "half_monthly", "period_start": "2026-11-16"})
    assert implied.status_code == 201 and implied.json()["street_code"] == street  # omitted: the street's own
    other = await client.post("/api/v1/summaries", headers=auth("street", street_code="ZZ9"), json={
        "street_code": street, "period": "monthly", "period_start": "2026-11-01"})
    assert other.status_code == 403
    opened = await outbox(client.app, "fc.problem.opened", street)
    assert opened[0]["data"]["owner_department"] == "finance" and opened[0]["data"]["source"] == "summary"
    overdue = (await client.get("/api/v1/problems", params={"overdue": True, "as_of": "2026-12-05"},
                                headers=own)).json()["items"]
    assert [q["text"] for q in overdue] == ["资金拨付慢"] and overdue[0]["overdue"] is True
    missing = (await client.get("/api/v1/summaries/overdue", params={"as_of": "2027-01-10", "street_code": street},
                                headers=OFFICE)).json()
    weekly = [m["period_start"] for m in missing if m["period"] == "weekly"]
    assert "2026-11-16" not in weekly and "2026-11-23" in weekly
    assert any(m["period"] == "monthly" and m["period_start"] == "2026-12-01" for m in missing)
    await client.post("/api/v1/deadlines/scan", json={"as_of": "2026-12-10"}, headers=OFFICE)
    await client.post("/api/v1/deadlines/scan", json={"as_of": "2026-12-10"}, headers=OFFICE)
    late = [e["data"] for e in await outbox(client.app, "fc.summary.overdue", street)]
    assert {(d["period"], d["period_start"]) for d in late} >= {("weekly", "2026-11-30"), ("monthly", "2026-11-01")}
    assert len(late) == len({(d["period"], d["period_start"]) for d in late})


async def test_board_json_and_xlsx(client, world, outbox):
    street = await world.street()
    late = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    fresh = await world.approved(street, on="2024-12-01", created_on="2024-01-01", type="new_build")
    draft = await world.project([await world.community(street)])
    m = await client.post(f"/api/v1/projects/{fresh['id']}/milestones", headers=OFFICE,
                          json={"title": "方案评审", "planned_on": "2025-01-20"})
    assert m.status_code == 201
    reached = await client.patch(f"/api/v1/projects/{fresh['id']}/milestones/{m.json()['id']}", headers=OFFICE,
                                 json={"actual_on": "2025-01-18"})
    assert reached.status_code == 200 and reached.json()["actual_on"] == "2025-01-18"
    await client.patch(f"/api/v1/projects/{fresh['id']}/milestones/{m.json()['id']}", headers=OFFICE,
                       json={"actual_on": None})
    milestone_events = await outbox(client.app, "fc.project.milestone_updated", fresh["id"])
    assert [e["data"]["actual_on"] for e in milestone_events] == [None, "2025-01-18", None]
    assert milestone_events[0]["data"]["title"] == "方案评审" and milestone_events[0]["data"]["task_year"]
    board = (await client.get("/api/v1/board", params={"street_code": street, "as_of": "2025-01-01"},
                              headers=OFFICE)).json()["items"]
    rows = {r["project_id"]: r for r in board}
    assert rows[draft["id"]]["rag"] == "green" and rows[draft["id"]]["next_node"] is None
    assert rows[fresh["id"]]["next_node"]["title"] in ("方案评审", "plan_upload")
    assert rows[late["id"]]["rag"] == "red" and rows[late["id"]]["days_left"] < 0  # plans missing since April
    reds = (await client.get("/api/v1/board", params={"street_code": street, "rag": "red", "as_of": "2025-01-01"},
                             headers=OFFICE)).json()["items"]
    assert {r["project_id"] for r in reds} >= {late["id"]} and draft["id"] not in {r["project_id"] for r in reds}
    x = await client.get("/api/v1/board.xlsx", params={"street_code": street}, headers=auth("auditor"))
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet.cell(1, 2).value == "项目名称" and sheet.cell(1, 14).value == "红黄绿"
    assert sheet.max_row == 4
    own_other = auth("street", street_code=await world.street())
    assert (await client.get("/api/v1/board", params={"street_code": street}, headers=own_other)).json()["items"] == []


def _read_cache(outcome: str) -> float:
    from fc_shared.metrics import READ_CACHE

    return READ_CACHE.labels("registry", outcome)._value.get()


async def _served_from_store(client, path: str, headers: dict, params: dict | None = None) -> bytes:
    """A read answered from the read cache (on PostgreSQL any write in the cluster changes the version, so retried)."""
    async def hit() -> bytes | None:
        before = _read_cache("hit")
        r = await client.get(path, params=params, headers=headers)
        assert r.status_code == 200, r.text
        return r.content if _read_cache("hit") == before + 1 else None

    return await async_wait_until(hit, timeout=20, interval=0.05, message=f"{path} served from the read cache")


async def test_board_and_project_reads_are_served_again_until_a_write_and_only_to_the_same_caller(client, world):
    street = await world.street()
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    path, board = f"/api/v1/projects/{p['id']}", {"street_code": street, "as_of": "2025-01-01"}
    own = auth("street", street_code=street)
    other = auth("street", street_code=await world.street())  # created before the reads: no write between them
    first = await client.get(path, headers=own)
    # Another official of the same street is served the same answer; the office's differs (its allowed
    # actions), and another street's caller is refused, not served.
    colleague = auth("street", street_code=street, sub="street-colleague")
    assert await _served_from_store(client, path, colleague) == first.content
    office = (await client.get(path, headers=OFFICE)).json()
    assert office["allowed_actions"] != first.json()["allowed_actions"]
    assert (await client.get(path, headers=other)).status_code == 404
    built_board = await client.get("/api/v1/board", params=board, headers=own)
    assert [r["state"] for r in built_board.json()["items"]] == ["approved"]
    assert await _served_from_store(client, "/api/v1/board", own, board) == built_board.content
    assert (await client.get("/api/v1/board", params=board, headers=other)).json()["items"] == []
    # A write through the API is seen by the next read of either.
    assert (await world.move(p["id"], "cancel", note="街道撤销"))["state"] == "cancelled"
    assert (await client.get(path, headers=own)).json()["state"] == "cancelled"
    rows = (await client.get("/api/v1/board", params=board, headers=own)).json()["items"]
    assert [r["state"] for r in rows] == ["cancelled"]


async def test_public_api_needs_no_token_and_hides_private_data(client, world):
    street = await world.street()
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    draft = await world.project([await world.community(street)])
    items = (await client.get("/api/v1/public/projects", params={"street_code": street})).json()["items"]
    assert [i["id"] for i in items] == [p["id"]]
    assert set(items[0]) == {"id", "name", "street_code", "street_name", "type", "target_level", "stage",
                             "accepted_level", "applied_on", "approved_on", "creation_deadline", "accepted_on",
                             "named_on"}
    assert (await client.get(f"/api/v1/public/projects/{draft['id']}")).status_code == 404
    assert (await client.get("/api/v1/public/bulletins")).json()["items"] == []
    assert (await client.get("/api/v1/projects")).status_code == 401


async def test_premises_lease_request_to_decision(client, world):
    street = await world.street()
    own = auth("street", street_code=street)
    body = {"street_code": street, "address": "样例路8号", "area_m2": 450, "purpose": "社区食堂", "term_months": 36}
    r = await client.post("/api/v1/premises-requests", json=body, headers=own)
    assert r.status_code == 201 and r.json()["state"] == "requested"
    rid = r.json()["id"]
    assert (await client.post("/api/v1/premises-requests", json={**body, "area_m2": -1}, headers=own)).status_code == 422
    for blank in ({"project_id": ""}, {"purpose": "\u0085"}, {"address": " \u3000"}):  # no project; blank text
        assert (await client.post("/api/v1/premises-requests", json={**body, **blank}, headers=own)).status_code == 422
    assert (await client.post(f"/api/v1/premises-requests/{rid}/decision", headers=own, json={
        "outcome": "offered", "enterprise": "样例国资公司", "decided_on": "2026-11-26", "terms": "租金减半"})).status_code == 403
    no_terms = await client.post(f"/api/v1/premises-requests/{rid}/decision", headers=OFFICE, json={
        "outcome": "offered", "enterprise": "样例国资公司", "decided_on": r.json()["filed_on"]})
    assert no_terms.status_code == 422
    done = await client.post(f"/api/v1/premises-requests/{rid}/decision", headers=OFFICE, json={
        "outcome": "offered", "enterprise": "样例国资公司", "decided_on": r.json()["filed_on"], "terms": "协议出租，三年"})
    assert done.status_code == 200 and done.json()["state"] == "offered"
    assert (await client.post(f"/api/v1/premises-requests/{rid}/withdraw", headers=own)).status_code == 409
    listed = (await client.get("/api/v1/premises-requests", params={"state": "offered"}, headers=own)).json()["items"]
    assert [x["id"] for x in listed] == [rid]


async def test_targets_coverage_and_pipeline(client, world):
    street = await world.street()
    cid = await world.community(street)
    applied = []
    for _ in range(3):
        p = await world.project([await world.community(street)], created_on="2024-01-01")
        applied.append(await world.move(p["id"], "apply", on="2024-02-01"))
    rejected = await world.project([cid], created_on="2024-01-01")
    await world.move(rejected["id"], "apply", "reject", on="2024-02-01", note="条件不足")
    before = (await client.get("/api/v1/targets", params={"year": 2024, "as_of": "2024-03-01"},
                               headers=OFFICE)).json()["pipeline"]["applications"]
    # §3 每年新申报项目: the pipeline counts projects submitted (申报) to province/city, not street applications.
    for p in applied:
        await world.move(p["id"], "select", "submit", on="2024-02-10")
    t = (await client.get("/api/v1/targets", params={"year": 2024, "as_of": "2024-03-01"}, headers=OFFICE)).json()
    assert t["pipeline"]["applications"] == before + 3 and t["pipeline"]["status"] == "met"
    assert t["coverage"]["status"] == "not_configured"
    await client.patch("/api/v1/config", json={"coverage_target_dates": {"2024": "2024-12-31"}}, headers=OFFICE)
    t = (await client.get("/api/v1/targets", params={"year": 2024, "as_of": "2025-01-02"}, headers=OFFICE)).json()
    assert t["coverage"]["status"] == "missed" and street in t["coverage"]["streets_missing"]
    cfg = (await client.get("/api/v1/config", headers=OFFICE)).json()
    assert cfg["coverage_target_dates"] == {"2023": "2023-12-31", "2024": "2024-12-31"}


async def test_streets_and_communities_crud_with_filters(client, world, outbox):
    street = await world.street()
    town = "T" + street[1:]
    assert (await client.post("/api/v1/streets", json={"code": town, "name": "样例镇", "kind": "town"},
                              headers=OFFICE)).status_code == 201
    towns = (await client.get("/api/v1/streets", params={"kind": "town"}, headers=OFFICE)).json()["items"]
    assert town in [t["code"] for t in towns] and all(t["kind"] == "town" for t in towns)
    renamed = await client.patch(f"/api/v1/streets/{street}", json={"name": "更名街道"}, headers=OFFICE)
    assert renamed.status_code == 200 and renamed.json()["name"] == "更名街道"
    assert (await client.patch(f"/api/v1/streets/{street}", json={"name": ""}, headers=OFFICE)).status_code == 422
    assert (await client.patch(f"/api/v1/streets/{street}", json={"name": "x"},
                               headers=auth("street", street_code=street))).status_code == 403
    c1 = await world.community(street)
    await world.community(town)
    own = auth("street", street_code=street)
    mine = (await client.get("/api/v1/communities", headers=own)).json()["items"]
    assert [c["id"] for c in mine] == [c1]
    by_street = (await client.get("/api/v1/communities", params={"street_code": town}, headers=OFFICE)).json()["items"]
    assert len(by_street) == 1 and by_street[0]["street_code"] == town
    patched = await client.patch(f"/api/v1/communities/{c1}", json={"population": 9100, "vacant_land_m2": 1500},
                                 headers=own)
    assert patched.status_code == 200 and patched.json()["population"] == 9100
    assert (await client.patch(f"/api/v1/communities/{c1}", json={"population": -1}, headers=own)).status_code == 422
    assert (await client.patch(f"/api/v1/communities/{c1}", json={"name": None}, headers=own)).status_code == 422
    assert (await client.patch(f"/api/v1/communities/{c1}", json={"needs": "x"},
                               headers=auth("auditor"))).status_code == 403
    updated = await outbox(client.app, "fc.community.updated", c1)
    assert len(updated) == 1 and updated[0]["data"]["street_code"] == street


async def test_openapi_declares_the_registry_contract(client):
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ("/api/v1/projects/{project_id}/transitions", "/api/v1/board", "/api/v1/deadlines/scan",
                 "/api/v1/communities/{community_id}/portrait", "/api/v1/public/projects"):
        assert path in paths
    project = spec["components"]["schemas"]["ProjectOut"]["properties"]
    assert {"id", "name", "state", "type", "target_level", "street_code", "community_ids", "approved_on",
            "creation_deadline", "task_year"} <= set(project)


async def test_out_of_range_dates_are_422_not_500(client, world):
    street = await world.street()
    cases = [
        ("POST", "/api/v1/deadlines/scan", {"json": {"as_of": "9999-12-31"}}),
        ("GET", "/api/v1/targets", {"params": {"year": 99999}}),
        ("GET", "/api/v1/summaries/overdue", {"params": {"as_of": "9999-12-31"}}),
        ("POST", "/api/v1/summaries", {"json": {"street_code": street, "period": "weekly", "period_start": "9999-12-27"}}),
        ("PATCH", "/api/v1/config", {"json": {"coverage_target_dates": {"2024": "0001-01-01"}}}),
        ("PUT", "/api/v1/special-plans/99999", {"json": {}}),
    ]
    for method, path, kwargs in cases:
        r = await client.request(method, path, headers=OFFICE, **kwargs)
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    for path in ("/api/v1/board", "/api/v1/deadlines", "/api/v1/problems"):  # reads take any date
        assert (await client.get(path, params={"as_of": "9999-12-31"}, headers=OFFICE)).status_code == 200
    assert (await client.get("/api/v1/targets", params={"as_of": "0001-01-01"}, headers=OFFICE)).status_code == 200
