"""A whole programme year as a district office runs it, through the API (issue 13).

Decline, approval facts, reschedule, cancel and swap, the F4 year-end timing, coverage from the first
acceptance and street kinds, plans of one project with their review, the two-live-projects warning, and
the office's own summaries.
"""
from sqlalchemy import func, select

from fc_shared.events import Event
from fc_devtools.contract import sample
from fc_devtools.testing import auth

OFFICE = auth("district_office")
PDF = "application/pdf"


async def _t(client, pid, headers=OFFICE, **body):
    return await client.post(f"/api/v1/projects/{pid}/transitions", json=body, headers=headers)


async def _scan(client, as_of: str) -> dict:
    r = await client.post("/api/v1/deadlines/scan", json={"as_of": as_of}, headers=OFFICE)
    assert r.status_code == 200, r.text
    return r.json()["fired"]


async def _history(client, pid):
    return (await client.get(f"/api/v1/projects/{pid}/history", headers=OFFICE)).json()


async def _writes(app) -> tuple[int, int]:
    """Rows a refused request must not add: outbox events and history entries."""
    from fc_registry.adapters.tables import project_history, spine

    async with app.state.runtime.sessions() as s:
        events = (await s.execute(select(func.count()).select_from(spine.outbox))).scalar_one()
        history = (await s.execute(select(func.count()).select_from(project_history))).scalar_one()
    return events, history


async def _submitted(world, street, on="2024-02-01", **extra):
    p = await world.project([await world.community(street)], created_on="2024-01-01", **extra)
    return await world.move(p["id"], "apply", "select", "submit", on=on)


async def _inspection(app, event_type: str, project_id: str, **data):
    """An inspection event handled as the consumer handles it (the broker path is test_events')."""
    from fc_registry.service_layer.inspection import apply_inspection_event

    async with app.state.runtime.uow() as uow:
        await apply_inspection_event(uow, Event(type=event_type, source="inspection", subject=project_id,
                                                data=sample(event_type, project_id=project_id, **data)))
        await uow.commit()


async def _accept(app, pid, level, decided_on, acceptance_id="a1"):
    for event in ("fc.acceptance.requested", "fc.acceptance.district_reviewed", "fc.acceptance.passed"):
        result = {"decided_on": decided_on, "reference": "验收-1"} if event == "fc.acceptance.passed" else {}
        await _inspection(app, event, pid, acceptance_id=acceptance_id, level=level, **result)


async def test_decline_records_level_date_and_reference(client, world, outbox):
    street = await world.street()
    p = await _submitted(world, street)
    before = await _writes(client.app)
    for bad in ({"action": "decline", "on": "2024-03-01", "level": "city"},  # no reference
                {"action": "decline", "on": "2024-03-01", "reference": "x"},  # no level
                {"action": "decline", "level": "town", "reference": "x", "on": "2024-03-01"},
                {"action": "decline", "on": "2024-03-01", "level": "city", "reference": "x", "creation_deadline":
                 "2025-01-01"}):
        r = await _t(client, p["id"], **bad)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert await _writes(client.app) == before
    street_token = auth("street", street_code=street)
    assert (await _t(client, p["id"], headers=street_token, action="decline", on="2024-03-01", level="city",
                     reference="x")).status_code == 403
    r = await _t(client, p["id"], action="decline", on="2024-03-01", level="province",
                 reference="浙建〔2024〕12号", note="名额已满")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["declined_on"], body["decline_level"], body["decline_reference"]) == (
        "declined", "2024-03-01", "province", "浙建〔2024〕12号")
    assert body["allowed_actions"] == []
    event = (await outbox(client.app, "fc.project.declined", p["id"]))[0]["data"]
    assert (event["level"], event["reference"], event["on"], event["to_state"]) == (
        "province", "浙建〔2024〕12号", "2024-03-01", "declined")
    last = (await _history(client, p["id"]))[-1]
    assert last["action"] == "decline" and "浙建〔2024〕12号" in last["note"] and "名额已满" in last["note"]
    # a declined project no longer holds its community
    again = await world.project(p["community_ids"])
    assert again["warnings"] == []
    assert (await _t(client, p["id"], action="approve", on="2024-03-02", level="city",
                     reference="x")).status_code == 409


