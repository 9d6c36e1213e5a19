"""Sample data for ``make run``: a fictional district, clearly marked SAMPLE, loaded through the public API."""
from __future__ import annotations

import httpx

from fc_shared.auth import mint_token
from fc_shared.settings import PlatformSettings

STREETS = [
    ("S01", "样例·东湖街道", "subdistrict"), ("S02", "样例·西溪街道", "subdistrict"),
    ("S03", "样例·南山街道", "subdistrict"), ("S04", "样例·北塘街道", "subdistrict"),
    ("S05", "样例·临江街道", "subdistrict"), ("S06", "样例·云栖镇", "town"),
    ("S07", "样例·桃源镇", "town"), ("S08", "样例·青石镇", "town"),
]


def load(urls: dict[str, str], jwt_secret: str) -> dict[str, int]:
    settings = PlatformSettings(jwt_secret=jwt_secret)
    office = {"Authorization": "Bearer " + mint_token(settings, role="district_office", sub="sample-loader")}
    reg = urls["registry"]
    counts = {"streets": 0, "communities": 0, "projects": 0}
    with httpx.Client(timeout=30) as client:
        for code, name, kind in STREETS:
            r = client.post(f"{reg}/api/v1/streets", json={"code": code, "name": name, "kind": kind}, headers=office)
            if r.status_code == 201:
                counts["streets"] += 1
            elif r.status_code != 409:
                r.raise_for_status()
    return counts
