"""One event crosses the broker end to end: registry → outbox → Kafka → notify → signed webhook."""
import json
import uuid

import pytest
from standardwebhooks.webhooks import Webhook

from fc_devtools.testing import auth, wait_until

pytestmark = pytest.mark.e2e
OFFICE = auth("district_office")


def _street_and_community(client, platform):
    code = "E" + uuid.uuid4().hex[:6]
    reg = platform.url("registry")
    assert client.post(f"{reg}/api/v1/streets", json={"code": code, "name": "端到端街道", "kind": "subdistrict"},
                       headers=OFFICE).status_code == 201
    r = client.post(f"{reg}/api/v1/communities", headers=OFFICE, json={
        "street_code": code, "name": "样例社区", "area_ha": 20, "population": 8000, "households": 3000,
        "elderly_share": 0.2, "children_share": 0.1})
    assert r.status_code == 201, r.text
    return code, r.json()["id"]


def _project(client, platform, community_id):
    r = client.post(f"{platform.url('registry')}/api/v1/projects", headers=OFFICE, json={
        "name": f"项目{uuid.uuid4().hex[:4]}", "community_ids": [community_id], "type": "renovation",
        "target_level": "city", "area_ha": 20, "life_circle_minutes": 15})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _subscribe(client, platform, url):
    r = client.post(f"{platform.url('notify')}/api/v1/subscriptions", headers=OFFICE,
                    json={"url": url, "event_types": ["fc.project.created"], "description": "e2e"})
    assert r.status_code == 201, r.text
    return r.json()


def _delivery_log(platform, subscription_id):
    """Every delivery of one subscription, read page by page through notify's delivery log API."""
    items, cursor = [], None
    with platform.client() as client:
        while True:
            params = {"subscription_id": subscription_id, "limit": 100, **({"cursor": cursor} if cursor else {})}
            r = client.get(f"{platform.url('notify')}/api/v1/deliveries", params=params, headers=OFFICE)
            assert r.status_code == 200, r.text
            items += r.json()["items"]
            cursor = r.json()["next_cursor"]
            if not cursor:
                return items


def test_project_created_reaches_a_subscriber_signed(platform, receiver):
    with platform.client() as client:
        path = f"/hook-{uuid.uuid4().hex[:6]}"
        sub = _subscribe(client, platform, receiver.url(path))
        assert sub["secret"].startswith("whsec_")
        _, community_id = _street_and_community(client, platform)
        project_id = _project(client, platform, community_id)

    def arrived():
        return [r for r in receiver.received(path) if json.loads(r["body"])["subject"] == project_id]

    hit = wait_until(arrived, 60, message="webhook for the new project")[0]
    payload = Webhook(sub["secret"]).verify(hit["body"], hit["headers"])
    assert payload["type"] == "fc.project.created"
    assert payload["data"]["project_id"] == project_id
    assert hit["headers"]["webhook-id"] == payload["id"]


def test_killing_notify_mid_stream_loses_and_duplicates_nothing(platform, receiver):
    path = f"/hook-{uuid.uuid4().hex[:6]}"
    with platform.client() as client:
        sub = _subscribe(client, platform, receiver.url(path))
        _, community_id = _street_and_community(client, platform)
        project_ids = []
        for i in range(40):
            project_ids.append(_project(client, platform, community_id))
            if i == 10:
                platform.services["notify"].kill()  # SIGKILL, mid-stream
        platform.services["notify"].start()

    def delivered_ids():
        return {json.loads(r["body"])["subject"] for r in receiver.received(path)}

    wait_until(lambda: set(project_ids) <= delivered_ids(), 120, message="every project's webhook after the restart")
    # Exactly one delivery record per event: the inbox dropped every redelivered event.
    counts = {}
    for d in _delivery_log(platform, sub["id"]):
        counts[d["subject"]] = counts.get(d["subject"], 0) + 1
    assert set(counts) == set(project_ids)
    assert set(counts.values()) == {1}
    # Webhook ids are event ids: a receiver sees each at least once and can dedupe any repeat.
    ids_by_subject = {}
    for r in receiver.received(path):
        body = json.loads(r["body"])
        ids_by_subject.setdefault(body["subject"], set()).add(r["headers"]["webhook-id"])
    assert all(len(v) == 1 for v in ids_by_subject.values())
