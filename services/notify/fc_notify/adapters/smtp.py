"""Outbound e-mail over SMTP (blocking: callers run it in a thread)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

SEND_ERRORS = (OSError, smtplib.SMTPException)


def smtp_send(settings, to: str, subject: str, body: str, alert_id: int) -> None:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    msg["X-FC-Alert-Id"] = str(alert_id)
    msg.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username,
                       settings.smtp_password.get_secret_value() if settings.smtp_password else "")
        smtp.send_message(msg)
