import pytest

from fc_shared.errors import Problem
from fc_shared.pagination import PageParams, decode_cursor, encode_cursor, page_of


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(["2026-01-01", 7])) == ["2026-01-01", 7]


def test_foreign_cursor_is_400():
    with pytest.raises(Problem) as info:
        decode_cursor("%%%")
    assert info.value.status == 400


def test_page_of_cuts_and_points_at_the_last_item():
    rows, nxt = page_of([1, 2, 3], PageParams(limit=2, after=None), key=lambda r: r)
    assert rows == [1, 2] and decode_cursor(nxt) == 2
    rows, nxt = page_of([1, 2], PageParams(limit=2, after=None), key=lambda r: r)
    assert nxt is None
