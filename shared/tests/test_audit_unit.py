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
