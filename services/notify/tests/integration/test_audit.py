"""Notify's audit log: secrets and e-mail addresses never show, handler writes carry the event id as actor."""
import io
import json

from openpyxl import load_workbook

from fc_devtools.testing import app_client, auth

from fc_notify.adapters.tables import alerts

from .conftest import inject, project_event, rows

OFFICE = auth("district_office", sub="office-wang")
AUDITOR = auth("auditor")


async def _log(client, **params):
    r = await client.get("/api/v1/audit", params={"limit": 500, **params}, headers=AUDITOR)
    assert r.status_code == 200, r.text
    return r


async def test_masked_fields_never_show_their_value(make_app):
    app = make_app()
    async with app_client(app) as client:
        created = (await client.post("/api/v1/subscriptions", headers=OFFICE, json={
            "url": "https://province.example/hook", "event_types": ["fc.subsidy.approved"],
            "description": "省平台"})).json()
        rotated = (await client.post(f"/api/v1/subscriptions/{created['id']}/rotate", headers=OFFICE)).json()
        address = "wang.secret-person@district.example"
        r = await client.put("/api/v1/email-recipients", headers=OFFICE,
                             json={"role": "finance", "addresses": [address]})
        assert r.status_code == 200, r.text
        secrets = [created["secret"], rotated["secret"]]
        assert all(s.startswith("whsec_") for s in secrets)

        body = (await _log(client)).text
        for value in (*secrets, address):
            assert value not in body
        entries = (await _log(client, resource="subscriptions", resource_id=created["id"])).json()["items"]
        create = next(e for e in entries if e["action"] == "create")
        assert create["changes"]["secret"] == [None, "***"]
        assert create["changes"]["description"] == [None, "省平台"]  # the rest stays readable
        rotate = next(e for e in entries if e["action"] == "update")
        assert rotate["changes"]["secret"] == ["***", "***"] and rotate["changes"]["previous_secret"] == [None, "***"]
        recipients = (await _log(client, resource="email_recipients")).json()["items"]
        assert recipients[0]["changes"]["addresses"] == [None, "***"]
        sheet = (await client.get("/api/v1/audit.xlsx", headers=AUDITOR)).content
        cells = json.dumps([list(r) for r in load_workbook(io.BytesIO(sheet)).active.values], default=str,
                           ensure_ascii=False)
        assert "secret" in cells and not any(value in cells for value in (*secrets, address))


async def test_event_handler_writes_carry_the_event_id_as_actor(make_app):
    app = make_app()
    async with app_client(app) as client:
        event = project_event("fc.deadline.breached", "S02", project_id="p-b", kind="creation", due_on="2026-01-01")
        assert await inject(app, event)
        entries = (await _log(client, actor=event.id)).json()["items"]
        assert entries and {e["resource"] for e in entries} >= {"alerts"}
        # each alert is recorded under the id it was given (read off the insert, not read back)
        alert_ids = {str(r.id) for r in await rows(app, alerts, alerts.c.event_id == event.id)}
        assert alert_ids and {e["resource_id"] for e in entries if e["resource"] == "alerts"} == alert_ids
        assert all((e["role"], e["scope"], e["route"], e["request_id"]) ==
                   ("event", "/registry", "fc.deadline.breached", None) for e in entries)
        verdict = (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()
        assert verdict["ok"] and verdict["entries"] == len(entries)
