"""Outbox, inbox, dead letters, idempotency and problem responses on SQLite and PostgreSQL with the real broker."""
import asyncio
import json
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import event, func, select

from fc_devtools.broker import free_port
from fc_shared.events import TOPIC_REGISTRY, Event, dead_letter_topic
from fc_shared.inbox import handle_once, handle_together
from fc_shared.metrics import DEAD_LETTERS, EVENTS_HANDLED
from fc_devtools.testing import app_client, async_wait_until, auth, read_from_start


OFFICE = auth("district_office")


def community(community_id: str, name: str) -> dict:
    """fc.community.created's payload (fc_shared.event_models.CommunityCreated)."""
    return {"community_id": community_id, "street_code": "S01", "name": name}


async def _count(app, table, *where):
    async with app.state.runtime.sessions() as s:
        return (await s.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def test_state_and_event_commit_together_and_the_relay_publishes(db_url, broker, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app) as client:
        r = await client.post("/api/v1/things", json={"name": "东湖"}, headers=OFFICE)
        assert r.status_code == 201, r.text
        thing_id = r.json()["id"]
        ob = kit.spine.outbox
        await async_wait_until(lambda: _count(app, ob, ob.c.key == thing_id, ob.c.sent_at.is_not(None)),
                               message="outbox row marked sent")
    consumer = await read_from_start(broker, TOPIC_REGISTRY)
    try:
        found = None
        async def look():
            nonlocal found
            batches = await consumer.getmany(timeout_ms=500)
            for msgs in batches.values():
                for m in msgs:
                    if m.key == thing_id.encode():
                        found = json.loads(m.value)
            return found
        await async_wait_until(look, message="event on the topic")
        assert found["type"] == "fc.community.created" and found["subject"] == thing_id
    finally:
        await consumer.stop()


async def test_rolled_back_work_leaves_no_event(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app):
        runtime = app.state.runtime
        async with runtime.uow() as uow:
            uow.emit("fc.community.created", "x", {"community_id": "x", "street_code": "S01", "name": "x"})
            await uow.flush_events()
        assert await _count(app, kit.spine.outbox) == 0


async def test_after_commit_callbacks_run_only_once_the_transaction_committed(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    calls: list[str] = []
    async with app_client(app):
        runtime = app.state.runtime
        async with runtime.uow() as uow:  # left without commit: rolled back
            uow.after_commit(lambda: calls.append("rolled back"))
            uow.emit("fc.community.created", "x", {"community_id": "x", "street_code": "S01", "name": "x"})
        async with runtime.uow() as uow:
            uow.emit("fc.community.created", "y", {"community_id": "y", "street_code": "S01", "name": "y"})
            uow.after_commit(lambda: calls.append("committed"))
            await uow.flush_events()
            assert calls == []  # not while the transaction is open
            await uow.commit()
        assert calls == ["committed"]
        assert await _count(app, kit.spine.outbox) == 1


async def test_broker_outage_never_fails_a_write(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    dead = f"127.0.0.1:{free_port()}"
    app = spine_app_factory(db_url, bootstrap=dead, consume=False)
    async with app_client(app) as client:
        r = await client.post("/api/v1/things", json={"name": "offline"}, headers=OFFICE)
        assert r.status_code == 201
        assert await _count(app, kit.spine.outbox, kit.spine.outbox.c.sent_at.is_(None)) == 1
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"] == "down"
        assert ready.headers["content-type"] == "application/problem+json"


async def test_inbox_makes_a_redelivered_event_a_no_op(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app):
        runtime = app.state.runtime
        event = Event(type="fc.community.created", source="/t", subject="c1", data=community("c1", "a"))
        assert await handle_once(runtime.uow(), "c", event, kit.on_community) is True
        assert await handle_once(runtime.uow(), "c", event, kit.on_community) is False
        assert await _count(app, kit.seen) == 1


async def test_consumer_handles_and_dead_letters_poison(db_url, broker, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url)
    async with app_client(app):
        name = app.state.runtime.name
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, acks="all")
        await producer.start()
        good = Event(type="fc.community.created", source="/t", subject="g", data=community("g", "good"))
        bad = Event(type="fc.community.created", source="/t", subject="b", data=community("b", "poison"))
        malformed = b"{not json " + uuid.uuid4().hex.encode()
        try:
            for e in (bad, good, good):  # the good one twice: handled once
                await producer.send_and_wait(TOPIC_REGISTRY, e.to_json().encode(), key=e.subject.encode())
            await producer.send_and_wait(TOPIC_REGISTRY, malformed, key=b"m")
        finally:
            await producer.stop()
        await async_wait_until(lambda: _count(app, kit.seen, kit.seen.c.event_id == good.id), 60, message="good event handled")
        consumer = await read_from_start(broker, dead_letter_topic(TOPIC_REGISTRY))
        try:
            hit = {}

            async def look():
                for msgs in (await consumer.getmany(timeout_ms=500)).values():
                    for m in msgs:
                        headers = dict(m.headers)
                        if headers.get("fc-consumer") == name.encode():
                            hit[m.value] = headers
                return bad.to_json().encode() in hit and malformed in hit

            await async_wait_until(look, 60, message="both dead letters on the .dlt topic")
            assert b"always fails" in hit[bad.to_json().encode()]["fc-error"]
            assert hit[malformed]["fc-original-topic"] == TOPIC_REGISTRY.encode()
        finally:
            await consumer.stop()
        assert await _count(app, kit.seen, kit.seen.c.event_id == good.id) == 1
        assert await _count(app, kit.seen, kit.seen.c.event_id == bad.id) == 0
        assert DEAD_LETTERS.labels(name, "fc.community.created")._value.get() >= 1


async def test_an_off_contract_payload_is_dead_lettered_at_once_with_the_validation_message(
        db_url, broker, spine_app_factory, kit):
    """A payload missing a required field (or mistyped) is a permanent fault: straight to .dlt, never retried."""
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url)
    async with app_client(app):
        name = app.state.runtime.name
        tag = uuid.uuid4().hex
        missing = Event(type="fc.community.created", source="/t", subject=f"m{tag}",
                        data={"community_id": "m", "name": "no street"})
        mistyped = Event(type="fc.community.created", source="/t", subject=f"t{tag}",
                         data={**community("t", "typed"), "street_code": ["S01"]})
        good = Event(type="fc.community.created", source="/t", subject=f"g{tag}",
                     data={**community("g", "good"), "added_by_a_newer_producer": True})  # extras are tolerated
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, acks="all")
        await producer.start()
        try:
            for e in (missing, mistyped, good):
                await producer.send_and_wait(TOPIC_REGISTRY, e.to_json().encode(), key=e.subject.encode())
        finally:
            await producer.stop()
        await async_wait_until(lambda: _count(app, kit.seen, kit.seen.c.event_id == good.id), 60,
                               message="the good event (with an unknown extra field) handled")
        consumer = await read_from_start(broker, dead_letter_topic(TOPIC_REGISTRY))
        try:
            hit = {}

            async def look():
                for msgs in (await consumer.getmany(timeout_ms=500)).values():
                    for m in msgs:
                        headers = dict(m.headers)
                        if headers.get("fc-consumer") == name.encode():
                            hit[m.value] = headers["fc-error"].decode()
                return all(e.to_json().encode() in hit for e in (missing, mistyped))

            await async_wait_until(look, 60, message="both off-contract events on the .dlt topic")
        finally:
            await consumer.stop()
        hit = {e.id: hit[e.to_json().encode()] for e in (missing, mistyped, good) if e.to_json().encode() in hit}
        assert hit[missing.id].startswith("invalid payload: fc.community.created payload does not match its contract")
        assert "street_code: Field required" in hit[missing.id]
        assert "street_code: Input should be a valid string" in hit[mistyped.id]
        assert good.id not in hit
        assert await _count(app, kit.seen, kit.seen.c.event_id.in_([missing.id, mistyped.id])) == 0
        assert await _count(app, kit.spine.inbox, kit.spine.inbox.c.event_id.in_([missing.id, mistyped.id])) == 0


