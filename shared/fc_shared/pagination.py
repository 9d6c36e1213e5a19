"""Cursor pagination for every list endpoint (``limit``, ``cursor``)."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

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


def _page_params(limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None) -> PageParams:
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(_page_params)]


def page_of(rows: list[Any], params: PageParams, key) -> tuple[list[Any], str | None]:
    """``rows`` were fetched with ``limit + 1``; return the page and the next cursor."""
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