async def test_approve_carries_level_and_reference(client, world, outbox):
    street = await world.street()
    p = await _submitted(world, street)
    before = await _writes(client.app)
    assert (await _t(client, p["id"], action="approve", on="2024-03-01", reference="x")).status_code == 422
    assert (await _t(client, p["id"], action="approve", on="2024-03-01", level="city")).status_code == 422
    assert (await _t(client, p["id"], action="approve", level="city", reference="x")).status_code == 422
    assert await _writes(client.app) == before
    r = await _t(client, p["id"], action="approve", on="2024-03-01", level="city", reference="杭建〔2024〕5号")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["approval_level"], body["approval_reference"], body["approved_on"], body["creation_deadline"],
            body["task_year"]) == ("city", "杭建〔2024〕5号", "2024-03-01", "2025-03-01", 2025)
    event = (await outbox(client.app, "fc.project.approved", p["id"]))[0]["data"]
    assert (event["level"], event["reference"], event["creation_deadline"]) == ("city", "杭建〔2024〕5号",
                                                                                 "2025-03-01")
    assert "杭建〔2024〕5号" in (await _history(client, p["id"]))[-1]["note"]


async def test_reschedule_moves_deadline_alerts_and_task_year(client, world, outbox):
    street = await world.street()
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    pid = p["id"]
    await _scan(client, "2025-02-05")  # 24 days before 2025-03-01: the 30-day alert
    creation = [e for e in await outbox(client.app, "fc.deadline.approaching", pid) if e["data"]["kind"] == "creation"]
    assert [e["data"]["threshold_days"] for e in creation] == [30]
    before = await _writes(client.app)
    for bad in ({"action": "reschedule", "creation_deadline": "2026-06-30"},  # no reason
                {"action": "reschedule", "note": "拆迁延后"},  # no deadline
                {"action": "reschedule", "note": "拆迁延后", "creation_deadline": "2024-02-01"},  # before approval
                {"action": "reschedule", "note": "拆迁延后", "creation_deadline": "2025-03-01"},  # unchanged
                {"action": "reschedule", "note": "拆迁延后", "creation_deadline": "2026-06-30", "task_year": 2040},
                {"action": "reschedule", "note": "x", "creation_deadline": "2026-02-30"}):
        r = await _t(client, pid, **bad)
        assert r.status_code == 422, (bad, r.text)
    assert await _writes(client.app) == before
    assert (await _t(client, pid, headers=auth("street", street_code=street), action="reschedule", note="x",
                     creation_deadline="2026-06-30")).status_code == 403
    r = await _t(client, pid, action="reschedule", creation_deadline="2026-06-30", note="征迁进度调整（按需调整）")
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["creation_deadline"], r.json()["task_year"]) == ("approved", "2026-06-30", 2026)
    event = (await outbox(client.app, "fc.project.rescheduled", pid))[0]["data"]
    assert (event["creation_deadline"], event["task_year"], event["previous_creation_deadline"],
            event["previous_task_year"], event["note"]) == ("2026-06-30", 2026, "2025-03-01", 2025, "征迁进度调整（按需调整）")
    last = (await _history(client, pid))[-1]
    assert (last["action"], last["from_state"], last["to_state"]) == ("reschedule", "approved", "approved")
    assert "2025-03-01" in last["note"] and "2026-06-30" in last["note"]
    await _scan(client, "2025-03-05")  # the old date passes: no breach
    assert not [e for e in await outbox(client.app, "fc.deadline.breached", pid) if e["data"]["kind"] == "creation"]
    await _scan(client, "2026-01-01")  # the old task year ended: no announcement, the task is now due in 2026
    assert await outbox(client.app, "fc.project.year_end_incomplete", pid) == []
    await _scan(client, "2026-06-05")  # 25 days before the new deadline
    creation = [e["data"] for e in await outbox(client.app, "fc.deadline.approaching", pid)
                if e["data"]["kind"] == "creation"]
    assert [(d["due_on"], d["threshold_days"]) for d in creation] == [("2025-03-01", 30), ("2026-06-30", 30)]
    deadlines = (await client.get("/api/v1/deadlines", params={"project_id": pid, "kind": "creation"},
                                  headers=OFFICE)).json()["items"]
    assert [d["due_on"] for d in deadlines] == ["2026-06-30"]
    await _scan(client, "2027-01-01")
    assert [e["data"]["year"] for e in await outbox(client.app, "fc.project.year_end_incomplete", pid)] == [2026]


