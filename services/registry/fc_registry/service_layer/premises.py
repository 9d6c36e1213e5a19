"""State-owned premises lease requests (§5.4 国有房产租用): filed by the street, answered for the enterprise."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import lease_requests, projects, streets
from .common import check_street_access


async def file_request(uow: UnitOfWork, principal: Principal, data: dict[str, Any], today: date) -> dict[str, Any]:
    check_street_access(principal, data["street_code"])
    if not (await uow.session.execute(select(streets.c.code).where(streets.c.code == data["street_code"]))).first():
        raise Problem(422, "Unknown street", f"street {data['street_code']} does not exist", type_="unknown-street")
    if data.get("project_id") is not None:
        row = (await uow.session.execute(select(projects.c.street_code).where(projects.c.id == data["project_id"]))).first()
        if row is None or row.street_code != data["street_code"]:
            raise Problem(422, "Unknown project", "the project is not one of this street's", type_="unknown-project")
    row = {"id": str(uuid.uuid4()), **data, "state": "requested", "filed_on": today, "filed_by": principal.key,
           "enterprise": None, "decided_on": None, "terms": None, "decline_reason": None, "recorded_by": None,
           "updated_at": utcnow()}
    await uow.session.execute(insert(lease_requests).values(**row))
    return row


async def load_request(session, principal: Principal, request_id: str) -> dict[str, Any]:
    row = (await session.execute(select(lease_requests).where(lease_requests.c.id == request_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "no such lease request", type_="not-found")
    return dict(row._mapping)


async def decide(uow: UnitOfWork, principal: Principal, request_id: str, data: dict[str, Any],
                 today: date) -> dict[str, Any]:
    """§5.4: the owning enterprise's answer (offered with terms / declined with a reason), recorded with its date."""
    current = await load_request(uow.session, principal, request_id)
    if current["state"] != "requested":
        raise Problem(409, "Already decided", f"the request is {current['state']}", type_="already-decided")
    if data["decided_on"] > today or data["decided_on"] < current["filed_on"]:
        raise Problem(422, "Bad date", "decided_on must lie between the filing date and today", type_="bad-date")
    if data["outcome"] == "offered" and not (data.get("terms") or "").strip():
        raise Problem(422, "Terms required", "an offer states its terms", type_="terms-required")
    if data["outcome"] == "declined" and not (data.get("reason") or "").strip():
        raise Problem(422, "Reason required", "a refusal states its reason", type_="reason-required")
    changes = {"state": data["outcome"], "enterprise": data["enterprise"], "decided_on": data["decided_on"],
               "terms": data.get("terms"), "decline_reason": data.get("reason"), "recorded_by": principal.key,
               "updated_at": utcnow()}
    result = await uow.session.execute(update(lease_requests).where(
        lease_requests.c.id == request_id, lease_requests.c.state == "requested").values(**changes))
    if result.rowcount != 1:
        raise Problem(409, "Already decided", "the request was decided meanwhile", type_="already-decided")
    return {**current, **changes}


async def withdraw(uow: UnitOfWork, principal: Principal, request_id: str, today: date) -> dict[str, Any]:
    current = await load_request(uow.session, principal, request_id)
    if current["state"] != "requested":
        raise Problem(409, "Already decided", f"the request is {current['state']}", type_="already-decided")
    changes = {"state": "withdrawn", "decided_on": today, "recorded_by": principal.key, "updated_at": utcnow()}
    await uow.session.execute(update(lease_requests).where(lease_requests.c.id == request_id).values(**changes))
    return {**current, **changes}