async def test_an_invalid_payload_is_not_retried(db_url, spine_app_factory, kit):
    from fc_shared.event_models import CommunityCreated, InvalidPayload
    from fc_shared.inbox import EventConsumer

    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app):
        runtime = app.state.runtime
        calls = []

        async def reads_as_another_type(uow, event):
            calls.append(event.id)
            CommunityCreated.of(Event(type="fc.street.created", source="/t", subject="s", data=event.data))

        consumer = EventConsumer("invalid-test", [], {"fc.community.created": reads_as_another_type}, runtime.uow,
                                 bootstrap="127.0.0.1:1", epoch=runtime.epoch, max_retries=5, retry_backoff_s=0.01)
        with pytest.raises(InvalidPayload, match="street_code: Field required"):
            await consumer.handle(Event(type="fc.community.created", source="/t", subject="x", data={"name": "x"}))
        assert calls == []  # checked against the model before the handler ran
        with pytest.raises(InvalidPayload, match="not an event type read as CommunityCreated"):
            await consumer.handle(Event(type="fc.community.created", source="/t", subject="y", data=community("y", "y")))
        assert len(calls) == 1  # a handler's own read of a payload failed once: not retried max_retries times


async def test_republish_from_a_point_in_time(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url)
    async with app_client(app) as client:
        ids = [(await client.post("/api/v1/things", json={"name": f"n{i}"}, headers=OFFICE)).json()["id"] for i in range(3)]
        await async_wait_until(lambda: _count_eq(app, kit.seen, kit.seen.c.subject.in_(ids), n=3), message="all three handled")
        # This app's own events only: the session's broker carries other tests' traffic too, which the consumer
        # (reading its topics from the beginning) may still be working through.
        own = kit.spine.inbox.c.event_id.in_(select(kit.spine.outbox.c.event_id))
        inbox_before = await _count(app, kit.spine.inbox, own)
        assert inbox_before == 3
        r = await client.post("/api/v1/admin/outbox/republish", json={"since": "2000-01-01T00:00:00Z"}, headers=OFFICE)
        assert r.status_code == 200 and r.json()["rows"] == 3
        await async_wait_until(lambda: _count_eq(app, kit.spine.outbox, kit.spine.outbox.c.sent_at.is_(None), n=0),
                               message="republished rows sent again")
        # The repeats reach the consumer, whose duplicate counter moves, while the effect stays single.
        await async_wait_until(lambda: _duplicates(app.state.runtime.name) >= 3, message="repeats seen as duplicates")
        assert await _count(app, kit.seen, kit.seen.c.subject.in_(ids)) == 3
        assert await _count(app, kit.spine.inbox, own) == inbox_before
        bad = await client.post("/api/v1/admin/outbox/republish", json={"since": "yesterday"}, headers=OFFICE)
        assert bad.status_code == 422