async def test_cancel_stops_alerts_and_the_year_end_and_a_swap_is_one_step(client, world, outbox):
    street = await world.street()
    old = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    pid = old["id"]
    warned = await world.project(old["community_ids"], created_on="2024-01-01")
    assert any(pid in w for w in warned["warnings"])  # two live projects over one community
    assert any(pid in (h["note"] or "") for h in await _history(client, warned["id"]))  # and it is recorded
    await _t(client, warned["id"], action="withdraw")
    swap = await world.project(old["community_ids"], created_on="2024-01-01", replaces_project_id=pid)
    assert swap["replaces_project_id"] == pid and swap["warnings"] == []
    created = (await outbox(client.app, "fc.project.created", swap["id"]))[0]["data"]
    assert created["replaces_project_id"] == pid
    other_street = await world.street()
    bad = await client.post("/api/v1/projects", headers=OFFICE, json={
        "name": "x", "community_ids": [await world.community(other_street)], "type": "renovation",
        "target_level": "city", "area_ha": 20, "life_circle_minutes": 15, "replaces_project_id": pid})
    assert bad.status_code == 422
    before = await _writes(client.app)
    assert (await _t(client, pid, action="cancel")).status_code == 422  # a reason is required
    assert (await _t(client, pid, action="cancel", note=" ")).status_code == 422
    assert (await _t(client, pid, headers=auth("street", street_code=street), action="cancel",
                     note="x")).status_code == 403
    assert await _writes(client.app) == before
    r = await _t(client, pid, action="cancel", note="撤销创建，由新项目替换", on="2024-06-01")
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["cancelled_on"], r.json()["allowed_actions"]) == ("cancelled", "2024-06-01", [])
    assert (await outbox(client.app, "fc.project.cancelled", pid))[0]["data"]["note"] == "撤销创建，由新项目替换"
    for as_of in ("2025-02-05", "2025-03-05", "2026-01-01"):
        await _scan(client, as_of)
    assert [e for e in await outbox(client.app, key=pid) if e["type"].startswith("fc.deadline.")] == [
        e for e in await outbox(client.app, key=pid) if e["type"].startswith("fc.deadline.")
        and e["data"]["kind"] == "plan_upload"]  # only the plan alert from before the cancellation
    assert await outbox(client.app, "fc.project.year_end_incomplete", pid) == []
    assert (await _t(client, pid, action="reschedule", note="x", creation_deadline="2026-01-01")).status_code == 409
    # an acceptance event for a cancelled project moves nothing
    await _inspection(client.app, "fc.acceptance.requested", pid, acceptance_id="late", level="city")
    assert (await client.get(f"/api/v1/projects/{pid}", headers=OFFICE)).json()["state"] == "cancelled"


async def test_year_end_announced_from_1_january_never_for_accepted_by_31_december(client, world, outbox):
    street = await world.street()
    done = await world.approved(street, on="2024-06-10", created_on="2024-01-01")  # task year 2025
    late = await world.approved(street, on="2024-06-10", created_on="2024-01-01")
    await _accept(client.app, done["id"], "city", "2025-12-31")
    await _scan(client, "2025-12-31")
    assert await outbox(client.app, "fc.project.year_end_incomplete") == []
    await _accept(client.app, late["id"], "city", "2026-01-01")  # accepted, but after the year ended
    fired = await _scan(client, "2026-01-01")
    assert fired.get("fc.project.year_end_incomplete") == 1
    announced = await outbox(client.app, "fc.project.year_end_incomplete")
    assert [e["data"]["project_id"] for e in announced] == [late["id"]]
    await _scan(client, "2026-01-02")
    assert len(await outbox(client.app, "fc.project.year_end_incomplete")) == 1


