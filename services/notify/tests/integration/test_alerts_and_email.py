"""Alert inbox scoping and alert e-mail through a real local SMTP server."""
from email import message_from_bytes
from email.header import decode_header, make_header

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from fc_notify.adapters.tables import alerts
from fc_notify.service_layer.alerts import raise_alerts
from fc_devtools.broker import free_port
from fc_devtools.testing import app_client, async_wait_until, auth

from .conftest import inject, project_event

OFFICE = auth("district_office")
FINANCE = auth("finance")
AUDITOR = auth("auditor")
S01 = auth("street", street_code="S01")
S02 = auth("street", street_code="S02")


async def inbox(client, headers, **params):
    r = await client.get("/api/v1/alerts", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_alerts_reach_the_right_inboxes_and_a_street_sees_only_its_own(make_app):
    app = make_app()
    async with app_client(app) as client:
        near = project_event("fc.deadline.approaching", "S01", project_id="p-a", kind="creation",
                             due_on="2027-01-01", days_left=7, threshold_days=7)
        breached = project_event("fc.deadline.breached", "S02", project_id="p-b", kind="creation", due_on="2026-01-01")
        paid = project_event("fc.subsidy.disbursed", "S01", project_id="p-a", entry_id=1, kind="disbursement",
                             amount_fen=950_000_000, rules=["F1", "F6", "F7"], year=2026)
        over = project_event("fc.budget.exceeded", "S01", project_id="p-a", year=2026, budget_fen=1, committed_fen=2)
        quiet = project_event("fc.project.created", "S01")
        for e in (near, breached, paid, over, quiet):
            assert await inject(app, e)
        assert not await inject(app, near)  # redelivery: the inbox drops it

        s01 = await inbox(client, S01)
        assert {(a["type"], a["project_id"]) for a in s01} == {("deadline_approaching", "p-a"),
                                                                ("subsidy_disbursed", "p-a")}
        assert all(a["street_code"] == "S01" for a in s01)
        assert [a["days_left"] for a in s01 if a["type"] == "deadline_approaching"] == [7]
        assert {a["type"] for a in await inbox(client, S02)} == {"deadline_breached"}
        assert {a["type"] for a in await inbox(client, OFFICE)} == {"deadline_approaching", "deadline_breached"}
        assert {a["type"] for a in await inbox(client, FINANCE)} == {"subsidy_disbursed", "budget_exceeded"}
        assert len(await inbox(client, AUDITOR)) == 7
        assert len(await inbox(client, AUDITOR, street_code="S02")) == 2
        assert await inbox(client, AUDITOR, since="2999-01-01T00:00:00Z") == []
        page = await client.get("/api/v1/alerts", headers=AUDITOR, params={"limit": 4})
        rest = await client.get("/api/v1/alerts", headers=AUDITOR, params={"cursor": page.json()["next_cursor"]})
        assert len(page.json()["items"]) == 4 and len(rest.json()["items"]) == 3 and rest.json()["next_cursor"] is None
        assert (await client.get("/api/v1/alerts", headers=auth("department", department_code="housing"))).status_code == 403
        assert (await client.get("/api/v1/alerts")).status_code == 401

        # Each alert once per recipient, even if the handler's work runs again for the same event.
        async with app.state.runtime.uow() as uow:
            assert await raise_alerts(uow, near.id, near.type, near.data, today=near_today(), email_enabled=False) == []
            await uow.commit()
        async with app.state.runtime.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(alerts)
                                          .where(alerts.c.event_id == near.id))).scalar_one() == 2

        [mine] = [a for a in s01 if a["type"] == "deadline_approaching"]
        [theirs] = await inbox(client, S02)
        assert (await client.post(f"/api/v1/alerts/{theirs['id']}/read", headers=S01)).status_code == 404
        assert (await client.post(f"/api/v1/alerts/{mine['id']}/read", headers=AUDITOR)).status_code == 403
        r = await client.post(f"/api/v1/alerts/{mine['id']}/read", headers=S01)
        assert r.status_code == 200 and r.json()["read"] is True
        assert [a["id"] for a in await inbox(client, S01, read="false")] != [] and \
            mine["id"] not in [a["id"] for a in await inbox(client, S01, read="false")]
        # The office's copy of the same event is its own and still unread.
        assert all(not a["read"] for a in await inbox(client, OFFICE))


def near_today():
    from datetime import date
    return date(2026, 12, 25)


class _Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


async def test_alert_email_is_retried_until_the_smtp_server_takes_it(make_app):
    port = free_port()
    app = make_app(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_s=2.0,
                   email_retry_schedule_s=[0] + [0.3] * 200)
    mailbox = _Mailbox()
    controller = None
    async with app_client(app) as client:
        for body in ({"role": "street", "street_code": "S01", "addresses": ["s01@example.org"]},
                     {"role": "district_office", "addresses": ["office@example.org", "office@example.org"]}):
            r = await client.put("/api/v1/email-recipients", headers=OFFICE, json=body)
            assert r.status_code == 200, r.text
        assert (await client.put("/api/v1/email-recipients", headers=S01,
                                 json={"role": "street", "street_code": "S01", "addresses": []})).status_code == 403
        for bad in ({"role": "street", "addresses": ["a@b.org"]},
                    {"role": "finance", "street_code": "S01", "addresses": []},
                    {"role": "finance", "addresses": ["not an address\r\nBcc: x@y.org"]}):
            assert (await client.put("/api/v1/email-recipients", headers=OFFICE, json=bad)).status_code == 422

        event = project_event("fc.summary.overdue", "S01", project_id=None, period="weekly",
                              period_start="2026-11-16", period_end="2026-11-22", due_on="2026-11-24")
        assert await inject(app, event)
        # The inbox has the alert while the mail server is still down.
        assert [a["type"] for a in await inbox(client, S01)] == ["summary_overdue"]

        async def failed_attempts():
            items = (await client.get("/api/v1/emails", headers=OFFICE)).json()["items"]
            return len(items) == 2 and all(i["attempts"] >= 1 and i["last_error"] for i in items) and items
        logged = await async_wait_until(failed_attempts, 60, message="failed e-mail attempts logged")
        assert {i["status"] for i in logged} == {"pending"}

        try:
            controller = Controller(mailbox, hostname="127.0.0.1", port=port)
            controller.start()
            await async_wait_until(lambda: len(mailbox.messages) == 2, 60, message="both e-mails at the SMTP server")
        finally:
            if controller is not None:
                controller.stop()
        to = sorted(rcpts[0] for rcpts, _ in mailbox.messages)
        assert to == ["office@example.org", "s01@example.org"]
        alert_ids = {a["id"] for a in await inbox(client, AUDITOR)}
        for _, msg in mailbox.messages:
            assert "工作总结逾期" in str(make_header(decode_header(msg["Subject"])))
            assert int(msg["X-FC-Alert-Id"]) in alert_ids
        sent = await async_wait_until(
            lambda: _all_sent(client), 60, message="e-mail log shows both sent")
        assert all(i["sent_at"] for i in sent)


async def _all_sent(client):
    items = (await client.get("/api/v1/emails", headers=OFFICE, params={"status": "sent"})).json()["items"]
    return len(items) == 2 and items
