"""How notify treats the endpoint's answer: redirects, Retry-After, big bodies; and two replicas on one database."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from fc_notify.adapters.webhook_http import send_webhook
from fc_notify.service_layer.deliveries import Claim
from fc_notify.settings import NotifySettings
from fc_devtools.testing import app_client, async_wait_until, auth

from .conftest import inject, project_event

OFFICE = auth("district_office")


async def _subscribe(client, url):
    r = await client.post("/api/v1/subscriptions", headers=OFFICE, json={"url": url})
    assert r.status_code == 201, r.text
    return r.json()


async def _attempts(client, subscription_id):
    [d] = (await client.get("/api/v1/deliveries", headers=OFFICE, params={"subscription_id": subscription_id})).json()["items"]
    return (await client.get(f"/api/v1/deliveries/{d['id']}", headers=OFFICE)).json()


async def test_redirects_are_not_followed_and_retry_after_is_honoured(make_app, receiver):
    receiver.plan["/moved"] = lambda h, b: (302, {"Location": receiver.url("/target")})
    answers = iter([(503, {"Retry-After": "2"})])
    receiver.plan["/busy"] = lambda h, b: next(answers, (200, {}))
    app = make_app(retry_schedule_s=[0, 0.1, 0.1])
    async with app_client(app) as client:
        moved = await _subscribe(client, receiver.url("/moved"))
        busy = await _subscribe(client, receiver.url("/busy"))
        assert await inject(app, project_event("fc.project.created"))
        await async_wait_until(lambda: receiver.received("/busy"), 60, message="the busy endpoint's second try")
        first, second = receiver.received("/busy", ok_only=False)
        assert second["at"] - first["at"] >= 1.9  # Retry-After: 2 beat the 0.1 s schedule

        async def given_up():
            detail = await _attempts(client, moved["id"])
            return detail["status"] == "failed" and detail
        detail = await async_wait_until(given_up, 60, message="redirecting endpoint given up")
        assert [a["status_code"] for a in detail["attempt_log"]] == [302, 302, 302]
        assert receiver.received("/target", ok_only=False) == []
        assert (await _attempts(client, busy["id"]))["status"] == "delivered"


class _BigBody(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b"x" * 200_000
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


async def test_a_huge_response_is_read_only_up_to_the_excerpt_cap():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BigBody)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = NotifySettings(database_url="sqlite+aiosqlite://", response_excerpt_bytes=4096)
        claim = Claim(delivery_id=1, subscription_id="s", event_id="evt-1",
                      url=f"http://127.0.0.1:{server.server_address[1]}/big",
                      secrets=("whsec_" + "A" * 44,), body=b"{}")
        async with httpx.AsyncClient(follow_redirects=False) as client:
            result = await send_webhook(client, claim, settings)
        assert result.status_code == 200 and result.error is None
        assert result.excerpt == "x" * 4096
    finally:
        server.shutdown()
        server.server_close()


async def test_two_replicas_on_one_database_send_each_delivery_once(make_app, receiver):
    first, second = make_app(), make_app()
    async with app_client(first) as client, app_client(second):
        await _subscribe(client, receiver.url("/replicas"))
        events = [project_event("fc.project.created", project_id=f"p-{i}") for i in range(30)]
        for e in events:
            assert await inject(first, e)
        async def all_recorded():
            page = await client.get("/api/v1/deliveries", headers=OFFICE, params={"status": "delivered", "limit": 100})
            return len(page.json()["items"]) == 30
        # Once every delivery is recorded as delivered nothing is pending, so no later send can happen.
        await async_wait_until(all_recorded, 60, message="all thirty recorded as delivered")
        ids = [r["headers"]["webhook-id"] for r in receiver.received("/replicas", ok_only=False)]
        assert sorted(ids) == sorted(e.id for e in events)
