"""Province/city systems: per-integration secrets and results arriving as signed webhooks."""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fc_shared.audit import Actor
from fc_shared.errors import Problem
from fc_shared.params import ProgrammeDate
from fc_shared.strict import NON_BLANK, InputModel
from fc_shared.uow import UnitOfWork, utcnow
from fc_shared.webhooks import SignatureError, new_secret, verify

from ..adapters.tables import integrations, webhook_messages
from . import acceptances as acc


class WebhookResult(InputModel):
    """The body a province/city system signs: which acceptance, and its result.

    Read like every request body (fc_shared.strict: unknown fields refused, no number or boolean as a date) and
    with the fields of ``POST /acceptances/{id}/result`` (entrypoints.schemas.ResultIn): a signature proves who
    sent a body, not that it is well formed."""

    acceptance_id: str = Field(min_length=1, max_length=36)
    passed: bool = Field(strict=True)
    level: Literal["city", "province"]
    decided_on: ProgrammeDate
    reference: str = Field(min_length=1, max_length=200, pattern=NON_BLANK, description="the decision's 文号")


def _parse(body: bytes) -> WebhookResult:
    """The body as a result, refused as the API refuses any other body: 400 if it is no JSON, 422 otherwise."""
    try:
        data = json.loads(body)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise Problem(400, "Malformed JSON", "The request body is not valid JSON.", type_="malformed-json",
                      errors=[{"loc": ["body"], "msg": str(exc), "type": "json_invalid"}]) from None
    try:
        return WebhookResult.model_validate(data)
    except ValidationError as exc:
        raise Problem(422, "Validation failed", "The request did not pass validation.", type_="validation",
                      errors=[{"loc": ["body", *(str(p) for p in e.get("loc", ()))], "msg": str(e.get("msg", "")),
                               "type": str(e.get("type", ""))} for e in exc.errors()]) from None


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, type_="bad-webhook-signature")


async def create(uow: UnitOfWork, scope: str, name: str) -> dict[str, Any]:
    row = {"id": str(uuid.uuid4()), "scope": scope, "name": name, "secret": new_secret(), "created_at": utcnow()}
    await uow.session.execute(integrations.insert().values(**row))
    return row


async def rotate(uow: UnitOfWork, integration_id: str) -> dict[str, Any]:
    """A new secret replaces the old one at once; the old one verifies nothing from now on."""
    secret, now = new_secret(), utcnow()
    done = await uow.session.execute(update(integrations).where(integrations.c.id == integration_id)
                                     .values(secret=secret, rotated_at=now))
    if done.rowcount != 1:
        raise Problem(404, "Not Found", "no such integration", type_="not-found")
    row = (await uow.session.execute(select(integrations).where(integrations.c.id == integration_id))).first()
    return dict(row._mapping)


async def receive(new_uow: Callable[[], UnitOfWork], integration_id: str, headers: dict[str, str],
                  body: bytes) -> tuple[WebhookResult, bool]:
    """Verify (signature, 5-minute timestamp window, unseen id), then record the result; nothing is written on refusal."""
    async with new_uow() as uow:
        row = (await uow.session.execute(select(integrations).where(integrations.c.id == integration_id))).first()
        if row is None:
            raise _unauthorized("unknown integration")
        try:
            webhook_id = verify(row.secret, headers, body)
        except SignatureError as exc:
            raise _unauthorized(f"webhook rejected: {exc}") from None
        uow.act_as(Actor(f"integration:{integration_id}", "integration", row.scope))  # signed, no bearer token
        result = _parse(body)
        try:
            await uow.session.execute(webhook_messages.insert().values(
                integration_id=integration_id, webhook_id=webhook_id, received_at=utcnow()))
        except IntegrityError:
            raise _unauthorized("webhook rejected: this webhook-id was already received (replay)") from None
        applied = await acc.record_result(uow, f"integration:{row.scope}:{integration_id}", row.scope,
                                          result.acceptance_id, result.passed, result.level, result.decided_on,
                                          result.reference)
        await uow.commit()
    return result, applied
