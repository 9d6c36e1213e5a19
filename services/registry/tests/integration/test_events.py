"""Inspection and funding events arrive over the real broker and move projects / feed the portrait."""
import uuid

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from fc_shared.events import TOPIC_FUNDING, TOPIC_INSPECTION, Event
from fc_devtools.contract import sample
from fc_shared.event_models import model_for
from fc_devtools.testing import app_client, async_wait_until, auth

OFFICE = auth("district_office")


async def _publish(broker, topic, type_, project_id, *, newer_fields=None, **data):
    """An on-contract event (``newer_fields``: fields a newer producer adds, which consumers ignore)."""
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    try:
        about = {"project_id": project_id} if "project_id" in model_for(type_).model_fields else {}
        body = sample(type_, **about, **data)
        event = Event(type=type_, source="/test", subject=project_id, data={**body, **(newer_fields or {})})
        await producer.send_and_wait(topic, event.to_json().encode(), key=project_id.encode())
    finally:
        await producer.stop()
    return event


async def _state(client, pid):
    return (await client.get(f"/api/v1/projects/{pid}", headers=OFFICE)).json()


async def _wait_state(client, pid, state, level=None):
    async def reached():
        p = await _state(client, pid)
        return p if p["state"] == state and (level is None or p["accepted_level"] == level) else None
    return await async_wait_until(reached, 60, message=f"project {pid} in {state}")


async def test_events_over_the_broker_move_states_and_feed_projections(make_app, broker, outbox, world_of):
    """One running consumer per database: starting and stopping consumer groups is the slow part."""
    app = make_app(workers=True)
    async with app_client(app) as client:
        world = world_of(client)
        await _acceptance_states(app, client, world, broker, outbox)
        await _review_failure_and_projections(app, client, world, broker, outbox)


async def _acceptance_states(app, client, world, broker, outbox):
    from fc_registry.adapters.tables import spine

    street = await world.street()
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    pid = p["id"]
    acc = str(uuid.uuid4())
    common = {"acceptance_id": acc, "street_code": street}
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.requested", pid, level="city", **common)
    await _wait_state(client, pid, "accepting")
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.district_reviewed", pid, level="city", **common)
    await _wait_state(client, pid, "district_reviewed")
    passed = await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.passed", pid, level="city",
                            decided_on="2024-12-20", reference="市验-1", **common)
    accepted = await _wait_state(client, pid, "accepted", "city")
    assert accepted["accepted_on"] == "2024-12-20"
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.requested", pid, level="province",
                   **{**common, "acceptance_id": "prov-1"})
    await _wait_state(client, pid, "accepting")
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.failed", pid, level="province",
                   decided_on="2025-01-20", reference="省验-1", **{**common, "acceptance_id": "prov-1"})
    back = await _wait_state(client, pid, "accepted", "city")
    assert back["accepted_level"] == "city"
    changed = await outbox(app, "fc.project.state_changed", pid)
    assert [(e["data"]["from_state"], e["data"]["to_state"]) for e in changed] == [
        ("approved", "accepting"), ("accepting", "district_reviewed"), ("district_reviewed", "accepted"),
        ("accepted", "accepting"), ("accepting", "accepted")]
    assert changed[2]["data"]["cause"] == "fc.acceptance.passed" and changed[2]["data"]["accepted_level"] == "city"
    assert changed[2]["data"]["acceptance_id"] == acc and changed[2]["data"]["community_ids"] == p["community_ids"]
    # the same passed event delivered again is a no-op
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    await producer.send_and_wait(TOPIC_INSPECTION, passed.to_json().encode(), key=pid.encode())
    await producer.stop()
    marker = await _publish(broker, TOPIC_INSPECTION, "fc.evaluation.recorded", pid, evaluation_id="e1",
                            street_code=street, catalogue_version=1, standard_met=30, standard_total=33,
                            all_standard_met=False)

    async def marker_handled():
        async with app.state.runtime.sessions() as s:
            return (await s.execute(select(func.count()).select_from(spine.inbox)
                                    .where(spine.inbox.c.event_id == marker.id))).scalar_one()
    await async_wait_until(marker_handled, 60, message="evaluation handled")
    assert len(await outbox(app, "fc.project.state_changed", pid)) == 5
    too_high = await client.post(f"/api/v1/projects/{pid}/transitions", headers=OFFICE,
                                 json={"action": "name", "on": "2025-02-01", "level": "province"})
    assert too_high.status_code == 409  # named only at a level it was accepted at
    named = await world.move(pid, "name", on="2025-02-01", level="city")
    assert named["state"] == "named" and named["named_level"] == "city" and named["named_on"] == "2025-02-01"
    # Naming never blocks a higher level: the city-named project goes on to pass province (F3's top-up).
    prov = {**common, "acceptance_id": "prov-2"}
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.requested", pid, level="province", **prov)
    await _wait_state(client, pid, "accepting")
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.district_reviewed", pid, level="province", **prov)
    await _wait_state(client, pid, "district_reviewed")
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.passed", pid, level="province",
                   decided_on="2025-02-20", reference="省验-2", **prov)
    province = await _wait_state(client, pid, "accepted", "province")
    # §3 coverage counts from the first acceptance: the province decision keeps the city date.
    assert (province["accepted_on"], province["first_accepted_on"], province["city_accepted_on"],
            province["province_accepted_on"]) == ("2024-12-20", "2024-12-20", "2024-12-20", "2025-02-20")
    assert province["named_level"] == "city"
    named = await world.move(pid, "name", on="2025-02-25", level="province")
    assert named["state"] == "named" and named["named_level"] == "province"
    # creation deadline resolved by acceptance: the watcher stays silent about it
    await client.post("/api/v1/deadlines/scan", json={"as_of": "2025-03-05"}, headers=OFFICE)
    assert not [e for e in await outbox(app, "fc.deadline.breached", pid) if e["data"]["kind"] == "creation"]
    public = (await client.get("/api/v1/public/communities")).json()["items"]
    assert any(c["project_id"] == pid for c in public)
    assert all("population" not in c for c in public)


