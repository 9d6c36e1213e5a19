"""The alert e-mail queue: claim what is due, send it, record the outcome on the e-mail schedule."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select, update

from fc_shared.uow import utcnow

from ..adapters.metrics import ALERT_EMAILS
from ..adapters.smtp import SEND_ERRORS, smtp_send
from ..adapters.tables import emails
from ..domain.delivery import retry_delay
from ..settings import NotifySettings

log = logging.getLogger(__name__)


async def send_due_emails(sessions, settings: NotifySettings, batch: int = 20) -> int:
    """Send queued alert e-mails that are due; failures are logged and retried on the e-mail schedule."""
    now = utcnow()
    lease = timedelta(seconds=settings.smtp_timeout_s * 3 + 5)
    async with sessions() as session, session.begin():
        due = (await session.execute(
            select(emails).where(emails.c.status == "pending", emails.c.next_attempt_at <= now,
                                 (emails.c.claimed_until.is_(None)) | (emails.c.claimed_until < now))
            .order_by(emails.c.id).limit(batch).with_for_update(skip_locked=True))).all()
        if due:
            await session.execute(update(emails).where(emails.c.id.in_([e.id for e in due]))
                                  .values(claimed_until=now + lease))
    for mail in due:
        error: str | None = None
        try:
            await asyncio.to_thread(smtp_send, settings, mail.to_address, mail.subject, mail.body, mail.alert_id)
        except SEND_ERRORS as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        attempts = mail.attempts + 1
        done = utcnow()
        ALERT_EMAILS.labels("sent" if error is None else "failed").inc()
        values: dict = {"attempts": attempts, "claimed_until": None, "last_error": error}
        if error is None:
            values.update(status="sent", sent_at=done, next_attempt_at=None)
        else:
            delay = retry_delay(settings.email_retry_schedule_s, attempts)
            values.update(status="failed" if delay is None else "pending",
                          next_attempt_at=None if delay is None else done + timedelta(seconds=delay))
            log.warning("alert e-mail failed", extra={"email_id": mail.id, "attempt": attempts, "error": error,
                                                      "gave_up": delay is None})
        async with sessions() as session, session.begin():
            await session.execute(update(emails).where(emails.c.id == mail.id).values(**values))
    return len(due)
