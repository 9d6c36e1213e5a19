"""Webhook delivery end to end inside notify: signed, retried, replayed, isolated, durable."""
import json
import time
import uuid

from aiokafka import AIOKafkaProducer
from standardwebhooks.webhooks import Webhook

from fc_notify.adapters.tables import subscriptions
from fc_shared.events import TOPIC_REGISTRY
from fc_devtools.testing import app_client, async_wait_until, auth

from .conftest import inject, project_event, rows

OFFICE = auth("district_office")


async def subscribe(client, url, event_types=(), headers=OFFICE):
    r = await client.post("/api/v1/subscriptions", headers=headers,
                          json={"url": url, "event_types": list(event_types), "description": "test"})
    assert r.status_code == 201, r.text
    return r.json()


async def deliveries(client, **params):
    r = await client.get("/api/v1/deliveries", headers=OFFICE, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_event_from_the_broker_arrives_signed_and_verifies_with_the_stock_library(make_app, broker, receiver):
    # A consumer group of its own, so the test does not wait on a rebalance of an earlier test's group.
    app = make_app(consume=True, name=f"notify-{uuid.uuid4().hex[:8]}")
    async with app_client(app) as client:
        sub = await subscribe(client, receiver.url("/signed"), ["fc.project.approved"])
        event = project_event("fc.project.approved", creation_deadline="2027-01-01")
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(TOPIC_REGISTRY, event.to_json().encode(), key=event.subject.encode())
        finally:
            await producer.stop()
        # A fresh group reads the topic from the start, so earlier tests' events may arrive too.
        hit = (await async_wait_until(lambda: [r for r in receiver.received("/signed")
                                               if r["headers"]["webhook-id"] == event.id], 60,
                                      message="webhook delivered"))[0]
        payload = Webhook(sub["secret"]).verify(hit["body"], hit["headers"])
        assert payload["id"] == event.id
        assert payload["specversion"] == "1.0" and payload["type"] == "fc.project.approved"
        assert payload["data"]["creation_deadline"] == "2027-01-01"

        async def logged():
            return [d for d in await deliveries(client, subscription_id=sub["id"], status="delivered")
                    if d["event_id"] == event.id]
        [d] = await async_wait_until(logged, 60, message="delivery logged as delivered")
        assert d["subject"] == "p-1"
        detail = (await client.get(f"/api/v1/deliveries/{d['id']}", headers=OFFICE)).json()
        [attempt] = detail["attempt_log"]
        assert attempt["status_code"] == 200 and attempt["outcome"] == "success"
        assert attempt["response_excerpt"] == "ok" and attempt["latency_ms"] >= 0


async def test_a_receiver_failing_n_times_gets_the_event_once_it_succeeds(make_app, receiver):
    receiver.plan["/flaky"] = [500, 503, 502]
    app = make_app()
    async with app_client(app) as client:
        sub = await subscribe(client, receiver.url("/flaky"))
        event = project_event("fc.project.created")
        assert await inject(app, event)
        await async_wait_until(lambda: receiver.received("/flaky"), 60, message="the fourth attempt succeeds")
        [d] = await async_wait_until(lambda: deliveries(client, subscription_id=sub["id"], status="delivered"), 60,
                                     message="delivery marked delivered")
        tries = receiver.received("/flaky", ok_only=False)
        assert [t["status"] for t in tries] == [500, 503, 502, 200]
        assert {t["headers"]["webhook-id"] for t in tries} == {event.id}
        detail = (await client.get(f"/api/v1/deliveries/{d['id']}", headers=OFFICE)).json()
        assert [a["status_code"] for a in detail["attempt_log"]] == [500, 503, 502, 200]
        assert [a["outcome"] for a in detail["attempt_log"]] == ["failure"] * 3 + ["success"]
        [stored] = await rows(app, subscriptions, subscriptions.c.id == sub["id"])
        assert stored.failing_since is None and stored.status == "active"


async def test_replay_sends_matching_events_again_with_the_same_webhook_ids(make_app, receiver):
    app = make_app()
    async with app_client(app) as client:
        sub = await subscribe(client, receiver.url("/replay"), ["fc.project.approved"])
        approved = project_event("fc.project.approved")
        other = project_event("fc.project.created")
        for e in (approved, other):
            assert await inject(app, e)
        await async_wait_until(lambda: receiver.received("/replay"), 60, message="first delivery")
        r = await client.post(f"/api/v1/subscriptions/{sub['id']}/replay", headers=OFFICE,
                              json={"since": "2000-01-01T00:00:00Z"})
        assert r.status_code == 202 and r.json()["queued"] == 1
        got = await async_wait_until(lambda: len(receiver.received("/replay")) == 2 and receiver.received("/replay"),
                                     60, message="the replayed delivery")
        assert [g["headers"]["webhook-id"] for g in got] == [approved.id, approved.id]
        assert got[0]["body"] == got[1]["body"]
        assert len(await deliveries(client, subscription_id=sub["id"])) == 1  # one delivery, two rounds
        bad = await client.post(f"/api/v1/subscriptions/{sub['id']}/replay", headers=OFFICE, json={"since": "yesterday"})
        assert bad.status_code == 422


async def test_a_dead_and_a_slow_endpoint_do_not_delay_a_live_one(make_app, receiver):
    receiver.delay["/slow"] = 4.0
    app = make_app(delivery_timeout_s=10.0)
    async with app_client(app) as client:
        await subscribe(client, receiver.url("/slow"))
        await subscribe(client, "http://127.0.0.1:9/dead")  # discard port: nothing listens
        await subscribe(client, receiver.url("/live"))
        started = time.monotonic()
        for i in range(6):
            assert await inject(app, project_event("fc.project.created", project_id=f"p-{i}"))
        await async_wait_until(lambda: len(receiver.received("/live")) == 6, 60, message="all six at the live endpoint")
        live_done = time.monotonic() - started
        # The slow endpoint has not answered even its first request yet, yet the live one has all six.
        assert receiver.received("/slow", ok_only=False) == []
        assert live_done < 4.0, live_done
        await async_wait_until(lambda: receiver.received("/slow"), 60, message="the slow endpoint's first answer")


async def test_a_restart_mid_retry_loses_nothing(make_app, receiver):
    receiver.plan["/restart"] = [500]
    event = project_event("fc.project.created")
    first = make_app(retry_schedule_s=[0, 3, 3])
    async with app_client(first) as client:
        sub = await subscribe(client, receiver.url("/restart"))
        assert await inject(first, event)
        async def failed_once():
            return [d for d in await deliveries(client, subscription_id=sub["id"], status="pending")
                    if d["attempts"] == 1]
        [d] = await async_wait_until(failed_once, 60, message="first attempt failed")
        assert d["last_status_code"] == 500
    assert receiver.received("/restart") == []  # stopped before the retry was due
    second = make_app(retry_schedule_s=[0, 3, 3])
    async with app_client(second) as client:
        await async_wait_until(lambda: deliveries(client, subscription_id=sub["id"], status="delivered"), 60,
                               message="the retry after the restart")
        tries = receiver.received("/restart", ok_only=False)
        assert [t["status"] for t in tries] == [500, 200]
        assert {t["headers"]["webhook-id"] for t in tries} == {event.id}


async def test_410_gone_disables_the_endpoint_publishes_and_alerts_the_office(make_app, receiver):
    receiver.plan["/gone"] = [410]
    app = make_app()
    async with app_client(app) as client:
        sub = await subscribe(client, receiver.url("/gone"))
        assert await inject(app, project_event("fc.project.created"))

        async def disabled():
            r = await client.get(f"/api/v1/subscriptions/{sub['id']}", headers=OFFICE)
            return r.json()["status"] == "disabled" and r.json()
        body = await async_wait_until(disabled, 60, message="endpoint disabled")
        assert "410" in body["disabled_reason"]
        outbox = app.state.runtime.spine.outbox
        [published] = await rows(app, outbox, outbox.c.type == "fc.webhook.endpoint_disabled")
        assert json.loads(published.payload)["data"]["subscription_id"] == sub["id"]
        alerts = (await client.get("/api/v1/alerts", headers=OFFICE)).json()["items"]
        assert [a["type"] for a in alerts] == ["webhook_endpoint_disabled"]
        # A disabled endpoint receives nothing new.
        assert await inject(app, project_event("fc.project.created", project_id="p-2"))
        assert len(await deliveries(client, subscription_id=sub["id"])) == 1
        assert len(receiver.received("/gone", ok_only=False)) == 1


async def test_an_endpoint_failing_for_too_long_is_disabled(make_app, receiver):
    receiver.plan["/down"] = lambda headers, body: (503, {})
    app = make_app(disable_after_s=1.0, retry_schedule_s=[0] + [0.3] * 30)
    async with app_client(app) as client:
        sub = await subscribe(client, receiver.url("/down"))
        assert await inject(app, project_event("fc.project.created"))

        async def disabled():
            return (await client.get(f"/api/v1/subscriptions/{sub['id']}", headers=OFFICE)).json()["status"] == "disabled"
        await async_wait_until(disabled, 60, message="endpoint disabled after failing too long")
        [d] = await deliveries(client, subscription_id=sub["id"])
        assert d["status"] == "failed" and d["attempts"] >= 3
        office = (await client.get("/api/v1/alerts", headers=OFFICE)).json()["items"]
        assert office[0]["type"] == "webhook_endpoint_disabled" and "failing continuously" in office[0]["message"]
        resumed = await client.post(f"/api/v1/subscriptions/{sub['id']}/resume", headers=OFFICE)
        assert resumed.json()["status"] == "active" and resumed.json()["failing_since"] is None


async def test_rotation_signs_with_both_secrets_during_the_overlap(make_app, receiver):
    app = make_app()
    async with app_client(app) as client:
        sub = await subscribe(client, receiver.url("/rotated"))
        r = await client.post(f"/api/v1/subscriptions/{sub['id']}/rotate", headers=OFFICE)
        assert r.status_code == 200
        new_secret = r.json()["secret"]
        assert new_secret.startswith("whsec_") and new_secret != sub["secret"]
        assert r.json()["rotation_overlap_until"] is not None
        assert await inject(app, project_event("fc.project.created"))
        [hit] = await async_wait_until(lambda: receiver.received("/rotated"), 60, message="delivery after rotation")
        assert len(hit["headers"]["webhook-signature"].split(" ")) == 2
        for secret in (sub["secret"], new_secret):
            assert Webhook(secret).verify(hit["body"], hit["headers"])["id"] == hit["headers"]["webhook-id"]


async def test_manual_retry_sends_a_failed_delivery_again(make_app, receiver):
    receiver.plan["/once"] = [500]
    app = make_app(retry_schedule_s=[0])
    async with app_client(app) as client:
        sub = await subscribe(client, receiver.url("/once"))
        event = project_event("fc.project.created")
        assert await inject(app, event)
        [d] = await async_wait_until(lambda: deliveries(client, subscription_id=sub["id"], status="failed"), 60,
                                     message="delivery given up after its one attempt")
        r = await client.post(f"/api/v1/deliveries/{d['id']}/retry", headers=OFFICE)
        assert r.status_code == 202 and r.json()["status"] == "pending"
        await async_wait_until(lambda: deliveries(client, subscription_id=sub["id"], status="delivered"), 60,
                               message="delivered on manual retry")
        assert [t["headers"]["webhook-id"] for t in receiver.received("/once", ok_only=False)] == [event.id] * 2


async def test_a_consumed_batch_reads_the_subscriptions_once_and_queues_every_event(make_app, receiver):
    """The events of one fetched batch share one transaction, and with it one read of the subscriptions;
    each event still gets a delivery per matching subscription, and a later batch sees a new subscription."""
    from sqlalchemy import event as sa_event

    from fc_notify.adapters.tables import deliveries as delivery_table
    from fc_shared.inbox import handle_together

    app = make_app()
    async with app_client(app) as client:
        created = await subscribe(client, receiver.url("/created"), ["fc.project.created"])
        everything = await subscribe(client, receiver.url("/all"))
        runtime = app.state.runtime
        batch = [project_event("fc.project.created", project_id=f"p-{i}") for i in range(3)]
        batch.append(project_event("fc.project.cancelled", project_id="p-0"))
        reads: list[str] = []

        def seen(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT") and "FROM SUBSCRIPTIONS" in statement.upper():
                reads.append(statement)

        sa_event.listen(runtime.engine.sync_engine, "before_cursor_execute", seen)
        try:
            outcomes = await handle_together(runtime.uow(), runtime.name, batch, runtime.spec.handlers)
        finally:
            sa_event.remove(runtime.engine.sync_engine, "before_cursor_execute", seen)
        assert outcomes == ["handled"] * 4
        assert len(reads) == 1
        queued = {(d.subscription_id, d.event_id) for d in await rows(app, delivery_table)}
        assert queued == ({(created["id"], e.id) for e in batch[:3]} | {(everything["id"], e.id) for e in batch})

        later = await subscribe(client, receiver.url("/later"), ["fc.project.created"])
        more = project_event("fc.project.created", project_id="p-9")
        await handle_together(runtime.uow(), runtime.name, [more, project_event("fc.project.created")],
                              runtime.spec.handlers)
        assert (later["id"], more.id) in {(d.subscription_id, d.event_id) for d in await rows(app, delivery_table)}
