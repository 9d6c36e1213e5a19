"""Test helpers for the event contract: complete, valid payloads for hand-made events.

``sample(type, **fields)`` returns the ``data`` of an event of ``type``: the fields given, and a plain valid
value for every other *required* field of its model (fc_shared.event_models), so a test names only what it
is about while the event it sends stays on the contract (a consumer dead-letters an off-contract one).
The result is checked by the same ``build`` the producers use: an unknown or mistyped field fails here.
"""
from __future__ import annotations

import types
import typing
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel

from fc_shared.event_models import build, model_for

SAMPLE_DAY = date(2026, 1, 15)


def _value(name: str, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _value(name, args[0])
    if origin in (typing.Union, types.UnionType):
        return _value(name, next(a for a in args if a is not type(None)))
    if origin is typing.Literal:
        return args[0]
    if origin is list:
        return []
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _required(annotation, {})
    if annotation is bool:
        return False
    if annotation is int:
        return 0
    if annotation is float:
        return 0.0
    if annotation is datetime:
        return datetime(SAMPLE_DAY.year, SAMPLE_DAY.month, SAMPLE_DAY.day, tzinfo=UTC)
    if annotation is date:
        return SAMPLE_DAY
    if annotation is str:
        return "2026-01" if name == "month" else f"sample-{name}"
    raise TypeError(f"no sample value for {name}: {annotation!r}")


def _required(model: type[BaseModel], given: dict[str, Any]) -> dict[str, Any]:
    out = dict(given)
    for name, field in model.model_fields.items():
        if name not in out and field.is_required():
            out[name] = _value(name, field.annotation)
    return out


def sample(event_type: str, **fields: Any) -> dict[str, Any]:
    """A valid payload of ``event_type`` with ``fields``; required fields not given get a plain valid value."""
    return build(event_type, _required(model_for(event_type), fields))


async def outbox_contract_violations(db_url: str) -> tuple[dict[str, int], list[str]]:
    """Every event in a service database's outbox checked against the contract as a producer's emit checks it.

    Returns (how many rows of each type, one line per violation)."""
    import json

    from sqlalchemy import text

    from fc_shared.db import make_engine
    from fc_shared.event_models import InvalidPayload
    from fc_shared.events import topic_for

    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT seq, topic, type, payload FROM outbox ORDER BY seq"))).all()
    finally:
        await engine.dispose()
    seen: dict[str, int] = {}
    problems: list[str] = []
    for row in rows:
        seen[row.type] = seen.get(row.type, 0) + 1
        body = json.loads(row.payload)
        try:
            if body.get("type") != row.type or row.topic != topic_for(row.type):
                raise ValueError(f"envelope type {body.get('type')!r} on topic {row.topic!r}")
            build(row.type, body["data"])
        except (InvalidPayload, ValueError, KeyError) as exc:
            problems.append(f"outbox row {row.seq} ({row.type}): {exc}")
    return seen, problems
