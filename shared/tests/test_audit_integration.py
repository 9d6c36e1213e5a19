"""The audit watcher on set-based writes, SQLite and PostgreSQL: a multi-row upsert records only the rows it
added or changed (a row it met already there and left alone is not recorded as created), and an UPDATE of many
rows records each row's old and new values (read back in one SELECT, not one per row)."""
import json

import pytest

from sqlalchemy import Column, Date, Integer, String, Table, case, event, literal, select, update

from fc_shared import audit
from fc_shared.db import insert_ignore_many, make_engine, make_sessionmaker, new_metadata, spine_tables
from fc_shared.uow import UnitOfWork

metadata = new_metadata()
spine = spine_tables(metadata)
marks = Table("marks", metadata, Column("key", String(40), primary_key=True), Column("n", Integer, primary_key=True),
              Column("note", String(40), nullable=False))
items = Table("items", metadata, Column("key", String(40), primary_key=True), Column("due", Date, nullable=True),
              Column("level", Integer, nullable=True))
counted = Table("counted", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("name", String(40), nullable=False), Column("made", String(40), default=lambda: "by python"),
                Column("n", Integer, default=7))
named = Table("named", metadata, Column("id", String(40), primary_key=True), Column("name", String(40), unique=True),
              Column("low", String(40), nullable=True))
served = Table("served", metadata, Column("key", String(40), primary_key=True),
               Column("n", Integer, nullable=False, server_default="5"))
tagged = Table("tagged", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
               Column("name", String(40), nullable=False, unique=True), Column("n", Integer, default=3))
ACTOR = audit.Actor(actor="watcher-test", role="district_office", scope=None)


@pytest.fixture
async def db(db_url):
    """The test tables in a fresh database: (engine, sessions)."""
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine, make_sessionmaker(engine)
    await engine.dispose()


def _count_selects(engine, table_name: str) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _on(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table_name}" in statement:
            seen.append(statement)

    return seen


async def _entries(sessions, resource: str) -> list[dict]:
    async with sessions() as s:
        rows = (await s.execute(select(spine.audit).where(spine.audit.c.resource == resource)
                                .order_by(spine.audit.c.seq))).all()
    return [{"action": r.action, "resource_id": r.resource_id, "changes": json.loads(r.changes)} for r in rows]


async def test_a_multi_row_upsert_records_only_the_rows_it_added(db):
    _, sessions = db
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        await insert_ignore_many(uow.session, marks, [{"key": "a", "n": 1, "note": "first"}], key=["key", "n"])
        await uow.commit()
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        fresh = await insert_ignore_many(uow.session, marks, [
            {"key": "a", "n": 1, "note": "again"}, {"key": "b", "n": 1, "note": "second"},
            {"key": "a", "n": 2, "note": "third"}], key=["key", "n"])
        await uow.commit()
    assert fresh == {("b", 1), ("a", 2)}
    got = await _entries(sessions, "marks")
    assert [(e["action"], e["changes"]["note"]) for e in got] == [
        ("create", [None, "first"]), ("create", [None, "second"]), ("create", [None, "third"])]
    async with sessions() as s:
        assert (await s.execute(select(marks.c.note).where(marks.c.key == "a", marks.c.n == 1))).scalar() == "first"


async def test_an_update_of_many_rows_records_each_row_read_back_at_once(db):
    from datetime import date

    engine, sessions = db
    async with UnitOfWork(sessions, spine, "t") as uow:
        await uow.session.execute(items.insert(), [{"key": f"k{i}", "due": date(2026, 1, i + 1), "level": i}
                                                   for i in range(6)])
        await uow.commit()
    new = {f"k{i}": (date(2026, 2, i + 1), None if i == 2 else i * 10) for i in range(5)}
    selects = _count_selects(engine, "items")
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        await uow.session.execute(update(items).where(items.c.key.in_(list(new))).values(
            due=case({k: literal(d, Date) for k, (d, _) in new.items()}, value=items.c.key),
            level=case({k: literal(n, Integer) for k, (_, n) in new.items()}, value=items.c.key)))
        await uow.commit()
    assert len(selects) == 2, selects  # the rows before, the rows after: not one read per row
    got = {e["resource_id"]: e for e in await _entries(sessions, "items")}
    assert set(got) == {"k1", "k2", "k3", "k4", "k0"}  # k5 untouched
    assert got["k2"]["changes"] == {"due": ["2026-01-03", "2026-02-03"], "level": [2, None]}
    assert got["k0"]["changes"] == {"due": ["2026-01-01", "2026-02-01"]}  # level 0 → 0: unchanged
    assert all(e["action"] == "update" for e in got.values())
    async with sessions() as s:
        assert (await s.execute(select(items.c.due, items.c.level).where(items.c.key == "k3"))).one() == (
            date(2026, 2, 4), 30)
        assert (await audit.verify_chain(s, spine.audit))["ok"]


async def test_a_plain_insert_is_recorded_as_written_without_reading_it_back(db):
    from sqlalchemy import insert

    engine, sessions = db
    reads = _count_selects(engine, "counted")
    served_reads = _count_selects(engine, "served")
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        for name in ("甲", "乙"):
            await uow.session.execute(insert(counted).values(name=name))
        await uow.session.execute(insert(counted).values(id=40, name="丙", n=None))
        await uow.session.execute(insert(served).values(key="s1"))
        await uow.commit()
    assert reads == [] and len(served_reads) == 1  # the server default is read back, nothing else is
    async with sessions() as s:
        ids = [r.id for r in (await s.execute(select(counted).order_by(counted.c.id))).all()]
    got = {e["resource_id"]: e for e in await _entries(sessions, "counted")}
    assert set(got) == {str(i) for i in ids} and len(ids) == 3
    first = got[str(ids[0])]
    assert first["action"] == "create"
    assert first["changes"] == {"id": [None, ids[0]], "name": [None, "甲"], "made": [None, "by python"],
                                "n": [None, 7]}
    assert got["40"]["changes"] == {"id": [None, 40], "name": [None, "丙"], "made": [None, "by python"]}
    (served_entry,) = await _entries(sessions, "served")
    assert served_entry["changes"] == {"key": [None, "s1"], "n": [None, 5]}


