"""Webhook endpoints cannot reach inside (SSRF): refused at subscription (422) and checked again at
every delivery, connecting to the address that was checked.

Names come from a stubbed resolver; the only server is the loopback receiver, so no test here
opens a connection to anything outside loopback.
"""
from fc_notify.adapters.tables import subscriptions
from fc_shared.netpolicy import StaticResolver
from fc_devtools.testing import app_client, async_wait_until, auth

from .conftest import inject, project_event, rows

OFFICE = auth("district_office")
PRODUCTION = {"webhook_allowed_networks": []}  # what FC_ENV=production gets by default


class ScriptedResolver(StaticResolver):
    """Answers per name in turn (the last answer repeats): DNS that changes between check and connect."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        super().__init__()
        self.answers = answers
        self.asked: list[str] = []

    async def resolve(self, host, port):
        self.asked.append(host)
        script = self.answers.get(host)
        if not script:
            return []
        return script.pop(0) if len(script) > 1 else script[0]


INSIDE = {
    "loopback": "http://127.0.0.1:9/hook",
    "loopback-v6": "http://[::1]:9/hook",
    "private": "https://10.20.30.40/hook",
    "private-v6": "https://[fd12::7]/hook",
    "link-local": "http://169.254.10.10/hook",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "metadata-v6": "http://[fd00:ec2::254]/latest/meta-data/",
    "multicast": "http://239.1.2.3/hook",
    "unspecified": "http://0.0.0.0:8080/hook",
    "ipv4-mapped": "http://[::ffff:127.0.0.1]:8080/hook",
    "name-to-loopback": "https://internal.partner.example/hook",
    "name-to-private": "https://intranet.partner.example/hook",
    "unresolvable": "https://nowhere.partner.example/hook",
}


async def test_inside_endpoints_are_refused_at_subscription_with_a_422_problem(make_app):
    resolver = ScriptedResolver({"internal.partner.example": [["127.0.0.1"]],
                                 "intranet.partner.example": [["8.8.8.8", "192.168.0.9"]],
                                 "hooks.partner.example": [["8.8.8.8"]]})
    app = make_app(resolver=resolver, **PRODUCTION)
    async with app_client(app) as client:
        for name, url in INSIDE.items():
            r = await client.post("/api/v1/subscriptions", headers=OFFICE, json={"url": url})
            assert r.status_code == 422, (name, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["type"].endswith("/webhook-target-refused"), (name, r.json())
        assert await rows(app, subscriptions) == []  # nothing was stored
        ok = await client.post("/api/v1/subscriptions", headers=OFFICE, json={"url": "https://hooks.partner.example/in"})
        assert ok.status_code == 201, ok.text


async def test_development_allows_loopback_and_keeps_refusing_private_and_metadata(make_app, receiver):
    app = make_app()  # FC_ENV=development: the allow-list defaults to loopback
    async with app_client(app) as client:
        assert (await client.post("/api/v1/subscriptions", headers=OFFICE,
                                  json={"url": receiver.url("/dev")})).status_code == 201
        for url in (INSIDE["private"], INSIDE["metadata"], INSIDE["ipv4-mapped"]):
            assert (await client.post("/api/v1/subscriptions", headers=OFFICE, json={"url": url})).status_code == 422


async def test_every_delivery_checks_again_so_dns_rebinding_reaches_nothing(make_app, receiver):
    # Public when subscribing, loopback (the receiver's own address) when delivering.
    resolver = ScriptedResolver({"rebind.partner.example": [["8.8.8.8"], ["127.0.0.1"]]})
    app = make_app(resolver=resolver, retry_schedule_s=[0, 0.1], **PRODUCTION)
    async with app_client(app) as client:
        sub = (await client.post("/api/v1/subscriptions", headers=OFFICE,
                                 json={"url": f"http://rebind.partner.example:{receiver.port}/hook"})).json()
        assert await inject(app, project_event("fc.project.created"))

        async def given_up():
            items = (await client.get("/api/v1/deliveries", headers=OFFICE,
                                      params={"subscription_id": sub["id"]})).json()["items"]
            if items and items[0]["status"] == "failed":
                return (await client.get(f"/api/v1/deliveries/{items[0]['id']}", headers=OFFICE)).json()
        detail = await async_wait_until(given_up, 30, message="the rebound delivery given up")
    assert len(detail["attempt_log"]) == 2
    for attempt in detail["attempt_log"]:
        assert attempt["status_code"] is None
        assert "resolves to 127.0.0.1, a loopback address" in attempt["error"]
    assert receiver.received(ok_only=False) == []  # no connection reached the address DNS pointed at
    assert resolver.asked.count("rebind.partner.example") == 3  # subscription + each attempt


async def test_a_delivery_connects_to_the_checked_address_and_keeps_the_host(make_app, receiver):
    resolver = ScriptedResolver({"partner.example": [["127.0.0.1"]]})
    app = make_app(resolver=resolver)  # loopback allowed (development)
    async with app_client(app) as client:
        await client.post("/api/v1/subscriptions", headers=OFFICE,
                          json={"url": f"http://partner.example:{receiver.port}/pinned"})
        assert await inject(app, project_event("fc.project.created"))
        [got] = await async_wait_until(lambda: receiver.received("/pinned"), 30, message="the pinned delivery")
    assert got["headers"]["host"] == f"partner.example:{receiver.port}"
