"""Probing one route as one principal, for the authorization matrix."""
from __future__ import annotations

import re

import httpx

from fc_devtools.testing import auth

PRINCIPALS = {
    "anonymous": None,
    "district_office": {},
    "street": {"street_code": "S01"},
    "department": {"department_code": "housing"},
    "finance": {},
    "integration": {"scope": "city"},
    "auditor": {},
}
FAKE_ID = "00000000-0000-4000-8000-000000000000"


def fill(path: str) -> str:
    """Path parameters of a resource that does not exist (the probe tests the gate, not the data)."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "year":
            return "2099"
        if name == "month":
            return "2099-01"
        if name == "scope":
            return "city"
        if name in ("version", "entry_id", "delivery_id", "alert_id") or name.endswith("_no"):
            return "999999"
        if name.endswith("_id") or name == "id":
            return FAKE_ID
        return "ZZ99"
    return re.sub(r"\{([^}]+)\}", value, path)


def probe(client: httpx.Client, base: str, method: str, path: str, principal: str) -> int:
    claims = PRINCIPALS[principal]
    headers = {} if claims is None else auth(principal, sub=f"matrix-{principal}", **claims)
    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.request(method, base + fill(path), headers=headers, **kwargs).status_code
