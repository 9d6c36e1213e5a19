"""The audit log through the API: old → new values and the actor, who may read it, rollback, concurrency,
tamper evidence (on SQLite and PostgreSQL)."""
import asyncio
import io

from openpyxl import load_workbook
from sqlalchemy import delete, insert, select, update

from fc_devtools.testing import auth
from fc_shared.audit import Actor, AuditRequest, audit_request_var
from fc_shared.clock import utcnow

OFFICE = auth("district_office", sub="office-wang")
AUDITOR = auth("auditor", sub="auditor-li")


async def _entries(client, **params):
    r = await client.get("/api/v1/audit", params=params, headers=AUDITOR)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_community_edit_shows_old_and_new_value_and_the_actor(client, world):
    street = await world.street()
    cid = await world.community(street)
    r = await client.patch(f"/api/v1/communities/{cid}", json={"name": "新名字", "population": 9100},
                           headers={**OFFICE, "X-Request-ID": "req-audit-1"})
    assert r.status_code == 200, r.text
    items = await _entries(client, resource="communities", resource_id=cid, action="update")
    assert len(items) == 1
    entry = items[0]
    assert entry["changes"]["population"] == [8000, 9100]
    assert entry["changes"]["name"][1] == "新名字" and entry["changes"]["name"][0].startswith("社区")
    assert (entry["actor"], entry["role"], entry["request_id"]) == ("office-wang", "district_office", "req-audit-1")
    assert entry["route"] == "PATCH /api/v1/communities/{community_id}"
    assert set(entry) >= {"at", "actor", "role", "action", "resource", "resource_id", "changes", "request_id",
                          "hash", "prev_hash"}
    created = await _entries(client, resource="communities", resource_id=cid, action="create")
    assert len(created) == 1 and created[0]["changes"]["population"] == [None, 8000]
    assert entry["prev_hash"] is not None
    # filters: actor and time range
    assert all(e["actor"] == "office-wang" for e in await _entries(client, actor="office-wang"))
    assert await _entries(client, actor="somebody-else") == []
    assert await _entries(client, resource="communities", resource_id=cid, until=created[0]["at"]) == []
    since = await _entries(client, resource="communities", resource_id=cid, since=entry["at"])
    assert [e["id"] for e in since] == [entry["id"]]
    for moment in ("0.5", "0", "2026-05-01"):  # a moment is RFC 3339 text with its offset, never seconds
        for path in ("/api/v1/audit", "/api/v1/audit.xlsx"):
            refused = await client.get(path, params={"until": moment}, headers=AUDITOR)
            assert refused.status_code == 422, (path, moment, refused.text)
    # a street's own edit is recorded with its scope
    own = auth("street", street_code=street, sub="street-zhao")
    assert (await client.patch(f"/api/v1/communities/{cid}", json={"households": 3100}, headers=own)).status_code == 200
    mine = await _entries(client, actor="street-zhao")
    assert [(e["role"], e["scope"], e["changes"].get("households")) for e in mine] == [("street", street, [3000, 3100])]


async def test_pages_and_xlsx_export(client, world):
    street = await world.street()
    for n in range(3):
        await client.patch(f"/api/v1/streets/{street}", json={"name": f"改名{n}"}, headers=OFFICE)
    first = (await client.get("/api/v1/audit", params={"resource": "streets", "limit": 2}, headers=AUDITOR)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = (await client.get("/api/v1/audit", params={"resource": "streets", "limit": 2, "cursor": first["next_cursor"]},
                             headers=AUDITOR)).json()
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert len(ids) == 4 and ids == sorted(ids, reverse=True)  # newest first, the creation last
    r = await client.get("/api/v1/audit.xlsx", params={"resource": "streets"}, headers=OFFICE)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("序号", "时间（UTC）", "操作人") and len(rows) == 5
    assert rows[1][5] == "修改" and "改名2" in rows[1][8]


async def test_only_auditor_and_district_office_read_the_log(client):
    for path in ("/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit.xlsx"):
        for headers in (auth("street", street_code="S01"), auth("department", department_code="housing"),
                        auth("finance"), auth("integration", scope="city")):
            r = await client.get(path, headers=headers)
            assert r.status_code == 403, (path, headers, r.text)
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=AUDITOR)).status_code == 200
        assert (await client.get(path, headers=OFFICE)).status_code == 200


