"""The audit log's pure parts: which changes are recorded, what is masked, how the hash binds an entry."""
from datetime import UTC, date, datetime

from fc_shared.audit import MASK, changes_between, entry_hash, is_masked


def test_only_changed_fields_with_old_and_new_values():
    before = {"name": "旧", "population": 8000, "on": date(2026, 1, 1), "same": 1}
    after = {"name": "新", "population": 8000, "on": date(2026, 2, 1), "same": 1}
    assert changes_between(before, after) == {"name": ["旧", "新"], "on": ["2026-01-01", "2026-02-01"]}
    assert changes_between(None, {"a": 1, "b": None}) == {"a": [None, 1]}
    assert changes_between({"a": 1}, None) == {"a": [1, None]}


def test_secrets_and_personal_data_are_masked_even_nested():
    for field in ("secret", "previous_secret", "access_token", "contact_phone", "mobile", "email", "to_address",
                  "addresses", "password"):
        assert is_masked(field), field
    for field in ("address", "previous_secret_until", "name", "street_code"):
        assert not is_masked(field), field
    got = changes_between({"secret": "whsec_a", "note": "x", "contact": {"phone": "13800000000", "name": "王"}},
                          {"secret": "whsec_b", "note": "whsec_leak", "contact": {"phone": "13900000000", "name": "王"}})
    assert got["secret"] == [MASK, MASK] and got["note"] == ["x", MASK]
    assert got["contact"] == [{"phone": MASK, "name": "王"}, {"phone": MASK, "name": "王"}]
    assert "1380" not in repr(got) and "whsec" not in repr(got)


def test_the_hash_covers_content_and_the_previous_hash():
    entry = {"at": datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=UTC), "actor": "u", "role": "street", "scope": "S01",
             "request_id": "r", "route": "PATCH /x", "action": "update", "resource": "communities",
             "resource_id": "c1", "changes": '{"name":["a","b"]}', "prev_hash": None}
    h = entry_hash(entry)
    assert h == entry_hash(dict(entry)) and len(h) == 64
    for field, value in (("actor", "v"), ("changes", '{"name":["a","c"]}'), ("prev_hash", "0" * 64),
                         ("at", datetime(2026, 12, 1, 8, 0, 0, 123457, tzinfo=UTC))):
        assert entry_hash({**entry, field: value}) != h, field


def test_insert_values_read_off_the_statement_match_its_compiled_parameters():
    from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert
    from sqlalchemy.dialects import postgresql, sqlite

    from fc_shared.audit import _statement_values

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String),
                  Column("n", Integer, default=5), Column("made", String, default=lambda: "x"),
                  Column("kept", String, server_default="q"))
    statements = [insert(table).values(id=3, name="甲"), insert(table).values({table.c.name: "乙", table.c.n: 7}),
                  sqlite.insert(table).values(id=4, name=None).on_conflict_do_nothing(),
                  postgresql.insert(table).values(id=5, kept="k").on_conflict_do_nothing(index_elements=["id"])]
    for statement in statements:
        dialect = postgresql.dialect() if "postgresql" in type(statement).__module__ else sqlite.dialect()
        compiled = dict(statement.compile(dialect=dialect).params)
        assert _statement_values(statement, table) == compiled, statement
    # Anything but plain values: the caller compiles instead.
    assert _statement_values(insert(table).values(name=func.upper("a")), table) is None
    assert _statement_values(insert(table).values([{"id": 1}, {"id": 2}]), table) is None
