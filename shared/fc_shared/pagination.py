"""Cursor pagination for every list endpoint (``limit``, ``cursor``)."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select

from .errors import Problem

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "Bad cursor", "the cursor is not one this API issued", type_="bad-cursor") from exc


@dataclass(frozen=True)
class PageParams:
    limit: int
    after: Any


async def _page_params(limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None) -> PageParams:
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(_page_params)]


def cursor_value(after: Any, column) -> Any:
    """The cursor's value as a value of ``column``; a cursor of another type is one this API did not issue."""
    python_type = column.type.python_type
    if isinstance(after, bool) or not isinstance(after, python_type):
        raise Problem(400, "Bad cursor", "the cursor is not one this API issued", type_="bad-cursor")
    return after


def keyset(query: Select, column, params: PageParams, *, descending: bool = False, limit: bool = True) -> Select:
    """Keyset pagination on a unique ``column``: order by it, continue after the cursor, fetch one row more than a page.

    ``limit=False`` leaves the row count to the caller (for a filter that can only run in Python).
    """
    if params.after is not None:
        after = cursor_value(params.after, column)
        query = query.where(column < after if descending else column > after)
    query = query.order_by(column.desc() if descending else column)
    return query.limit(params.limit + 1) if limit else query


async def fetch_page(session, query: Select, column, params: PageParams, *,
                     descending: bool = False) -> tuple[list[Any], str | None]:
    """Run ``query`` as one keyset page on ``column``: the rows and the next cursor."""
    rows = (await session.execute(keyset(query, column, params, descending=descending))).all()
    return page_of(rows, params, key=lambda r: r._mapping[column])


def page_in_memory(rows: list[Any], params: PageParams, key) -> tuple[list[Any], str | None]:
    """Keyset pagination over rows already in memory and sorted by ``key`` (a value or a list of values)."""
    if params.after is not None:
        try:
            rows = [r for r in rows if key(r) > params.after]
        except TypeError:
            raise Problem(400, "Bad cursor", "the cursor is not one this API issued", type_="bad-cursor") from None
    return page_of(rows[: params.limit + 1], params, key)


def page_of(rows: list[Any], params: PageParams, key) -> tuple[list[Any], str | None]:
    """``rows`` were fetched with ``limit + 1``; return the page and the next cursor."""
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None


def filtered(query: Select, equal: dict | None = None, between: tuple = ()) -> Select:
    """The filters a list endpoint was given: ``equal`` maps columns to values (``column == value``),
    ``between`` holds ``(column, low, high)`` bounds; a value left out (None or "") filters nothing."""
    for column, value in (equal or {}).items():
        if value is not None and value != "":
            query = query.where(column == value)
    for column, low, high in between:
        if low is not None:
            query = query.where(column >= low)
        if high is not None:
            query = query.where(column <= high)
    return query