async def test_a_rolled_back_write_leaves_no_entry(client, world):
    from fc_registry.adapters.tables import spine, streets

    runtime = client.app.state.runtime
    street = await world.street()
    before = len(await _entries(client, limit=500))
    token = audit_request_var.set(AuditRequest(request_id="rolled-back", actor=Actor("office-wang", "district_office")))
    try:
        async with runtime.uow() as uow:
            await uow.session.execute(update(streets).where(streets.c.code == street).values(name="不会留下"))
            await uow.session.execute(insert(streets).values(code="SRB" + street[1:], name="回滚", kind="town",
                                                             created_on=runtime.clock.today(), created_at=utcnow()))
            # leaves without commit: the unit of work rolls back
        async with runtime.uow() as uow:
            await uow.session.execute(update(streets).where(streets.c.code == street).values(name="也不会"))
            await uow.rollback()
    finally:
        audit_request_var.reset(token)
    async with runtime.sessions() as s:
        assert (await s.execute(select(spine.audit).where(spine.audit.c.request_id == "rolled-back"))).first() is None
    assert len(await _entries(client, limit=500)) == before
    # a refused write through the API records nothing either
    assert (await client.post("/api/v1/streets", json={"code": street, "name": "重复", "kind": "town"},
                              headers=OFFICE)).status_code == 409
    assert len(await _entries(client, limit=500)) == before


async def test_concurrent_writes_keep_one_unbroken_chain(client, world):
    street = await world.street()
    cids = [await world.community(street) for _ in range(4)]

    async def edit(n):
        r = await client.patch(f"/api/v1/communities/{cids[n % 4]}", json={"population": 1000 + n}, headers=OFFICE)
        assert r.status_code in (200, 409), r.text

    await asyncio.gather(*(edit(n) for n in range(24)))
    verdict = (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()
    total = len(await _entries(client, limit=500))
    assert verdict["ok"] is True and verdict["first_broken"] is None
    assert verdict["entries"] == total and total >= 1 + 4 + 24
    items = list(reversed(await _entries(client, limit=500)))
    assert items[0]["prev_hash"] is None
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(items, items[1:]))


async def test_verification_detects_a_row_altered_in_the_database(client, world):
    from fc_registry.adapters.tables import spine

    street = await world.street()
    cid = await world.community(street)
    await client.patch(f"/api/v1/communities/{cid}", json={"population": 1}, headers=OFFICE)
    await client.patch(f"/api/v1/communities/{cid}", json={"population": 2}, headers=OFFICE)
    ok = (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()
    assert ok["ok"] is True and ok["entries"] >= 4
    target = (await _entries(client, resource="communities", resource_id=cid, action="update"))[-1]  # the first edit
    table = spine.audit
    sessions = client.app.state.runtime.sessions
    async with sessions() as s:
        stored = (await s.execute(select(table.c.changes).where(table.c.seq == target["id"]))).scalar_one()
    async with sessions() as s, s.begin():
        await s.execute(update(table).where(table.c.seq == target["id"]).values(changes='{"population":[8000,5]}'))
    broken = (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()
    assert broken["ok"] is False
    assert broken["first_broken"]["seq"] == target["id"] and "altered" in broken["first_broken"]["reason"]
    assert broken["entries"] == len([e for e in await _entries(client, limit=500) if e["id"] < target["id"]])
    # put it back: the chain holds again; remove it instead: the entry after it no longer links
    async with sessions() as s, s.begin():
        await s.execute(update(table).where(table.c.seq == target["id"]).values(changes=stored))
    assert (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["ok"] is True
    async with sessions() as s, s.begin():
        await s.execute(delete(table).where(table.c.seq == target["id"]))
    gap = (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()
    assert gap["ok"] is False and gap["first_broken"]["seq"] > target["id"]
    assert "removed" in gap["first_broken"]["reason"]


async def test_retention_keeps_the_rest_of_the_chain_verifiable(client, world):
    from fc_shared.audit import prune
    from fc_registry.adapters.tables import spine

    runtime = client.app.state.runtime
    street = await world.street()
    for n in range(3):
        await client.patch(f"/api/v1/streets/{street}", json={"name": f"第{n}次"}, headers=OFFICE)
    oldest_kept = list(reversed(await _entries(client, limit=500)))[2]
    async with runtime.sessions() as s, s.begin():
        cutoff = (await s.execute(select(spine.audit.c.at).where(spine.audit.c.seq == oldest_kept["id"]))).scalar_one()
        # entries of one transaction share their time: drop by seq to cut inside the chain
        await s.execute(delete(spine.audit).where(spine.audit.c.seq < oldest_kept["id"]))
    # without a retention setting a missing beginning is a broken chain ...
    assert (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["first_broken"]["seq"] == oldest_kept["id"]
    # ... with one, the oldest kept entry anchors it
    runtime.platform.audit_retention_days = 30
    try:
        kept = (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()
        assert kept["ok"] is True and kept["entries"] == 2
        async with runtime.sessions() as s, s.begin():
            assert await prune(s, spine.audit, cutoff) == 0  # nothing is older than the oldest kept entry
        assert await runtime.prune_audit() == 0  # all entries are younger than 30 days
    finally:
        runtime.platform.audit_retention_days = None
