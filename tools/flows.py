"""Drive the platform through its public APIs: street → community → project → approval →
evaluation → acceptance → district review → province/city result.

Used by the end-to-end and fault tests, the load benchmark and the sample data, so
every one of them walks the same path a real user does.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from fc_shared.auth import mint_token
from fc_shared.settings import PlatformSettings

DEPARTMENTS = ("housing", "civil_affairs", "development_reform", "finance")
WAN = 1_000_000  # 1 万元 in fen


class FlowError(AssertionError):
    pass


@dataclass
class Driver:
    urls: dict[str, str]
    jwt_secret: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    _tokens: dict[tuple, str] = field(default_factory=dict)

    def headers(self, role: str, **claims: Any) -> dict[str, str]:
        key = (role, tuple(sorted(claims.items())))
        if key not in self._tokens:
            self._tokens[key] = mint_token(PlatformSettings(jwt_secret=self.jwt_secret), role=role,
                                           sub=f"flow-{role}", ttl_s=24 * 3600, **claims)
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    def call(self, method: str, service: str, path: str, role: str, *, expect: tuple[int, ...] = (200, 201),
             retry_on: tuple[int, ...] = (), timeout: float = 60.0, **kwargs: Any) -> httpx.Response:
        """One API call; ``retry_on`` statuses (e.g. 409 while a projection catches up) are polled."""
        claims = kwargs.pop("claims", {})
        deadline = time.monotonic() + timeout
        while True:
            try:
                resp = self.client.request(method, self.urls[service] + path, headers=self.headers(role, **claims),
                                           **kwargs)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)  # the service is restarting (fault tests): try again
                continue
            if resp.status_code in expect:
                return resp
            if (resp.status_code in retry_on or resp.status_code >= 500) and time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            raise FlowError(f"{method} {service}{path} as {role}: {resp.status_code} {resp.text[:500]}")

    # --- registry --------------------------------------------------------------------------

    def street(self, code: str | None = None, name: str | None = None, kind: str = "subdistrict") -> str:
        code = code or "T" + uuid.uuid4().hex[:7].upper()
        self.call("POST", "registry", "/api/v1/streets", "district_office", expect=(201, 409),
                  json={"code": code, "name": name or f"测试街道{code}", "kind": kind})
        return code

    def community(self, street_code: str, name: str | None = None, area_ha: float = 20.0) -> str:
        r = self.call("POST", "registry", "/api/v1/communities", "district_office", json={
            "street_code": street_code, "name": name or f"测试社区{uuid.uuid4().hex[:4]}", "area_ha": area_ha,
            "population": 9000, "households": 3200, "elderly_share": 0.22, "children_share": 0.12,
            "needs": "养老、托育、停车", "features": "老旧小区连片", "spatial_resources": "闲置厂房一处",
            "location": {"lat": 30.27, "lon": 120.15}})
        return r.json()["id"]

    def project(self, community_ids: list[str], *, type_: str = "renovation", target_level: str = "city",
                name: str | None = None, area_ha: float = 20.0, created_on: date | None = None) -> dict:
        """A draft project; ``created_on`` back-dates the record (entering a project approved years ago)."""
        body = {"name": name or f"测试项目{uuid.uuid4().hex[:4]}", "community_ids": community_ids, "type": type_,
                "target_level": target_level, "area_ha": area_ha, "life_circle_minutes": 15}
        if created_on:
            body["created_on"] = created_on.isoformat()
        return self.call("POST", "registry", "/api/v1/projects", "district_office", json=body).json()

    def transition(self, project_id: str, action: str, role: str = "district_office",
                   claims: dict[str, str] | None = None, **body: Any) -> dict:
        return self.call("POST", "registry", f"/api/v1/projects/{project_id}/transitions", role,
                         claims=claims or {}, json={"action": action, **body}).json()

    def approve(self, project_id: str, street_code: str, approved_on: date, level: str | None = None) -> dict:
        self.transition(project_id, "apply", "street", claims={"street_code": street_code})
        self.transition(project_id, "select")
        self.transition(project_id, "submit")
        level = level or self.project_state(project_id)["target_level"]
        return self.transition(project_id, "approve", on=approved_on.isoformat(), level=level,
                               reference=f"测试批复〔{approved_on.year}〕{project_id[:4]}号")

    def project_state(self, project_id: str) -> dict:
        return self.call("GET", "registry", f"/api/v1/projects/{project_id}", "auditor").json()

    # --- inspection ------------------------------------------------------------------------

    def standard_indicators(self) -> list[str]:
        cat = self.call("GET", "inspection", "/api/v1/scenario-catalogue", "auditor").json()
        return [i["code"] for i in cat["indicators"] if i["kind"] == "standard"]

    def evaluate_all_met(self, project_id: str, street_code: str, codes: list[str]) -> None:
        self.call("POST", "inspection", f"/api/v1/projects/{project_id}/evaluations", "street",
                  claims={"street_code": street_code}, retry_on=(404, 409),
                  json={"indicators": {c: {"met": True, "evidence": "现场核查"} for c in codes}})

    def record_expenditure(self, project_id: str, street_code: str, expenditure_fen: dict[str, int],
                           reported_on: str = "2020-06-30") -> None:
        """Report to funding, by category, what an application will declare beyond what is already recorded
        (the declared final expenditure must be backed by funding's records)."""
        path = f"/api/v1/projects/{project_id}/expenditures"
        have = self.call("GET", "funding", path, "street", claims={"street_code": street_code},
                         retry_on=(404,)).json()["by_category"]
        for category, amount in expenditure_fen.items():
            if amount > have.get(category, 0):
                self.call("POST", "funding", path, "street", claims={"street_code": street_code}, retry_on=(404,),
                          json={"category": category, "amount_fen": amount - have.get(category, 0),
                                "reported_on": reported_on})

    def apply_acceptance(self, project_id: str, street_code: str, level: str, expenditure_fen: dict[str, int]) -> dict:
        self.record_expenditure(project_id, street_code, expenditure_fen)
        return self.call("POST", "inspection", "/api/v1/acceptances", "street", claims={"street_code": street_code},
                         retry_on=(404, 409), json={"project_id": project_id, "level": level,
                                                    "final_expenditure_fen": expenditure_fen,
                                                    "report": "自验收报告"}).json()

    def review_all(self, acceptance: dict, passed: bool = True) -> None:
        for dept in acceptance.get("required_departments") or DEPARTMENTS:
            self.call("POST", "inspection", f"/api/v1/acceptances/{acceptance['id']}/reviews", "department",
                      claims={"department_code": dept},
                      json={"department_code": dept, "passed": passed, "findings": "" if passed else "资料不全"})

    def post_result(self, acceptance_id: str, level: str, decided_on: date, passed: bool = True,
                    expect: tuple[int, ...] = (200, 201), reference: str | None = None,
                    on_paper: bool = False, document_id: str | None = None) -> httpx.Response:
        """The province/city system posts the result, or (``on_paper``) the district office records it."""
        role, claims = ("district_office", {}) if on_paper else ("integration", {"scope": level})
        body = {"passed": passed, "level": level, "decided_on": decided_on.isoformat(),
                "reference": reference or f"REF-{uuid.uuid4().hex[:8]}"}
        if document_id:
            body["document_id"] = document_id
        return self.call("POST", "inspection", f"/api/v1/acceptances/{acceptance_id}/result", role,
                         claims=claims, expect=expect, retry_on=(409,), json=body)

    def upload_document(self, community_id: str, kind: str, project_id: str, content: bytes = b"%PDF-1.4 scan",
                        filename: str = "scan.pdf") -> dict:
        return self.call("POST", "registry", f"/api/v1/communities/{community_id}/documents", "district_office",
                         data={"kind": kind, "project_id": project_id},
                         files={"file": (filename, content, "application/pdf")}).json()

    def history(self, project_id: str) -> list[dict]:
        return self.call("GET", "registry", f"/api/v1/projects/{project_id}/history", "auditor").json()

    # --- funding and notify ----------------------------------------------------------------

    def funding(self, project_id: str) -> dict:
        return self.call("GET", "funding", f"/api/v1/projects/{project_id}/funding", "finance",
                         retry_on=(404,)).json()

    def subscribe(self, url: str, event_types: list[str]) -> dict:
        return self.call("POST", "notify", "/api/v1/subscriptions", "district_office",
                         json={"url": url, "event_types": event_types, "description": "flow"}).json()


def expenditure(total_fen: int) -> dict[str, int]:
    """Split a total over the three eligible categories (§5.3)."""
    design = total_fen // 10
    equipment = total_fen // 5
    return {"consulting_design": design, "construction": total_fen - design - equipment, "equipment": equipment}