async def _count_eq(app, table, *where, n):
    return await _count(app, table, *where) == n


def _duplicates(name):
    return EVENTS_HANDLED.labels(name, "fc.community.created", "duplicate")._value.get()


async def test_idempotency_key_replays_refuses_other_body(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app) as client:
        h = {**OFFICE, "Idempotency-Key": "k-1"}
        first = await client.post("/api/v1/things", json={"name": "once", "amount_fen": 100}, headers=h)
        again = await client.post("/api/v1/things", json={"name": "once", "amount_fen": 100}, headers=h)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again.headers.get("idempotent-replayed") == "true"
        other = await client.post("/api/v1/things", json={"name": "twice", "amount_fen": 100}, headers=h)
        assert other.status_code == 422 and other.headers["content-type"] == "application/problem+json"
        assert await _count(app, kit.things) == 1
        assert await _count(app, kit.spine.outbox) == 1


async def test_problem_responses(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app) as client:
        malformed = await client.post("/api/v1/things", content=b"{oops", headers={**OFFICE, "content-type": "application/json"})
        assert malformed.status_code == 400
        assert malformed.headers["content-type"] == "application/problem+json"
        invalid = await client.post("/api/v1/things", json={"name": "", "amount_fen": -1}, headers=OFFICE)
        assert invalid.status_code == 422 and len(invalid.json()["errors"]) == 2
        assert (await client.post("/api/v1/things", json={"name": "x"})).status_code == 401
        assert (await client.post("/api/v1/things", json={"name": "x"}, headers=auth("auditor"))).status_code == 403
        missing = await client.get("/api/v1/nowhere", headers=OFFICE)
        assert missing.status_code == 404 and missing.json()["title"] == "Not Found"
        assert await _count(app, kit.things) == 0
        await client.get(f"/api/v1/things/{uuid.uuid4()}", headers=OFFICE)
        metrics = (await client.get("/metrics")).text
        assert 'route="/api/v1/things/{thing_id}"' in metrics
        assert "/api/v1/nowhere" not in metrics
        assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_concurrent_idempotent_requests_take_effect_once(db_url, spine_app_factory, kit):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app) as client:
        h = {**OFFICE, "Idempotency-Key": "same"}
        results = await asyncio.gather(*(client.post("/api/v1/things", json={"name": "c"}, headers=h) for _ in range(5)))
        codes = sorted(r.status_code for r in results)
        assert set(codes) <= {201, 409} and 201 in codes
        assert await _count(app, kit.things) == 1