async def test_coverage_counts_the_first_acceptance_and_only_required_street_kinds(client, world):
    a, key_town, town = await world.street(), "K" + (await world.street())[1:], None
    r = await client.post("/api/v1/streets", json={"code": key_town, "name": "样例重点镇", "kind": "key_town"},
                          headers=OFFICE)
    assert r.status_code == 201 and r.json()["kind"] == "key_town"
    town = "T" + key_town[1:]
    assert (await client.post("/api/v1/streets", json={"code": town, "name": "样例镇", "kind": "town"},
                              headers=OFFICE)).status_code == 201
    assert (await client.post("/api/v1/streets", json={"code": "Q" + town[1:], "name": "x", "kind": "village"},
                              headers=OFFICE)).status_code == 422
    p = await world.approved(a, on="2023-03-01", created_on="2023-01-01")
    await _accept(client.app, p["id"], "city", "2023-11-01", "c")
    await _accept(client.app, p["id"], "province", "2024-03-01", "p")
    got = (await client.get(f"/api/v1/projects/{p['id']}", headers=OFFICE)).json()
    assert (got["accepted_level"], got["first_accepted_on"], got["city_accepted_on"], got["province_accepted_on"]) == (
        "province", "2023-11-01", "2023-11-01", "2024-03-01")
    cov = (await client.get("/api/v1/targets", params={"year": 2023, "as_of": "2024-06-01"},
                            headers=OFFICE)).json()["coverage"]
    listed = {s["street_code"]: s for s in cov["streets"]}
    assert listed[a]["status"] == "met" and listed[a]["first_accepted_on"] == "2023-11-01"
    assert listed[key_town]["status"] == "missed" and key_town in cov["streets_missing"]
    assert town not in listed and town not in cov["streets_missing"]
    assert (await client.patch("/api/v1/config", json={"coverage_street_kinds": ["hamlet"]},
                               headers=OFFICE)).status_code == 422
    assert (await client.patch("/api/v1/config", json={"coverage_street_kinds": ["subdistrict", "key_town", "town"]},
                               headers=OFFICE)).status_code == 200
    cov = (await client.get("/api/v1/targets", params={"year": 2023, "as_of": "2024-06-01"},
                            headers=OFFICE)).json()["coverage"]
    assert town in {s["street_code"] for s in cov["streets"]}


async def _upload(client, cid, kind, project_id=None, headers=OFFICE):
    form = {"kind": kind, **({"project_id": project_id} if project_id else {})}
    return await client.post(f"/api/v1/communities/{cid}/documents", headers=headers, data=form,
                             files={"file": ("plan.pdf", b"%PDF-1.4 plan", PDF)})


async def _plan_deadline(client, pid):
    rows = (await client.get("/api/v1/deadlines", params={"project_id": pid, "kind": "plan_upload",
                                                          "include_resolved": True}, headers=OFFICE)).json()["items"]
    return rows[0]


async def test_plans_belong_to_their_project_run_from_submission_and_are_reviewed(client, world, outbox):
    street = await world.street()
    cid = await world.community(street)
    older = await world.project([cid], created_on="2024-01-01")
    await world.move(older["id"], "apply", "select", "submit", on="2024-01-10")
    for kind in ("application_plan", "implementation_plan"):
        assert (await _upload(client, cid, kind, older["id"])).status_code == 201
    assert (await _plan_deadline(client, older["id"]))["resolved"] is True
    await _t(client, older["id"], action="withdraw")
    assert (await _upload(client, cid, "application_plan")).status_code == 422  # a plan names its project
    newer = await world.project([cid], created_on="2024-01-01")
    await world.move(newer["id"], "apply", "select", "submit", on="2024-02-01")
    deadline = await _plan_deadline(client, newer["id"])
    # due 30 days after submission; the older project's plans do not count
    assert (deadline["due_on"], deadline["resolved"]) == ("2024-03-02", False)
    uploaded = {}
    for kind in ("application_plan", "implementation_plan"):
        r = await _upload(client, cid, kind, newer["id"])
        assert r.status_code == 201
        uploaded[kind] = r.json()["id"]
    assert (await _plan_deadline(client, newer["id"]))["resolved"] is True
    review = f"/api/v1/documents/{uploaded['implementation_plan']}/review"
    before = await _writes(client.app)
    assert (await client.post(review, json={"outcome": "returned"}, headers=OFFICE)).status_code == 422
    assert (await client.post(review, json={"outcome": "maybe"}, headers=OFFICE)).status_code == 422
    assert (await client.post(review, json={"outcome": "passed"},
                              headers=auth("street", street_code=street))).status_code == 403
    survey = await _upload(client, cid, "survey")
    assert (await client.post(f"/api/v1/documents/{survey.json()['id']}/review", json={"outcome": "passed"},
                              headers=OFFICE)).status_code == 409
    assert (await client.post("/api/v1/documents/nope/review", json={"outcome": "passed"},
                              headers=OFFICE)).status_code == 404
    assert await _writes(client.app) == before
    r = await client.post(review, json={"outcome": "returned", "comments": "投资估算缺失"}, headers=OFFICE)
    assert r.status_code == 201, r.text
    assert (r.json()["outcome"], r.json()["comments"]) == ("returned", "投资估算缺失")
    assert r.json()["reviewed_by"].startswith("district_office:")
    assert (await _plan_deadline(client, newer["id"]))["resolved"] is False  # a returned plan reopens it
    await _scan(client, "2024-03-05")
    breached = [e for e in await outbox(client.app, "fc.deadline.breached", newer["id"])
                if e["data"]["kind"] == "plan_upload"]
    assert len(breached) == 1
    fixed = await _upload(client, cid, "implementation_plan", newer["id"])
    passed = await client.post(f"/api/v1/documents/{fixed.json()['id']}/review", json={"outcome": "passed"},
                               headers=OFFICE)
    assert passed.status_code == 201
    assert (await _plan_deadline(client, newer["id"]))["resolved"] is True


