"""Duplicate delivery: every topic replayed from the beginning into every consumer leaves the
state of every service unchanged (read through the APIs before and after)."""
from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from fc_devtools.testing import TEST_SECRET, auth, wait_until
from tools.flows import WAN, Driver, expenditure

pytestmark = pytest.mark.e2e
SERVICES = ("registry", "funding", "inspection", "notify")


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def snapshot(driver: Driver, projects: list[str], acceptances: list[str]) -> dict:
    get = lambda svc, path, role="auditor": driver.call("GET", svc, path, role).json()  # noqa: E731
    return {
        "registry": [get("registry", f"/api/v1/projects/{p}") for p in projects]
        + [get("registry", f"/api/v1/projects/{p}/history") for p in projects],
        "funding": [get("funding", f"/api/v1/projects/{p}/funding") for p in projects],
        "inspection": [get("inspection", f"/api/v1/acceptances/{a}") for a in acceptances],
        "notify": sorted((d["event_id"], d["status"]) for d in
                         get("notify", "/api/v1/deliveries?limit=500")["items"]),
        "alerts": sorted(a["id"] for a in get("notify", "/api/v1/alerts?limit=500", "district_office")["items"]),
    }


def test_replaying_every_topic_changes_nothing(platform, receiver):
    d = Driver({s: platform.url(s) for s in SERVICES}, TEST_SECRET)
    d.subscribe(receiver.url(f"/replay-{uuid.uuid4().hex[:6]}"), ["fc.acceptance.passed", "fc.subsidy.approved"])
    codes = d.standard_indicators()
    projects, acceptances = [], []
    for i in range(6):
        street = d.street()
        p = d.project([d.community(street)], created_on=date(2025, 1, 1))
        d.approve(p["id"], street, date(2025, 2, 1))
        d.evaluate_all_met(p["id"], street, codes)
        a = d.apply_acceptance(p["id"], street, "city", expenditure((700 + 100 * i) * WAN))
        d.review_all(a)
        d.post_result(a["id"], "city", date(2025, 10, 1))
        projects.append(p["id"])
        acceptances.append(a["id"])
    wait_until(lambda: all(d.funding(p)["paid_fen"] > 0 for p in projects), 90, message="all paid")
    wait_until(lambda: all(d.project_state(p)["state"] == "accepted" for p in projects), 90, message="all accepted")
    wait_until(lambda: len(receiver.received()) >= 2 * len(projects), 90, message="webhooks delivered")
    # Funding's copy of the project state follows registry's project events; the lag gauge below is only as
    # fresh as the consumer's last fetch, so wait for the projection itself before the first reading.
    wait_until(lambda: all(d.funding(p)["state"] == "accepted" for p in projects), 90, message="funding saw accepted")

    with httpx.Client(timeout=30) as client:
        def caught_up():
            texts = [client.get(platform.url(s) + "/metrics").text for s in SERVICES]
            return all(metric(t, "fc_outbox_unsent") == 0 and metric(t, "fc_consumer_lag") == 0 for t in texts)

        # Everything the flow caused (alerts, projections) has settled before the first reading.
        wait_until(caught_up, 180, interval=0.5, message="outboxes sent and consumers caught up")
        before = snapshot(d, projects, acceptances)
        dup_before = metric(client.get(platform.url("notify") + "/metrics").text, "fc_events_handled_total",
                            outcome="duplicate")
        republished = 0
        for svc in SERVICES:
            r = client.post(platform.url(svc) + "/api/v1/admin/outbox/republish",
                            json={"since": "2000-01-01T00:00:00Z"}, headers=auth("district_office"))
            assert r.status_code == 200, r.text
            republished += r.json()["rows"]
        assert republished > 0

        def all_repeats_seen_as_duplicates():
            dup = metric(client.get(platform.url("notify") + "/metrics").text, "fc_events_handled_total",
                         outcome="duplicate")
            return dup - dup_before >= republished  # notify consumes all four topics
        wait_until(all_repeats_seen_as_duplicates, 180, interval=0.5, message="every replayed event reached notify")

        wait_until(caught_up, 180, interval=0.5, message="outboxes sent and consumers caught up")

    assert snapshot(d, projects, acceptances) == before