async def test_upsert_inserts_then_updates(db_url, kit):
    from fc_shared.db import make_engine, make_sessionmaker, upsert

    await kit.create_schema(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        for name in ("first", "second"):
            async with sessions() as s, s.begin():
                await upsert(s, kit.things, {"id": "t1"}, {"name": name, "amount_fen": 5})
        async with sessions() as s:
            rows = (await s.execute(select(kit.things))).all()
        assert [(r.id, r.name) for r in rows] == [("t1", "second")]
    finally:
        await engine.dispose()


def _not_above_five(t, new):
    return new.amount_fen <= 5


async def test_upsert_and_insert_ignore_build_a_shape_once_and_take_expressions_and_closures_as_given(db_url, kit):
    from sqlalchemy import literal

    from fc_shared import db as dbmod
    from fc_shared.db import insert_ignore, make_engine, make_sessionmaker, upsert

    await kit.create_schema(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as s, s.begin():
            await upsert(s, kit.things, {"id": "t1"}, {"name": "a", "amount_fen": 1})
            dialect = "postgresql" if db_url.startswith("postgresql") else "sqlite"
            shape = ("upsert", dialect, kit.things, ("id",), ("name", "amount_fen"), None)
            assert shape in dbmod._PREPARED  # kept for the next row of the same shape
            shapes = dict(dbmod._PREPARED)
            await upsert(s, kit.things, {"id": "t2"}, {"name": "b", "amount_fen": 2})
            await upsert(s, kit.things, {"id": "t1"}, {"name": "a2", "amount_fen": 3})
            assert dbmod._PREPARED == shapes  # the same shape: the statement built for the first row, reused
            for amount in (2, 8):  # a condition of its arguments only is kept by its name and code, and applied
                await upsert(s, kit.things, {"id": "t2"}, {"name": f"d{amount}", "amount_fen": amount},
                             only_if=_not_above_five)
            assert (await s.execute(select(kit.things.c.name).where(kit.things.c.id == "t2"))).scalar() == "d2"
            assert len(dbmod._PREPARED) == len(shapes) + 1
            shapes = dict(dbmod._PREPARED)
            limit = 5  # a condition closing over a value is built with it each time, never kept by its code
            for amount in (9, 4):
                await upsert(s, kit.things, {"id": "t1"}, {"name": f"c{amount}", "amount_fen": amount},
                             only_if=lambda t, new: new.amount_fen <= limit)
            await upsert(s, kit.things, {"id": "t2"}, {"name": literal("by-expression"), "amount_fen": 6})
            assert dbmod._PREPARED == shapes
            assert await insert_ignore(s, kit.things, {"id": "t3", "name": "x"}, key=["id"]) is True
            assert await insert_ignore(s, kit.things, {"id": "t3", "name": "y"}, key=["id"]) is False
            for write in (insert_ignore(s, kit.things, {"id": "t4", "nmae": "typo"}, key=["id"]),
                          upsert(s, kit.things, {"id": "t4"}, {"name": "n", "amount": 1})):
                with pytest.raises((ValueError, KeyError)):  # a name that is no column is refused, not dropped
                    await write
        async with sessions() as s:
            rows = (await s.execute(select(kit.things).order_by(kit.things.c.id))).all()
        assert [(r.id, r.name, r.amount_fen) for r in rows] == [
            ("t1", "c4", 4), ("t2", "by-expression", 6), ("t3", "x", 0)]
    finally:
        await engine.dispose()


async def test_api_only_process_stays_ready_through_a_broker_outage(db_url, kit, spine_app_factory):
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, bootstrap=f"127.0.0.1:{free_port()}", consume=False)
    async with app_client(app) as client:
        app.state.runtime.platform.run_workers = False  # as an API-only Deployment runs
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "broker": "down"}


