"""Registry use cases. Each takes a unit of work and commits nothing itself unless it says so."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import communities, project_communities, projects, streets
from ..domain.projects import scope_warnings


def check_street_access(principal: Principal, street_code: str) -> None:
    if not principal.can_see_street(street_code):
        raise Problem(403, "Forbidden", "a street may only act on its own data", type_="forbidden-street")


async def create_street(uow: UnitOfWork, code: str, name: str, kind: str) -> dict[str, Any]:
    if (await uow.session.execute(select(streets.c.code).where(streets.c.code == code))).first():
        raise Problem(409, "Duplicate street", f"street {code} already exists", type_="duplicate")
    row = {"code": code, "name": name, "kind": kind, "created_at": utcnow()}
    await uow.session.execute(insert(streets).values(**row))
    uow.emit("fc.street.created", code, {"street_code": code, "name": name, "kind": kind})
    return row


async def create_community(uow: UnitOfWork, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    check_street_access(principal, data["street_code"])
    if not (await uow.session.execute(select(streets.c.code).where(streets.c.code == data["street_code"]))).first():
        raise Problem(422, "Unknown street", f"street {data['street_code']} does not exist", type_="unknown-street")
    location = data.pop("location", None) or {}
    row = {"id": str(uuid.uuid4()), **data, "lat": location.get("lat"), "lon": location.get("lon"), "created_at": utcnow()}
    await uow.session.execute(insert(communities).values(**row))
    uow.emit("fc.community.created", row["id"], {"community_id": row["id"], "street_code": row["street_code"],
                                                 "name": row["name"]})
    return row


async def create_project(uow: UnitOfWork, principal: Principal, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    ids = list(dict.fromkeys(data["community_ids"]))
    found = (await uow.session.execute(
        select(communities.c.id, communities.c.street_code).where(communities.c.id.in_(ids)))).all()
    if len(found) != len(ids):
        missing = sorted(set(ids) - {r.id for r in found})
        raise Problem(422, "Unknown community", f"unknown community ids: {', '.join(missing)}", type_="unknown-community")
    street_codes = {r.street_code for r in found}
    if len(street_codes) != 1:
        raise Problem(422, "Communities of several streets", "a project's communities must belong to one street",
                      type_="mixed-streets")
    street_code = street_codes.pop()
    check_street_access(principal, street_code)
    row = {"id": str(uuid.uuid4()), "street_code": street_code, "name": data["name"], "type": data["type"],
           "target_level": data["target_level"], "area_ha": data["area_ha"],
           "life_circle_minutes": data["life_circle_minutes"], "state": "draft", "community_ids": ids,
           "created_at": utcnow(), "version": 1}
    await uow.session.execute(insert(projects).values(**row))
    await uow.session.execute(insert(project_communities), [{"project_id": row["id"], "community_id": c} for c in ids])
    uow.emit("fc.project.created", row["id"], {
        "project_id": row["id"], "name": row["name"], "street_code": street_code, "type": row["type"],
        "target_level": row["target_level"], "community_ids": ids, "state": "draft"})
    return row, scope_warnings(row["area_ha"])