async def _review_failure_and_projections(app, client, world, broker, outbox):
    """A failed district review returns the project to approved and lists the findings as problems."""
    street = await world.street()
    p = await world.approved(street, on="2024-03-01", created_on="2024-01-01")
    pid = p["id"]
    common = {"acceptance_id": "a-1", "street_code": street}
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.requested", pid, level="city", **common)
    await _wait_state(client, pid, "accepting")
    await _publish(broker, TOPIC_INSPECTION, "fc.acceptance.review_failed", pid, department_code="civil_affairs",
                   findings="养老服务场景未达标", **common)
    await _wait_state(client, pid, "approved")
    problems = (await client.get("/api/v1/problems", params={"project_id": pid}, headers=OFFICE)).json()["items"]
    assert [(q["owner_department"], q["text"], q["source"]) for q in problems] == [
        ("civil_affairs", "养老服务场景未达标", "acceptance_review")]
    dept = auth("department", department_code="civil_affairs")
    assert len((await client.get("/api/v1/problems", headers=dept)).json()["items"]) >= 1
    other = auth("department", department_code="finance")
    assert (await client.get("/api/v1/problems", params={"project_id": pid}, headers=other)).json()["items"] == []
    # money and scenario coverage reach the portrait from funding and inspection events
    await _publish(broker, TOPIC_FUNDING, "fc.subsidy.approved", pid, street_code=street, acceptance_id="a-1",
                   level="city", award_fen=1_000_000_000, entitlement_fen=950_000_000, rules=["F1", "F6", "F7"])
    await _publish(broker, TOPIC_FUNDING, "fc.subsidy.disbursed", pid, street_code=street, entry_id=1,
                   kind="disbursement", amount_fen=950_000_000, rules=["F1"], year=2024)
    await _publish(broker, TOPIC_INSPECTION, "fc.evaluation.recorded", pid, evaluation_id="ev-1",
                   street_code=street, catalogue_version=2024, standard_met=33, standard_total=33,
                   all_standard_met=True)
    cid = p["community_ids"][0]

    async def portrait_complete():
        body = (await client.get(f"/api/v1/communities/{cid}/portrait", headers=OFFICE)).json()
        project = body["projects"][0]
        return body if body["money"]["paid_fen"] == 950_000_000 and project["scenario_coverage"] else None
    body = await async_wait_until(portrait_complete, 60, message="portrait shows money and coverage")
    assert body["money"] == {"approved_fen": 950_000_000, "paid_fen": 950_000_000, "repaid_fen": 0,
                             "recovery_due_fen": 0}
    assert body["projects"][0]["scenario_coverage"]["all_standard_met"] is True
    await _recovery_settled_lowers_what_is_owed(client, broker, pid, street, cid)
    assert body["open_problems"][0]["owner_department"] == "civil_affairs"
    assert {d["kind"] for d in body["next_deadlines"]} >= {"creation", "plan_upload"}
    assert body["community"]["needs"]
    ranking = [{"street_code": street, "rank": 1, "score": 91.5}]
    await _publish(broker, TOPIC_INSPECTION, "fc.bulletin.published", pid, month="2099-01", ranking=ranking,
                   newer_fields={"ranking": [{**ranking[0], "inputs": {"x": 1}}]})

    async def bulletin():
        r = await client.get("/api/v1/public/bulletins/2099-01")
        return r.json() if r.status_code == 200 else None
    published = await async_wait_until(bulletin, 60, message="bulletin projected")
    assert published["ranking"] == [{"street_code": street, "rank": 1, "score": 91.5}]