async def test_a_late_older_project_snapshot_changes_nothing(db_url):
    """Reordered events: a projection keeps the newest snapshot by registry's row version."""
    from sqlalchemy import Table

    from fc_shared.contracts import project_projection_columns, record_project_snapshot
    from fc_shared.db import make_engine, make_sessionmaker, new_metadata

    md = new_metadata()
    table = Table("projects", md, *project_projection_columns())
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
    sessions = make_sessionmaker(engine)
    base = {"project_id": "p1", "name": "n", "street_code": "S01", "type": "renovation", "target_level": "city",
            "community_ids": ["c1"]}
    try:
        for snap in ({**base, "state": "draft", "version": 1}, {**base, "state": "approved", "version": 5},
                     {**base, "state": "applied", "version": 2}):  # version 2 arrives after version 5
            async with sessions() as s, s.begin():
                await record_project_snapshot(s, table, snap)
        async with sessions() as s:
            row = (await s.execute(select(table))).one()
        assert (row.state, row.version) == ("approved", 5)
    finally:
        await engine.dispose()


async def test_a_database_outage_delays_an_event_but_never_dead_letters_it(db_url, spine_app_factory, kit):
    from sqlalchemy.exc import OperationalError

    from fc_shared.inbox import EventConsumer

    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app):
        runtime = app.state.runtime
        failures = {"left": 4}

        async def flaky(uow, event):
            if failures["left"]:
                failures["left"] -= 1
                raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database restarting"))
            await kit.on_community(uow, event)

        consumer = EventConsumer("outage-test", [], {"fc.community.created": flaky}, runtime.uow,
                                 bootstrap="127.0.0.1:1", epoch=runtime.epoch, max_retries=2, retry_backoff_s=0.01)
        event = Event(type="fc.community.created", source="/t", subject="c", data=community("c", "ok"))
        assert await consumer.handle(event) == "handled"  # four outage failures, more than max_retries
        assert await _count(app, kit.seen, kit.seen.c.event_id == event.id) == 1

        async def broken(uow, event):
            raise ValueError("a real fault of the event")

        consumer.handlers["fc.community.created"] = broken
        with pytest.raises(ValueError):
            await consumer.handle(Event(type="fc.community.created", source="/t", subject="d", data=community("d", "x")))


async def test_a_request_still_in_flight_under_the_same_key_is_409(db_url, spine_app_factory, kit):
    from sqlalchemy import insert as sa_insert

    from fc_shared.auth import TokenVerifier
    from fc_shared.idempotency import request_hash
    from fc_shared.uow import utcnow

    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app) as client:
        runtime = app.state.runtime
        principal = await TokenVerifier(runtime.platform).verify(OFFICE["Authorization"].split(" ", 1)[1])
        body = {"name": "slow", "amount_fen": 0}
        async with runtime.sessions() as s, s.begin():  # the first request has started and not finished
            await s.execute(sa_insert(kit.spine.idempotency).values(
                principal=principal.key, key="busy", request_hash=request_hash("POST", "/api/v1/things", body),
                state="in_flight", created_at=utcnow()))
        r = await client.post("/api/v1/things", json=body, headers={**OFFICE, "Idempotency-Key": "busy"})
        assert r.status_code == 409 and r.json()["type"].endswith("idempotency-in-flight")
        assert await _count(app, kit.things) == 0