async def test_office_files_its_own_summaries_and_overdue_problems_show_on_the_board(client, world, outbox):
    street = await world.street()
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    body = {"period": "monthly", "period_start": "2024-05-01", "work": ["组织复核"], "innovations": ["周例会"],
            "problems": [{"text": "审批慢", "owner_department": "development_reform", "due_on": "2024-06-10",
                          "project_id": p["id"]},
                         {"text": "统筹不足", "owner_department": "district_office", "due_on": "2024-06-30"}]}
    before = await _writes(client.app)
    no_due = {**body, "problems": [{"text": "x", "owner_department": "finance"}]}
    assert (await client.post("/api/v1/summaries", json=no_due, headers=OFFICE)).status_code == 422
    no_owner = {**body, "problems": [{"text": "x", "due_on": "2024-06-10"}]}
    assert (await client.post("/api/v1/summaries", json=no_owner, headers=OFFICE)).status_code == 422
    unknown = {**body, "problems": [{**body["problems"][0], "project_id": "nope"}]}
    assert (await client.post("/api/v1/summaries", json=unknown, headers=OFFICE)).status_code == 422
    assert await _writes(client.app) == before
    r = await client.post("/api/v1/summaries", json=body, headers=OFFICE)
    assert r.status_code == 201, r.text
    assert r.json()["street_code"] is None and len(r.json()["problem_ids"]) == 2
    assert (await client.post("/api/v1/summaries", json=body, headers=OFFICE)).status_code == 409
    # A street's summary is always its own street's (without street_code it is filed as its own), never the office's.
    street_token = auth("street", street_code=street)
    # the street still files its own for the same month
    assert (await client.post("/api/v1/summaries", json={**body, "street_code": street, "problems": []},
                              headers=street_token)).status_code == 201
    problems = (await client.get("/api/v1/problems", params={"overdue": True, "as_of": "2024-06-20"},
                                 headers=OFFICE)).json()["items"]
    mine = {q["text"]: q for q in problems if q["summary_id"] == r.json()["id"]}
    assert set(mine) == {"审批慢"} and mine["审批慢"]["street_code"] == street
    board = (await client.get("/api/v1/board", params={"street_code": street, "as_of": "2024-06-20"},
                              headers=OFFICE)).json()["items"]
    assert {row["project_id"]: row["overdue_problems"] for row in board}[p["id"]] == 1
    listed = (await client.get("/api/v1/summaries", params={"period": "monthly"}, headers=OFFICE)).json()["items"]
    assert any(s["id"] == r.json()["id"] and s["street_code"] is None for s in listed)
    # from its first summary on, the office's own cadence is followed like a street's
    await _scan(client, "2024-07-05")
    late = [e["data"] for e in await outbox(client.app, "fc.summary.overdue")
            if e["data"].get("filer") == "district_office"]
    assert ("monthly", "2024-06-01") in {(d["period"], d["period_start"]) for d in late}
    assert all(d["street_code"] is None for d in late)

