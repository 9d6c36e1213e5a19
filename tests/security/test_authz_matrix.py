"""Authorization matrix: every endpoint of every service × every role, asserting the exact status.

Columns are the principals in ``authz.PRINCIPALS`` order: anonymous, district_office,
street (S01), department (housing), finance, integration (city), auditor. A probe uses a
resource that does not exist and an empty body, so an allowed caller gets 200, 404 (no
such resource) or 422 (empty body), and a refused one 401 or 403 — the table is the
access policy, read as statuses. A route missing from the table fails the suite.
Scope mismatches on real resources (another street, department, level) are tested below.
"""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from authz import PRINCIPALS, probe  # noqa: E402

from fc_devtools.testing import TEST_SECRET, TEST_TODAY, auth, wait_until  # noqa: E402
from tools.flows import Driver, expenditure  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]  # its fixture approves a project dated from the district day; year closes depend on the day
SERVICES = ("registry", "funding", "inspection", "notify")

MATRIX = {
    ("registry", "GET", "/healthz"): (200, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/readyz"): (200, 200, 200, 200, 200, 200, 200),
    ("registry", "POST", "/api/v1/admin/outbox/republish"): (401, 422, 403, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/audit"): (401, 200, 403, 403, 403, 403, 200),
    ("registry", "GET", "/api/v1/audit/verify"): (401, 200, 403, 403, 403, 403, 200),
    ("registry", "GET", "/api/v1/audit.xlsx"): (401, 200, 403, 403, 403, 403, 200),
    ("registry", "POST", "/api/v1/streets"): (401, 422, 403, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/streets"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/streets/{code}"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "PATCH", "/api/v1/streets/{code}"): (401, 404, 403, 403, 403, 403, 403),
    ("registry", "POST", "/api/v1/communities"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/communities"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/communities/{community_id}"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "PATCH", "/api/v1/communities/{community_id}"): (401, 404, 404, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/communities/{community_id}/portrait"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "POST", "/api/v1/communities/{community_id}/documents"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/communities/{community_id}/documents"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "GET", "/api/v1/documents/{document_id}"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "GET", "/api/v1/documents/{document_id}/download"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "POST", "/api/v1/documents/{document_id}/review"): (401, 422, 403, 403, 403, 403, 403),
    ("registry", "POST", "/api/v1/projects"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/projects"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/projects/{project_id}"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "PATCH", "/api/v1/projects/{project_id}"): (401, 404, 404, 403, 403, 403, 403),
    ("registry", "POST", "/api/v1/projects/{project_id}/transitions"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/projects/{project_id}/history"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "POST", "/api/v1/projects/{project_id}/milestones"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/projects/{project_id}/milestones"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "PATCH", "/api/v1/projects/{project_id}/milestones/{milestone_id}"): (401, 404, 404, 403, 403, 403, 403),
    ("registry", "POST", "/api/v1/summaries"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/summaries"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/summaries/overdue"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "POST", "/api/v1/problems"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/problems"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "POST", "/api/v1/problems/{problem_id}/close"): (401, 404, 404, 404, 403, 403, 403),
    ("registry", "POST", "/api/v1/deadlines/scan"): (401, 422, 403, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/deadlines"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/targets"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "PUT", "/api/v1/special-plans/{year}"): (401, 200, 403, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/config"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "PATCH", "/api/v1/config"): (401, 200, 403, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/board"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/board.xlsx"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "POST", "/api/v1/premises-requests"): (401, 422, 422, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/premises-requests"): (401, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/premises-requests/{request_id}"): (401, 404, 404, 404, 404, 404, 404),
    ("registry", "POST", "/api/v1/premises-requests/{request_id}/decision"): (401, 422, 403, 403, 403, 403, 403),
    ("registry", "POST", "/api/v1/premises-requests/{request_id}/withdraw"): (401, 404, 404, 403, 403, 403, 403),
    ("registry", "GET", "/api/v1/public/projects"): (200, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/public/projects/{project_id}"): (404, 404, 404, 404, 404, 404, 404),
    ("registry", "GET", "/api/v1/public/communities"): (200, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/public/bulletins"): (200, 200, 200, 200, 200, 200, 200),
    ("registry", "GET", "/api/v1/public/bulletins/{month}"): (404, 404, 404, 404, 404, 404, 404),
    ("funding", "GET", "/healthz"): (200, 200, 200, 200, 200, 200, 200),
    ("funding", "GET", "/readyz"): (200, 200, 200, 200, 200, 200, 200),
    ("funding", "POST", "/api/v1/admin/outbox/republish"): (401, 422, 403, 403, 403, 403, 403),
    ("funding", "GET", "/api/v1/audit"): (401, 200, 403, 403, 403, 403, 200),
    ("funding", "GET", "/api/v1/audit/verify"): (401, 200, 403, 403, 403, 403, 200),
    ("funding", "GET", "/api/v1/audit.xlsx"): (401, 200, 403, 403, 403, 403, 200),
    ("funding", "GET", "/api/v1/projects/{project_id}/funding"): (401, 404, 404, 403, 404, 403, 404),
    ("funding", "GET", "/api/v1/entries"): (401, 200, 200, 403, 200, 403, 200),
    ("funding", "GET", "/api/v1/ledger.xlsx"): (401, 200, 200, 403, 200, 403, 200),
    ("funding", "GET", "/api/v1/streets/{street_code}/funding"): (401, 200, 403, 403, 200, 403, 200),
    ("funding", "GET", "/api/v1/years/{year}/funding"): (401, 200, 403, 403, 200, 403, 200),
    ("funding", "PUT", "/api/v1/years/{year}/budget"): (401, 403, 403, 403, 422, 403, 403),
    ("funding", "POST", "/api/v1/years/{year}/close"): (401, 403, 403, 403, 409, 403, 403),
    ("funding", "POST", "/api/v1/entries/{entry_id}/reversal"): (401, 403, 403, 403, 422, 403, 403),
    ("funding", "POST", "/api/v1/projects/{project_id}/repayments"): (401, 403, 403, 403, 422, 403, 403),
    ("funding", "POST", "/api/v1/years/{year}/income"): (401, 403, 403, 403, 422, 403, 403),
    ("funding", "POST", "/api/v1/projects/{project_id}/expenditures"): (401, 422, 422, 403, 403, 403, 403),
    ("funding", "GET", "/api/v1/projects/{project_id}/expenditures"): (401, 404, 404, 403, 404, 403, 404),
    ("funding", "PUT", "/api/v1/projects/{project_id}/capital-plan"): (401, 422, 422, 403, 403, 403, 403),
    ("funding", "GET", "/api/v1/projects/{project_id}/capital-plan"): (401, 404, 404, 403, 404, 403, 404),
    ("inspection", "GET", "/healthz"): (200, 200, 200, 200, 200, 200, 200),
    ("inspection", "GET", "/readyz"): (200, 200, 200, 200, 200, 200, 200),
    ("inspection", "POST", "/api/v1/admin/outbox/republish"): (401, 422, 403, 403, 403, 403, 403),
    ("inspection", "GET", "/api/v1/audit"): (401, 200, 403, 403, 403, 403, 200),
    ("inspection", "GET", "/api/v1/audit/verify"): (401, 200, 403, 403, 403, 403, 200),
    ("inspection", "GET", "/api/v1/audit.xlsx"): (401, 200, 403, 403, 403, 403, 200),
    ("inspection", "GET", "/api/v1/projects/{project_id}"): (401, 404, 404, 404, 403, 404, 404),
    ("inspection", "GET", "/api/v1/scenario-catalogue"): (401, 200, 200, 200, 200, 200, 200),
    ("inspection", "POST", "/api/v1/scenario-catalogue"): (401, 422, 403, 403, 403, 403, 403),
    ("inspection", "GET", "/api/v1/scenario-catalogue/versions/{version}"): (401, 404, 404, 404, 404, 404, 404),
    ("inspection", "POST", "/api/v1/projects/{project_id}/evaluations"): (401, 422, 422, 403, 403, 403, 403),
    ("inspection", "GET", "/api/v1/projects/{project_id}/evaluations"): (401, 404, 404, 403, 403, 403, 404),
    ("inspection", "GET", "/api/v1/projects/{project_id}/gap-report"): (401, 404, 404, 403, 403, 403, 404),
    ("inspection", "GET", "/api/v1/evaluations/{evaluation_id}"): (401, 404, 404, 403, 403, 403, 404),
    ("inspection", "POST", "/api/v1/acceptances"): (401, 422, 422, 403, 403, 403, 403),
    ("inspection", "GET", "/api/v1/acceptances"): (401, 200, 200, 200, 403, 200, 200),
    ("inspection", "GET", "/api/v1/acceptances/{acceptance_id}"): (401, 404, 404, 404, 403, 404, 404),
    ("inspection", "POST", "/api/v1/acceptances/{acceptance_id}/reviews"): (401, 403, 403, 422, 403, 403, 403),
    ("inspection", "POST", "/api/v1/acceptances/{acceptance_id}/result"): (401, 422, 403, 403, 403, 422, 403),
    ("inspection", "GET", "/api/v1/review-config"): (401, 200, 200, 200, 403, 403, 200),
    ("inspection", "PUT", "/api/v1/review-config"): (401, 422, 403, 403, 403, 403, 403),
    ("inspection", "POST", "/api/v1/integrations"): (401, 422, 403, 403, 403, 403, 403),
    ("inspection", "GET", "/api/v1/integrations"): (401, 200, 403, 403, 403, 403, 200),
    ("inspection", "POST", "/api/v1/integrations/{integration_id}/secret"): (401, 404, 403, 403, 403, 403, 403),
    ("inspection", "POST", "/api/v1/integrations/{integration_id}/results"): (401, 401, 401, 401, 401, 401, 401),
    ("inspection", "POST", "/api/v1/bulletins"): (401, 422, 403, 403, 403, 403, 403),
    ("inspection", "GET", "/api/v1/bulletins"): (401, 200, 200, 200, 200, 200, 200),
    ("inspection", "GET", "/api/v1/bulletins/{month}.xlsx"): (401, 404, 404, 404, 404, 404, 404),
    ("inspection", "GET", "/api/v1/bulletins/{month}"): (401, 404, 404, 404, 404, 404, 404),
    ("inspection", "GET", "/api/v1/assessments/{year}.xlsx"): (401, 200, 200, 200, 200, 200, 200),
    ("inspection", "GET", "/api/v1/assessments/{year}"): (401, 200, 200, 200, 200, 200, 200),
    ("notify", "GET", "/healthz"): (200, 200, 200, 200, 200, 200, 200),
    ("notify", "GET", "/readyz"): (200, 200, 200, 200, 200, 200, 200),
    ("notify", "POST", "/api/v1/admin/outbox/republish"): (401, 422, 403, 403, 403, 403, 403),
    ("notify", "GET", "/api/v1/audit"): (401, 200, 403, 403, 403, 403, 200),
    ("notify", "GET", "/api/v1/audit/verify"): (401, 200, 403, 403, 403, 403, 200),
    ("notify", "GET", "/api/v1/audit.xlsx"): (401, 200, 403, 403, 403, 403, 200),
    ("notify", "POST", "/api/v1/subscriptions"): (401, 422, 403, 403, 403, 422, 403),
    ("notify", "GET", "/api/v1/subscriptions"): (401, 200, 403, 403, 403, 200, 200),
    ("notify", "GET", "/api/v1/subscriptions/{subscription_id}"): (401, 404, 403, 403, 403, 404, 404),
    ("notify", "DELETE", "/api/v1/subscriptions/{subscription_id}"): (401, 404, 403, 403, 403, 404, 403),
    ("notify", "POST", "/api/v1/subscriptions/{subscription_id}/pause"): (401, 404, 403, 403, 403, 404, 403),
    ("notify", "POST", "/api/v1/subscriptions/{subscription_id}/resume"): (401, 404, 403, 403, 403, 404, 403),
    ("notify", "POST", "/api/v1/subscriptions/{subscription_id}/rotate"): (401, 404, 403, 403, 403, 404, 403),
    ("notify", "POST", "/api/v1/subscriptions/{subscription_id}/replay"): (401, 422, 403, 403, 403, 422, 403),
    ("notify", "GET", "/api/v1/deliveries"): (401, 200, 403, 403, 403, 200, 200),
    ("notify", "GET", "/api/v1/deliveries/{delivery_id}"): (401, 404, 403, 403, 403, 404, 404),
    ("notify", "POST", "/api/v1/deliveries/{delivery_id}/retry"): (401, 404, 403, 403, 403, 404, 403),
    ("notify", "GET", "/api/v1/alerts"): (401, 200, 200, 403, 200, 403, 200),
    ("notify", "POST", "/api/v1/alerts/{alert_id}/read"): (401, 404, 404, 403, 404, 403, 403),
    ("notify", "PUT", "/api/v1/email-recipients"): (401, 422, 403, 403, 403, 403, 403),
    ("notify", "GET", "/api/v1/email-recipients"): (401, 200, 403, 403, 403, 403, 200),
    ("notify", "GET", "/api/v1/emails"): (401, 200, 403, 403, 403, 403, 200),
}


def _routes(platform) -> set[tuple[str, str, str]]:
    found = set()
    with httpx.Client(timeout=30) as client:
        for service in SERVICES:
            spec = client.get(platform.url(service) + "/openapi.json").json()
            found |= {(service, method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    return found


def test_every_route_is_in_the_matrix(platform):
    routes = _routes(platform)
    assert not routes - MATRIX.keys(), f"routes missing from the matrix: {sorted(routes - MATRIX.keys())}"
    assert not MATRIX.keys() - routes, f"matrix rows for routes that no longer exist: {sorted(MATRIX.keys() - routes)}"


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]} {r[2]}")
def test_route_answers_each_role_exactly(platform, route):
    service, method, path = route
    with httpx.Client(timeout=30) as client:
        got = tuple(probe(client, platform.url(service), method, path, p) for p in PRINCIPALS)
    assert got == MATRIX[route], dict(zip(PRINCIPALS, got))


@pytest.fixture(scope="module")
def other_streets_project(platform):
    """A project of one street carried to district review, with funding and alerts of its own."""
    d = Driver({s: platform.url(s) for s in SERVICES}, TEST_SECRET)
    street = d.street()
    community = d.community(street)
    project = d.project([community], created_on=TEST_TODAY - timedelta(days=400))
    d.approve(project["id"], street, TEST_TODAY - timedelta(days=300))
    d.evaluate_all_met(project["id"], street, d.standard_indicators())
    acceptance = d.apply_acceptance(project["id"], street, "province", expenditure(100))
    d.funding(project["id"])  # funding knows it
    return {"street": street, "community": community, "project": project["id"], "acceptance": acceptance["id"]}


def test_a_street_never_reaches_another_streets_data(platform, other_streets_project):
    o = other_streets_project
    intruder = auth("street", street_code="S01", sub="intruder")
    reads = [
        ("registry", f"/api/v1/communities/{o['community']}"),
        ("registry", f"/api/v1/communities/{o['community']}/portrait"),
        ("registry", f"/api/v1/communities/{o['community']}/documents"),
        ("registry", f"/api/v1/projects/{o['project']}"),
        ("registry", f"/api/v1/projects/{o['project']}/history"),
        ("registry", f"/api/v1/projects/{o['project']}/milestones"),
        ("funding", f"/api/v1/projects/{o['project']}/funding"),
        ("funding", f"/api/v1/projects/{o['project']}/expenditures"),
        ("funding", f"/api/v1/projects/{o['project']}/capital-plan"),
        ("funding", f"/api/v1/streets/{o['street']}/funding"),
        ("inspection", f"/api/v1/projects/{o['project']}"),
        ("inspection", f"/api/v1/projects/{o['project']}/evaluations"),
        ("inspection", f"/api/v1/projects/{o['project']}/gap-report"),
        ("inspection", f"/api/v1/acceptances/{o['acceptance']}"),
    ]
    writes = [
        ("registry", "PATCH", f"/api/v1/projects/{o['project']}", {"name": "改名"}),
        ("registry", "POST", f"/api/v1/projects/{o['project']}/transitions", {"action": "withdraw", "note": "x"}),
        ("registry", "PATCH", f"/api/v1/communities/{o['community']}", {"name": "改名"}),
        ("funding", "POST", f"/api/v1/projects/{o['project']}/expenditures",
         {"category": "construction", "amount_fen": 100, "reported_on": "2025-01-01"}),
        ("inspection", "POST", f"/api/v1/projects/{o['project']}/evaluations",
         {"indicators": {"NB-01": {"met": True, "evidence": "x"}}}),
    ]
    with httpx.Client(timeout=30) as client:
        for service, path in reads:
            r = client.get(platform.url(service) + path, headers=intruder)
            assert r.status_code in (403, 404), (service, path, r.status_code)
        for service, method, path, body in writes:
            r = client.request(method, platform.url(service) + path, headers=intruder, json=body)
            assert r.status_code in (403, 404), (service, method, path, r.status_code, r.text[:200])
        listing = client.get(platform.url("registry") + "/api/v1/projects?limit=500", headers=intruder).json()
        assert o["project"] not in {p["id"] for p in listing["items"]}
        acceptances = client.get(platform.url("inspection") + "/api/v1/acceptances?limit=500", headers=intruder).json()
        assert o["acceptance"] not in {a["id"] for a in acceptances["items"]}


def test_departments_and_integrations_act_only_within_their_scope(platform, other_streets_project):
    o = other_streets_project
    base = platform.url("inspection")
    with httpx.Client(timeout=30) as client:
        wrong_dept = client.post(f"{base}/api/v1/acceptances/{o['acceptance']}/reviews",
                                 headers=auth("department", department_code="education"),
                                 json={"department_code": "housing", "passed": True, "findings": ""})
        assert wrong_dept.status_code == 403
        city_on_province = client.post(f"{base}/api/v1/acceptances/{o['acceptance']}/result",
                                       headers=auth("integration", scope="city"),
                                       json={"passed": True, "level": "province", "decided_on": "2025-01-01",
                                             "reference": "X"})
        assert city_on_province.status_code == 403


def test_the_flows_writes_are_audited_in_every_service_and_refused_ones_are_not(platform, other_streets_project):
    """Each service records what the flow wrote (events' effects under the event id); the chains verify."""
    o = other_streets_project
    auditor = auth("auditor")

    def entries(client, service, **params):
        r = client.get(platform.url(service) + "/api/v1/audit", params={"limit": 500, **params}, headers=auditor)
        assert r.status_code == 200, r.text
        return r.json()["items"]

    with httpx.Client(timeout=30) as client:
        project = entries(client, "registry", resource="projects", resource_id=o["project"])
        assert {e["action"] for e in project} == {"create", "update"}
        assert {e["role"] for e in project} >= {"street", "district_office"}
        states = [e["changes"]["state"][1] for e in reversed(project) if "state" in e["changes"]]
        assert states[:5] == ["draft", "applied", "selected", "submitted", "approved"], states
        applied = entries(client, "inspection", resource="acceptances", resource_id=o["acceptance"])
        assert [(e["action"], e["role"], e["scope"]) for e in applied][-1] == ("create", "street", o["street"])
        wait_until(lambda: any(e["role"] == "event" for e in entries(client, "funding", resource="projects",
                                                                       resource_id=o["project"])),
                   30, message="funding's projection of the project is audited under the event id")
        for service in SERVICES:
            assert entries(client, service, actor="intruder") == []  # every write of theirs was refused
            verdict = client.get(platform.url(service) + "/api/v1/audit/verify", headers=auditor).json()
            assert verdict["ok"] is True and verdict["entries"] > 0, (service, verdict)
