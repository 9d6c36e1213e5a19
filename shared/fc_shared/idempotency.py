"""``Idempotency-Key`` for writes that create money or external effects.

Same key and body → the first response again; same key, other body → 422; the first
request still running → 409. The stored response commits in the same transaction as
the effect, so a crash cannot leave an effect without its record.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .auth import Principal
from .errors import Problem
from .uow import UnitOfWork, utcnow

IN_FLIGHT_STALE = timedelta(seconds=60)
Effect = Callable[[UnitOfWork], Awaitable[tuple[int, Any]]]
# The header as the schema states it, so a generated client knows the bounds run_idempotent keeps.
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              description="repeat the same request safely: same key, same answer")]


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


async def run_idempotent(request: Request, principal: Principal, key: str | None, body: Any,
                         new_uow: Callable[[], UnitOfWork], effect: Effect) -> JSONResponse:
    """Run ``effect(uow)`` once per ``(principal, key)``; it must not commit (this does)."""
    if key is None:
        async with new_uow() as uow:
            status, result = await effect(uow)
            await uow.commit()
        return JSONResponse(jsonable_encoder(result), status_code=status)
    if not 1 <= len(key) <= 200:
        raise Problem(400, "Bad Idempotency-Key", "Idempotency-Key must be 1 to 200 characters", type_="idempotency-key")

    digest = request_hash(request.method, request.url.path, body)
    async with new_uow() as uow:
        table = uow.spine.idempotency
        row = (await uow.session.execute(
            select(table).where(table.c.principal == principal.key, table.c.key == key))).first()
        if row is None:
            try:
                await uow.session.execute(insert(table), dict(
                    principal=principal.key, key=key, request_hash=digest, state="in_flight", created_at=utcnow()))
                await uow.commit()
            except IntegrityError:
                raise Problem(409, "Request in progress", "a request with this Idempotency-Key is in progress",
                              type_="idempotency-in-flight") from None
        else:
            if row.request_hash != digest:
                raise Problem(422, "Idempotency-Key reused", "this Idempotency-Key was used with another request",
                              type_="idempotency-mismatch")
            if row.state == "done":
                return JSONResponse(row.response, status_code=row.status_code, headers={"Idempotent-Replayed": "true"})
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=utcnow().tzinfo)
            if utcnow() - created < IN_FLIGHT_STALE:
                raise Problem(409, "Request in progress", "a request with this Idempotency-Key is in progress",
                              type_="idempotency-in-flight")
            # A stale in-flight marker: its request died before committing anything, so run again.

    try:
        async with new_uow() as uow:
            table = uow.spine.idempotency
            status, result = await effect(uow)
            payload = jsonable_encoder(result)
            await uow.session.execute(update(table).where(table.c.principal == principal.key, table.c.key == key)
                                      .values(state="done", status_code=status, response=payload))
            await uow.commit()
    except BaseException:
        async with new_uow() as uow:
            table = uow.spine.idempotency
            await uow.session.execute(delete(table).where(
                table.c.principal == principal.key, table.c.key == key, table.c.state == "in_flight"))
            await uow.commit()
        raise
    return JSONResponse(payload, status_code=status)
