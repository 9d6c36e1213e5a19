"""fc.acceptance.passed through the real broker: the worked examples paid as DOMAIN.md says, once per acceptance."""
import asyncio
import json

from sqlalchemy import select

from fc_funding.adapters.tables import ledger_entries, parked_events
from fc_shared.metrics import EVENTS_HANDLED
from fc_devtools.testing import app_client, async_wait_until


async def _funding(client, kit, project_id):
    r = await client.get(f"/api/v1/projects/{project_id}/funding", headers=kit.OFFICE)
    return r.json() if r.status_code == 200 else None


async def _wait_paid(client, kit, project_id, paid, recovery=0, approvals=None):
    async def check():
        f = await _funding(client, kit, project_id)
        if f is None or (f["paid_fen"], f["recovery_due_fen"]) != (paid, recovery):
            return None
        if approvals is not None and sum(e["kind"] == "approval" for e in f["entries"]) != approvals:
            return None
        return f
    return await async_wait_until(check, 60, 0.2, message=f"{project_id} paid {paid} recovery {recovery}")


def _duplicates():
    return EVENTS_HANDLED.labels("funding", "fc.acceptance.passed", "duplicate")._value.get()


async def _outbox_types(app, project_id):
    ob = app.state.runtime.spine.outbox
    async with app.state.runtime.sessions() as s:
        rows = (await s.execute(select(ob.c.payload).where(ob.c.key == project_id).order_by(ob.c.seq))).scalars()
        return [json.loads(p) for p in rows]


async def test_worked_examples_paid_from_broker_events(funding_app, producer, kit):
    cny = kit.CNY
    app = funding_app()
    ex = {n: kit.new_id(f"ex{n}") for n in range(1, 7)}
    targets = {1: "city", 2: "city", 3: "province", 4: "city", 5: "city", 6: "city"}
    async with app_client(app) as client:
        await producer.send(*(kit.approved(ex[n], target_level=targets[n]) for n in ex))
        await producer.send(*(kit.year_end(ex[n], target_level=targets[n]) for n in (3, 5, 6)))
        for n in (3, 5, 6):
            interim = await _wait_paid(client, kit, ex[n], 7_000_000 * cny)
            assert [e["kind"] for e in interim["entries"]] == ["interim"]
        for n in (1, 2, 4):  # known to funding (other partitions than 3, 5 and 6: no order between them) …
            async def known(n=n):
                return await _funding(client, kit, ex[n])
            f = await async_wait_until(known, 60, 0.2, message=f"{ex[n]} known to funding")
            assert f["paid_fen"] == 0  # … and an approval alone pays nothing

        await producer.send(
            kit.passed(ex[1], "city", 9_000_000), kit.passed(ex[2], "city", 11_000_000),
            kit.passed(ex[3], "province", 12_000_000), kit.passed(ex[4], "city", 8_000_000),
            kit.passed(ex[4], "province", 11_000_000, decided_on="2022-06-01"),
            kit.passed(ex[5], "city", 4_000_000), kit.passed(ex[6], "city", 2_000_000))

        f1 = await _wait_paid(client, kit, ex[1], 9_500_000 * cny)
        assert (f1["award_fen"], f1["entitlement_fen"]) == (10_000_000 * cny, 9_500_000 * cny)
        assert [(e["kind"], e["amount_fen"], e["rules"]) for e in f1["entries"]] == [
            ("approval", 9_500_000 * cny, ["F1", "F6", "F7"]),
            ("disbursement", 9_000_000 * cny, ["F1", "F6"]), ("reward", 500_000 * cny, ["F1", "F7"])]
        f2 = await _wait_paid(client, kit, ex[2], 10_000_000 * cny)
        assert f2["entitlement_fen"] == 10_000_000 * cny and "F5" in f2["entries"][0]["rules"]
        assert (f2["final_expenditure_fen"], f2["street_borne_fen"]) == (11_000_000 * cny, 1_000_000 * cny)
        f3 = await _wait_paid(client, kit, ex[3], 12_000_000 * cny)
        assert [(e["kind"], e["amount_fen"]) for e in f3["entries"]][-1] == ("disbursement", 5_000_000 * cny)
        f4 = await _wait_paid(client, kit, ex[4], 11_500_000 * cny, approvals=2)
        assert (f4["award_fen"], f4["entitlement_fen"], f4["level_reached"]) == (
            12_000_000 * cny, 11_500_000 * cny, "province")
        assert [e["amount_fen"] for e in f4["entries"] if e["kind"] != "approval"] == [
            8_000_000 * cny, 1_000_000 * cny, 2_500_000 * cny]
        f5 = await _wait_paid(client, kit, ex[5], 7_000_000 * cny, approvals=1)
        assert f5["entitlement_fen"] == 7_000_000 * cny
        assert [e["kind"] for e in f5["entries"]] == ["interim", "approval"]
        f6 = await _wait_paid(client, kit, ex[6], 7_000_000 * cny, recovery=1_000_000 * cny, approvals=1)
        assert f6["entitlement_fen"] == 6_000_000 * cny
        for f in (f1, f2, f3, f4, f5, f6):
            assert f["paid_fen"] - f["recovery_due_fen"] == f["entitlement_fen"]

        # What funding announced, through its outbox: approval, payments, the recovery.
        async def announced():
            types = [e["type"] for e in await _outbox_types(app, ex[6])]
            return types if "fc.subsidy.recovery_due" in types else None
        assert await async_wait_until(announced, 30) == [
            "fc.subsidy.disbursed", "fc.subsidy.approved", "fc.subsidy.recovery_due"]
        recovery = (await _outbox_types(app, ex[6]))[-1]["data"]
        assert recovery["amount_fen"] == 1_000_000 * cny and recovery["street_code"] == "S01"