async def test_a_batch_records_its_inbox_rows_at_once_and_skips_repeats(db_url, spine_app_factory, kit):
    """One inbox statement for the batch: an event handled before, and a second copy in the same batch, are
    duplicates; an event of a type without a handler is ignored and gets no inbox row."""
    await kit.create_schema(db_url)
    app = spine_app_factory(db_url, consume=False)
    async with app_client(app):
        runtime = app.state.runtime
        old, a, b = (Event(type="fc.community.created", source="/t", subject=c, data=community(c, c))
                     for c in ("c0", "c1", "c2"))
        other = Event(type="fc.community.renamed", source="/t", subject="c1", data={})
        assert await handle_once(runtime.uow(), "c", old, kit.on_community) is True
        statements: list[str] = []

        def seen_statement(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(runtime.engine.sync_engine, "before_cursor_execute", seen_statement)
        try:
            outcomes = await handle_together(runtime.uow(), "c", [a, old, b, a, other],
                                             {"fc.community.created": kit.on_community})
        finally:
            event.remove(runtime.engine.sync_engine, "before_cursor_execute", seen_statement)
        assert sum(s.lstrip().upper().startswith("INSERT INTO INBOX") for s in statements) == 1
        assert outcomes == ["handled", "duplicate", "handled", "duplicate", "ignored"]
        assert await _count(app, kit.seen) == 3
        assert await _count(app, runtime.spine.inbox, runtime.spine.inbox.c.consumer == "c") == 3


async def test_a_fetched_batch_is_handled_in_one_transaction_and_a_poison_event_alone(db_url, broker, kit):
    """Events of one key (one partition, in order) waiting together are handled in fewer transactions than
    events; then a poison event among good ones and a repeat: the good ones are applied once each, in order,
    and the poison one is dead-lettered alone."""
    from fc_shared.app import ServiceSpec, create_app
    from fc_shared.settings import ServiceSettings
    from fc_devtools.testing import platform_settings

    await kit.create_schema(db_url)
    applied: list[str] = []
    units: list = []  # the units of work themselves, kept alive so their ids stay distinct

    run = uuid.uuid4().hex[:8]  # the topic also holds other tests' events: this test's are its own

    async def on_event(uow, event):
        if not event.subject.startswith(run):
            return
        await kit.on_community(uow, event)  # the poison one raises
        if all(u is not uow for u in units):
            units.append(uow)
        uow.after_commit(lambda: applied.append(event.subject))

    async def send(batch: list[Event]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, acks="all",
                                    linger_ms=50)
        await producer.start()
        try:
            for e in batch:
                await producer.send(TOPIC_REGISTRY, e.to_json().encode(), key=b"one-key")
            await producer.flush()
        finally:
            await producer.stop()

    settings = ServiceSettings(name=f"batchtest{uuid.uuid4().hex[:8]}", database_url=db_url,
                               platform=platform_settings(broker.bootstrap, consumer_max_retries=2))
    app = create_app(ServiceSpec(name=settings.name, settings=settings, spine=kit.spine, routers=[],
                                 consumes=[TOPIC_REGISTRY], handlers={"fc.community.created": on_event}))

    def make(prefix: str, n: int, poison_at: int | None = None) -> list[Event]:
        return [Event(type="fc.community.created", source="/t", subject=f"{run}-{prefix}-{i:02d}",
                      data={"community_id": f"{run}-{prefix}-{i:02d}", "street_code": "S01",
                            "name": "poison" if i == poison_at else f"c{i}"}) for i in range(n)]

    first = make("a", 20)
    await send(first)  # before the consumer starts: they wait for it together
    async with app_client(app):
        await async_wait_until(lambda: len(applied) >= 20, 60, message="the first events committed")
        assert applied == [e.subject for e in first]
        assert len(units) < 20, "the waiting events were handled together, not one transaction each"

        second = make("b", 10, poison_at=4)
        await send([*second, second[2]])  # the poison one in the middle, and a repeat of a good one
        good = [e.subject for i, e in enumerate(second) if i != 4]
        await async_wait_until(lambda: len(applied) >= 20 + len(good), 60, message="the good events committed")
        assert applied[20:] == good, "each good event applied once, in the partition's order"
        ids = [e.id for e in first + second]
        assert await _count(app, kit.seen, kit.seen.c.event_id.in_(ids)) == 20 + len(good)
        # Of this test's events, exactly the poison one is on the dead-letter topic, once (the topic also
        # holds other tests' dead letters, and this consumer dead-letters their off-contract events too).
        mine = {e.id for e in first + second}
        dead: list[str] = []
        reader = await read_from_start(broker, dead_letter_topic(TOPIC_REGISTRY))
        try:
            async def poison_seen():
                for msgs in (await reader.getmany(timeout_ms=500)).values():
                    for m in msgs:
                        if dict(m.headers).get("fc-consumer") == settings.name.encode():
                            try:
                                event_id = json.loads(m.value).get("id")
                            except ValueError:
                                continue  # another test's malformed message, dead-lettered by this consumer too
                            if event_id in mine:
                                dead.append(event_id)
                return second[4].id in dead
            await async_wait_until(poison_seen, 60, message="the poison event dead-lettered")
            for _ in range(3):  # and nothing more of ours behind it
                await poison_seen()
        finally:
            await reader.stop()
        assert dead == [second[4].id]
