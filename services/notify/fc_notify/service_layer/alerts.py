"""Alert inbox (站内提醒) and the e-mail queue that mirrors it."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row

from fc_shared.auth import Principal
from fc_shared.db import insert_ignore_key, upsert
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import alerts, email_recipients, emails
from ..domain.alerts import alerts_for, recipient_of
from ..domain.email import body_for, subject_for


async def raise_alerts(uow: UnitOfWork, event_id: str, event_type: str, data: dict[str, Any], *,
                       today: date, email_enabled: bool) -> list[int]:
    """One alert per (event, recipient): a redelivered event or a second call adds nothing (the unique
    (event, recipient) key skips it, without a read of the alerts already raised)."""
    specs = alerts_for(event_type, data, today)
    if not specs:
        return []
    now = utcnow()
    created: list[int] = []
    for spec in specs:
        key = await insert_ignore_key(uow.session, alerts, dict(
            recipient=spec.recipient, event_id=event_id, event_type=event_type, type=spec.type,
            street_code=spec.street_code, project_id=spec.project_id, days_left=spec.days_left, title=spec.title,
            message=spec.message, read=False, created_at=now), key=["event_id", "recipient"])
        if key is None:
            continue
        alert_id = int(key[0])
        created.append(alert_id)
        if email_enabled:
            await _queue_emails(uow, alert_id, spec.recipient, subject_for(spec.title),
                                body_for(spec.title, spec.message, spec.project_id, spec.days_left))
    return created


async def _queue_emails(uow: UnitOfWork, alert_id: int, recipient: str, subject: str, body: str) -> None:
    addresses = (await uow.session.execute(
        select(email_recipients.c.addresses).where(email_recipients.c.recipient == recipient))).scalar_one_or_none()
    if not addresses:
        return
    now = utcnow()
    await uow.session.execute(insert(emails), [
        {"alert_id": alert_id, "to_address": a, "subject": subject, "body": body, "status": "pending",
         "attempts": 0, "next_attempt_at": now, "created_at": now} for a in dict.fromkeys(addresses)])


def inbox_filter(principal: Principal):
    """A street reads only its own inbox, the office and finance their role's, an auditor every inbox."""
    if principal.role == "auditor":
        return None
    recipient = recipient_of(principal.role, principal.street_code)
    if recipient is None:
        raise Problem(403, "Forbidden", f"role {principal.role} has no alert inbox", type_="forbidden-role")
    return alerts.c.recipient == recipient


async def mark_read(uow: UnitOfWork, principal: Principal, alert_id: int) -> Row:
    where = inbox_filter(principal)
    query = select(alerts).where(alerts.c.id == alert_id)
    row = (await uow.session.execute(query.where(where) if where is not None else query)).first()
    if row is None:
        raise Problem(404, "Not Found", f"no alert {alert_id} in your inbox", type_="alert-not-found")
    if not row.read:
        await uow.session.execute(update(alerts).where(alerts.c.id == alert_id).values(read=True, read_at=utcnow()))
    return (await uow.session.execute(select(alerts).where(alerts.c.id == alert_id))).one()


async def set_recipients(uow: UnitOfWork, principal: Principal, recipient: str, addresses: list[str]) -> Row:
    """The office sets the e-mail addresses an inbox's alerts also go to (empty: none)."""
    now = utcnow()
    await upsert(uow.session, email_recipients, {"recipient": recipient},
                 {"addresses": list(dict.fromkeys(addresses)), "updated_at": now, "updated_by": principal.key})
    return (await uow.session.execute(
        select(email_recipients).where(email_recipients.c.recipient == recipient))).one()