async def test_redelivered_and_duplicate_acceptances_pay_once(funding_app, producer, kit):
    app = funding_app()
    project = kit.new_id("dup")
    first = kit.passed(project, "city", 9_000_000)
    same_acceptance_new_event = kit.passed(project, "city", 9_000_000, acceptance_id=first.data["acceptance_id"])
    async with app_client(app) as client:
        await producer.send(kit.approved(project))
        await async_wait_until(lambda: _funding(client, kit, project), 60, message="projection")
        dup_before = _duplicates()
        await producer.send(first, first, same_acceptance_new_event)
        await _wait_paid(client, kit, project, 9_500_000 * kit.CNY)
        inbox = app.state.runtime.spine.inbox
        await async_wait_until(lambda: kit.count(app, inbox, inbox.c.event_id == same_acceptance_new_event.id),
                               60, message="the second event id handled")
        await async_wait_until(lambda: _duplicates() > dup_before, 60, message="the redelivery seen as duplicate")
        f = await _funding(client, kit, project)
        assert f["paid_fen"] == 9_500_000 * kit.CNY
        assert sorted(e["kind"] for e in f["entries"]) == ["approval", "disbursement", "reward"]


async def test_acceptance_before_the_project_is_parked_then_paid(funding_app, producer, kit):
    app = funding_app()
    project = kit.new_id("late")
    async with app_client(app) as client:
        await producer.send(kit.passed(project, "city", 9_000_000))
        await async_wait_until(lambda: kit.count(app, parked_events, parked_events.c.project_id == project), 60,
                               message="acceptance parked until the project is known")
        assert (await client.get(f"/api/v1/projects/{project}/funding", headers=kit.OFFICE)).status_code == 404
        await producer.send(kit.approved(project))
        await _wait_paid(client, kit, project, 9_500_000 * kit.CNY)
        assert await kit.count(app, parked_events, parked_events.c.project_id == project) == 0


async def test_concurrent_duplicate_acceptances_pay_once(funding_app, kit):
    app = funding_app(run_workers=False)
    project = kit.new_id("race")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(project))
        one = kit.passed(project, "city", 9_000_000)
        # Two results for the same project and level posted at once, as two different events.
        two = kit.passed(project, "city", 9_000_000)
        three = kit.passed(project, "city", 9_000_000, acceptance_id=one.data["acceptance_id"])
        consumer = app.state.runtime.consumer
        outcomes = await asyncio.gather(consumer.handle(one), consumer.handle(two), consumer.handle(three))
        assert outcomes == ["handled"] * 3
        f = (await client.get(f"/api/v1/projects/{project}/funding", headers=kit.FINANCE)).json()
        assert f["paid_fen"] == 9_500_000 * kit.CNY
        le = ledger_entries
        assert await kit.count(app, le, le.c.project_id == project, le.c.kind == "disbursement") == 1
        assert await kit.count(app, le, le.c.project_id == project, le.c.kind == "approval") == 1


async def test_f3_a_community_already_awarded_brings_only_the_top_up(funding_app, kit):
    app = funding_app(run_workers=False)
    a, b, c = kit.new_id("a"), kit.new_id("b"), kit.new_id("c")
    async with app_client(app) as client:
        await kit.handle(app, kit.approved(a, community_ids=["c1", "c2"]), kit.approved(b, community_ids=["c2", "c3"]),
                         kit.approved(c, community_ids=["c1"], target_level="province"),
                         kit.passed(a, "city", 12_000_000), kit.passed(b, "city", 5_000_000),
                         kit.passed(c, "province", 3_000_000))

        async def funding(p):
            return (await client.get(f"/api/v1/projects/{p}/funding", headers=kit.OFFICE)).json()
        fa, fb, fc = await funding(a), await funding(b), await funding(c)
        assert (fa["award_fen"], fa["paid_fen"]) == (1_000_000_000, 1_000_000_000)
        # b's c3 was never covered, so b is not covered (every community must be): the full city award;
        # the rule trail still names c2, covered through a.
        assert (fb["award_fen"], fb["entitlement_fen"], fb["paid_fen"]) == (1_000_000_000, 750_000_000, 750_000_000)
        assert fb["covered_communities"] == {"c2": "city"} and "c2" in fb["entries"][0]["reason"]
        assert (fc["award_fen"], fc["entitlement_fen"], fc["paid_fen"]) == (200_000_000, 200_000_000, 200_000_000)