async def _recovery_settled_lowers_what_is_owed(client, broker, pid, street, cid):
    """§5.3 追回: funding's fc.subsidy.recovery_settled (a repayment, or an offset against a later payment) lowers
    the recovery the portrait shows as owed; a redelivery of the same entry counts once; a reversed repayment is
    owed again. Paid stays the sum paid out; cash at the street is paid − repaid."""
    money = {"entry_id": 0, "street_code": street, "rules": ["§5.3"], "year": 2025}

    async def portrait_money(expected):
        async def shown():
            body = (await client.get(f"/api/v1/communities/{cid}/portrait", headers=OFFICE)).json()
            return body if body["money"] == expected else None
        body = await async_wait_until(shown, 60, message=f"portrait money {expected}")
        assert body["projects"][0]["money"] == {"award_fen": 1_000_000_000, **expected}

    await _publish(broker, TOPIC_FUNDING, "fc.subsidy.recovery_due", pid, **{**money, "entry_id": 2},
                   amount_fen=50_000_000, reason="reversed approval")
    await portrait_money({"approved_fen": 950_000_000, "paid_fen": 950_000_000, "repaid_fen": 0,
                          "recovery_due_fen": 50_000_000})
    repayment = {**money, "entry_id": 3, "kind": "repayment", "amount_fen": 30_000_000, "reference": "缴款-1",
                 "on": "2025-03-01", "recovery_due_fen": 20_000_000}
    await _publish(broker, TOPIC_FUNDING, "fc.subsidy.recovery_settled", pid, **repayment)
    await _publish(broker, TOPIC_FUNDING, "fc.subsidy.recovery_settled", pid, **repayment)  # redelivered
    await _publish(broker, TOPIC_FUNDING, "fc.subsidy.recovery_settled", pid, **{**money, "entry_id": 4},
                   kind="offset", amount_fen=20_000_000, on="2025-04-01", recovery_due_fen=0,
                   reason="netted against the recovery still owed")
    await portrait_money({"approved_fen": 950_000_000, "paid_fen": 950_000_000, "repaid_fen": 30_000_000,
                          "recovery_due_fen": 0})
    await _publish(broker, TOPIC_FUNDING, "fc.subsidy.recovery_settled", pid, **{
        **repayment, "entry_id": 5, "amount_fen": -30_000_000, "reverses_entry_id": 3, "reason": "voucher bounced",
        "recovery_due_fen": 30_000_000})
    await portrait_money({"approved_fen": 950_000_000, "paid_fen": 950_000_000, "repaid_fen": 0,
                          "recovery_due_fen": 30_000_000})

