"""Alert routes: the in-app alert inbox, e-mail recipients and the e-mail log."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.pagination import Page, PageDep, fetch_page, filtered
from fc_shared.params import RowId

from ..adapters.tables import alerts, email_recipients, emails
from ..service_layer import alerts as alert_svc
from .deps import InboxOwner, InboxReader, Office, OfficeOrAuditor
from .schemas import AlertOut, EmailOut, EmailRecipientsIn, EmailRecipientsOut, EmailStatus

router = APIRouter(prefix="/api/v1", tags=["notify"])


@router.get("/alerts", response_model=Page[AlertOut])
async def list_alerts(runtime: RuntimeDep, principal: InboxReader, page: PageDep,
                      type: Annotated[str | None, Query(max_length=80)] = None,
                      read: bool | None = None, project_id: str | None = None,
                      street_code: str | None = None, since: AwareDatetime | None = None):
    """The caller's inbox, newest first: a street its own, the office and finance their role's, an auditor all."""
    query = select(alerts)
    where = alert_svc.inbox_filter(principal)
    if where is not None:
        query = query.where(where)
    query = filtered(query, {alerts.c.type: type, alerts.c.read: read, alerts.c.project_id: project_id,
                             alerts.c.street_code: street_code}, [(alerts.c.created_at, since, None)])
    async with runtime.sessions() as session:
        items, cursor = await fetch_page(session, query, alerts.c.id, page, descending=True)
    return Page[AlertOut](items=[AlertOut.of(r) for r in items], next_cursor=cursor)


@router.post("/alerts/{alert_id}/read", response_model=AlertOut)
async def mark_alert_read(alert_id: RowId, runtime: RuntimeDep, principal: InboxOwner):
    """Mark one of the caller's alerts read (another inbox's alert is 404)."""
    async with runtime.uow() as uow:
        row = await alert_svc.mark_read(uow, principal, alert_id)
        await uow.commit()
    return AlertOut.of(row)


@router.put("/email-recipients", response_model=EmailRecipientsOut)
async def set_email_recipients(body: EmailRecipientsIn, runtime: RuntimeDep, principal: Office):
    """The district office sets where an inbox's alerts are also e-mailed."""
    async with runtime.uow() as uow:
        row = await alert_svc.set_recipients(uow, principal, body.recipient, body.addresses)
        await uow.commit()
    return EmailRecipientsOut.of(row)


@router.get("/email-recipients", response_model=Page[EmailRecipientsOut])
async def list_email_recipients(runtime: RuntimeDep, _: OfficeOrAuditor, page: PageDep):
    async with runtime.sessions() as session:
        items, cursor = await fetch_page(session, select(email_recipients), email_recipients.c.recipient, page)
    return Page[EmailRecipientsOut](items=[EmailRecipientsOut.of(r) for r in items], next_cursor=cursor)


@router.get("/emails", response_model=Page[EmailOut])
async def list_emails(runtime: RuntimeDep, _: OfficeOrAuditor, page: PageDep, status: EmailStatus | None = None):
    """The e-mail log: what was queued, sent, or given up, with the last error."""
    query = filtered(select(emails), {emails.c.status: status})
    async with runtime.sessions() as session:
        items, cursor = await fetch_page(session, query, emails.c.id, page, descending=True)
    return Page[EmailOut](items=[EmailOut.of(r) for r in items], next_cursor=cursor)
