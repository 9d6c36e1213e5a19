"""Sample data for ``make run``: a fictional district, clearly marked SAMPLE (样例), loaded through the public API.

Eight streets, one or two surveyed communities each and 17 creation projects in varied registry stages
(draft, applied, selected, rejected, submitted, approved with deadlines near, far and one already
breached). Running it again is harmless: existing streets answer 409 and existing names are skipped.
"""
from __future__ import annotations

from datetime import date, timedelta

import httpx

from fc_shared.auth import mint_token
from fc_shared.clock import Clock
from fc_shared.settings import PlatformSettings

STREETS = [
    ("S01", "样例·东湖街道", "subdistrict"), ("S02", "样例·西溪街道", "subdistrict"),
    ("S03", "样例·南山街道", "subdistrict"), ("S04", "样例·北塘街道", "subdistrict"),
    ("S05", "样例·临江街道", "subdistrict"), ("S06", "样例·云栖镇", "key_town"),
    ("S07", "样例·桃源镇", "town"), ("S08", "样例·青石镇", "town"),
]

# (street, project name, type, target level, stage, approval offset in days before today or a fixed date)
PROJECTS = [
    ("S01", "样例·东湖老城未来社区", "renovation", "city", "approved", date(2023, 3, 1)),  # deadline breached
    ("S01", "样例·东湖新苑未来社区", "new_build", "province", "approved", 400),
    ("S02", "样例·西溪湿地未来社区", "renovation", "city", "approved", 345),  # creation deadline in about 20 days
    ("S02", "样例·西溪北岸未来社区", "renovation", "city", "submitted", None),
    ("S03", "样例·南山书院未来社区", "demolish_rebuild", "province", "approved", 200),
    ("S03", "样例·南山东坡未来社区", "renovation", "city", "applied", None),
    ("S04", "样例·北塘运河未来社区", "renovation", "city", "approved", 60),
    ("S04", "样例·北塘工坊未来社区", "renovation", "city", "rejected", None),
    ("S05", "样例·临江滨水未来社区", "new_build", "city", "approved", 10),  # plans due within the month
    ("S05", "样例·临江老街未来社区", "renovation", "city", "draft", None),
    ("S06", "样例·云栖茶园未来社区", "renovation", "city", "selected", None),
    ("S06", "样例·云栖竹海未来社区", "renovation", "province", "approved", 150),
    ("S07", "样例·桃源古镇未来社区", "renovation", "city", "submitted", None),
    ("S07", "样例·桃源溪畔未来社区", "renovation", "city", "draft", None),
    ("S08", "样例·青石山居未来社区", "renovation", "city", "applied", None),
    ("S08", "样例·青石新区未来社区", "new_build", "city", "selected", None),
    ("S08", "样例·青石港湾未来社区", "demolish_rebuild", "province", "approved", 700),
]

STEPS = {"draft": [], "applied": ["apply"], "selected": ["apply", "select"], "rejected": ["apply", "reject"],
         "submitted": ["apply", "select", "submit"], "approved": ["apply", "select", "submit", "approve"]}


def _ok(r: httpx.Response, *tolerated: int) -> bool:
    if r.status_code in tolerated:
        return False
    r.raise_for_status()
    return True


def load(urls: dict[str, str], jwt_secret: str, today: date | None = None) -> dict[str, int]:
    """Load the sample district; its dates are relative to ``today`` (default: the district's clock)."""
    settings = PlatformSettings(jwt_secret=jwt_secret)
    office = {"Authorization": "Bearer " + mint_token(settings, role="district_office", sub="sample-loader")}
    reg = urls["registry"] + "/api/v1"
    today = today or Clock.of(settings).today()
    counts = {"streets": 0, "communities": 0, "projects": 0, "transitions": 0}
    with httpx.Client(timeout=30) as client:
        for code, name, kind in STREETS:
            if _ok(client.post(f"{reg}/streets", json={"code": code, "name": name, "kind": kind}, headers=office), 409):
                counts["streets"] += 1
        for index, (street, name, ptype, level, stage, approval) in enumerate(PROJECTS):
            existing = client.get(f"{reg}/projects", params={"name_contains": name}, headers=office).json()["items"]
            if any(p["name"] == name for p in existing):
                continue
            community = client.post(f"{reg}/communities", headers=office, json={
                "street_code": street, "name": name.replace("未来社区", "社区"), "address": f"样例区样例路{index + 1}号",
                "area_ha": 12 + index * 3, "population": 6000 + index * 500, "households": 2200 + index * 180,
                "elderly_share": 0.18 + (index % 5) * 0.02, "children_share": 0.10 + (index % 3) * 0.01,
                "needs": "样例：养老托幼、健康管理", "features": "样例：运河文化、老街风貌",
                "spatial_resources": "样例：闲置厂房、边角空地", "vacant_land_m2": 2000 + index * 100,
                "location": {"lat": 30.2 + index * 0.01, "lon": 120.1 + index * 0.01}})
            _ok(community)
            counts["communities"] += 1
            if isinstance(approval, date):
                approved_on = approval
            elif isinstance(approval, int):
                approved_on = today - timedelta(days=approval)
            else:
                approved_on = None
            created_on = (approved_on or today) - timedelta(days=90)
            project = client.post(f"{reg}/projects", headers=office, json={
                "name": name, "community_ids": [community.json()["id"]], "type": ptype, "target_level": level,
                "area_ha": 12 + index * 3, "life_circle_minutes": (5, 10, 15)[index % 3],
                "created_on": created_on.isoformat()})
            _ok(project)
            counts["projects"] += 1
            pid = project.json()["id"]
            for step_no, action in enumerate(STEPS[stage]):
                on = approved_on if action == "approve" else created_on + timedelta(days=10 * (step_no + 1))
                body = {"action": action, "on": min(on, today).isoformat()}
                if action == "reject":
                    body["note"] = "样例：基础条件不足，暂缓申报"
                if action == "approve":
                    body.update(level=level, reference=f"样例批复〔{approved_on.year}〕{index + 1}号")
                _ok(client.post(f"{reg}/projects/{pid}/transitions", json=body, headers=office))
                counts["transitions"] += 1
            if stage == "approved":
                _ok(client.post(f"{reg}/projects/{pid}/milestones", headers=office, json={
                    "title": "样例：实施方案评审", "planned_on": (approved_on + timedelta(days=45)).isoformat()}))
        # Let the watcher see today's deadlines now rather than at its next daily run.
        _ok(client.post(f"{reg}/deadlines/scan", json={"as_of": today.isoformat()}, headers=office))
    return counts


if __name__ == "__main__":  # pragma: no cover - manual use: python tools/sample_data.py http://127.0.0.1:8001 SECRET
    import sys

    print(load({"registry": sys.argv[1]}, sys.argv[2] if len(sys.argv) > 2 else "dev-secret-change-me"))