async def test_an_upsert_skipped_on_another_unique_key_is_not_recorded(db):
    """The conflict is on ``name``, not on the key: the skipped row's fresh id is nowhere in the table, and it must
    not appear in the log as created."""
    _, sessions = db
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        await insert_ignore_many(uow.session, named, [{"id": "n1", "name": "甲", "low": None}], key=["name"])
        await uow.commit()
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        fresh = await insert_ignore_many(uow.session, named, [{"id": "n2", "name": "甲", "low": None},
                                                              {"id": "n3", "name": "乙", "low": None}],
                                         key=["name"])
        await uow.commit()
    assert fresh == {("乙",)}
    assert [(e["action"], e["resource_id"]) for e in await _entries(sessions, "named")] == [
        ("create", "n1"), ("create", "n3")]


async def test_an_insert_of_a_value_the_database_computes_is_read_back(db):
    from sqlalchemy import func, insert

    _, sessions = db
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        await uow.session.execute(insert(named).values(id="x1", name="x", low=func.lower("AbC")))
        await uow.commit()
    (entry,) = await _entries(sessions, "named")
    assert entry["changes"] == {"id": [None, "x1"], "name": [None, "x"], "low": [None, "abc"]}


async def test_an_insert_ignore_is_recorded_from_what_it_returned_without_reading_the_table(db):
    """``insert_ignore`` returns the key of a row it inserted and nothing when it met one: that says whether
    there is an entry, and the row as given is its content (neither a before nor an after image is read)."""
    from fc_shared.db import insert_ignore

    engine, sessions = db
    reads = _count_selects(engine, "named")
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        assert await insert_ignore(uow.session, named, {"id": "i1", "name": "甲", "low": "a"}, key=["id"]) is True
        await uow.commit()
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        # the same key again, and another key meeting the unique name: neither inserts, neither is an entry
        assert await insert_ignore(uow.session, named, {"id": "i1", "name": "乙", "low": "b"}, key=["id"]) is False
        assert await insert_ignore(uow.session, named, {"id": "i2", "name": "甲", "low": "c"}, key=["name"]) is False
        assert await insert_ignore(uow.session, named, {"id": "i3", "name": "丙", "low": None}, key=["name"]) is True
        await uow.commit()
    assert reads == []
    assert await _entries(sessions, "named") == [
        {"action": "create", "resource_id": "i1", "changes": {"id": [None, "i1"], "name": [None, "甲"],
                                                              "low": [None, "a"]}},
        {"action": "create", "resource_id": "i3", "changes": {"id": [None, "i3"], "name": [None, "丙"]}}]
    async with sessions() as s:
        assert (await s.execute(select(named.c.id, named.c.name, named.c.low).order_by(named.c.id))).all() == [
            ("i1", "甲", "a"), ("i3", "丙", None)]
        assert (await audit.verify_chain(s, spine.audit))["ok"]


async def test_a_column_with_a_server_default_given_by_the_insert_is_not_read_back(db):
    from sqlalchemy import insert

    engine, sessions = db
    reads = _count_selects(engine, "served")
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        await uow.session.execute(insert(served), {"key": "g1", "n": 9})
        await uow.session.execute(insert(served).values(key="g2"))  # left to the default: read back
        await uow.commit()
    assert len(reads) == 1
    assert [e["changes"] for e in await _entries(sessions, "served")] == [
        {"key": [None, "g1"], "n": [None, 9]}, {"key": [None, "g2"], "n": [None, 5]}]


async def test_an_insert_ignore_with_a_generated_key_is_recorded_under_the_key_it_returned(db):
    from fc_shared.db import insert_ignore_key

    engine, sessions = db
    reads = _count_selects(engine, "tagged")
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        first = await insert_ignore_key(uow.session, tagged, {"name": "甲"}, key=["name"])
        again = await insert_ignore_key(uow.session, tagged, {"name": "甲", "n": 9}, key=["name"])
        await uow.commit()
    assert reads == [] and again is None and isinstance(first[0], int)
    assert await _entries(sessions, "tagged") == [
        {"action": "create", "resource_id": str(first[0]),
         "changes": {"id": [None, first[0]], "name": [None, "甲"], "n": [None, 3]}}]


async def test_an_insert_ignore_leaving_a_server_default_reads_back_only_that_row(db):
    from fc_shared.db import insert_ignore

    engine, sessions = db
    reads = _count_selects(engine, "served")
    async with UnitOfWork(sessions, spine, "t") as uow:
        uow.act_as(ACTOR)
        assert await insert_ignore(uow.session, served, {"key": "d1"}, key=["key"]) is True  # n left to the default
        assert await insert_ignore(uow.session, served, {"key": "d2", "n": 8}, key=["key"]) is True
        assert await insert_ignore(uow.session, served, {"key": "d1", "n": 1}, key=["key"]) is False
        await uow.commit()
    assert len(reads) == 1
    assert [e["changes"] for e in await _entries(sessions, "served")] == [
        {"key": [None, "d1"], "n": [None, 5]}, {"key": [None, "d2"], "n": [None, 8]}]
