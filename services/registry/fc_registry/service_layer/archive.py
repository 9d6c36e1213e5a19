"""Streets, communities and the community archive (一社一档) with its documents."""
from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.storage import DocumentStorage
from ..adapters.tables import communities, documents, plan_reviews, project_communities, streets
from .common import check_street_access, reopen_deadline, resolve_deadline
from .config import get_config

DOCUMENT_KINDS = ("survey", "application_plan", "implementation_plan", "design_tender", "preliminary_approval",
                  "operation_plan", "acceptance_decision")
ALLOWED_CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
}
PLAN_KINDS = ("application_plan", "implementation_plan")
PROJECT_KINDS = (*PLAN_KINDS, "acceptance_decision")


async def create_street(uow: UnitOfWork, code: str, name: str, kind: str, created_on: date) -> dict[str, Any]:
    if (await uow.session.execute(select(streets.c.code).where(streets.c.code == code))).first():
        raise Problem(409, "Duplicate street", f"street {code} already exists", type_="duplicate")
    row = {"code": code, "name": name, "kind": kind, "created_on": created_on, "created_at": utcnow(),
           "updated_at": None}
    await uow.session.execute(insert(streets).values(**row))
    uow.emit("fc.street.created", code, {"street_code": code, "name": name, "kind": kind})
    return row


async def update_street(uow: UnitOfWork, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    row = (await uow.session.execute(select(streets).where(streets.c.code == code))).first()
    if row is None:
        raise Problem(404, "Not Found", "no such street", type_="not-found")
    if changes:
        await uow.session.execute(update(streets).where(streets.c.code == code).values(**changes, updated_at=utcnow()))
    return {**row._mapping, **changes}


async def _require_street(uow: UnitOfWork, code: str) -> None:
    if not (await uow.session.execute(select(streets.c.code).where(streets.c.code == code))).first():
        raise Problem(422, "Unknown street", f"street {code} does not exist", type_="unknown-street")


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "location" in out:
        location = out.pop("location") or {}
        out["lat"], out["lon"] = location.get("lat"), location.get("lon")
    return out


async def create_community(uow: UnitOfWork, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    check_street_access(principal, data["street_code"])
    await _require_street(uow, data["street_code"])
    row = {"id": str(uuid.uuid4()), **_flatten(data), "created_at": utcnow(), "updated_at": None}
    await uow.session.execute(insert(communities).values(**row))
    uow.emit("fc.community.created", row["id"], {"community_id": row["id"], "street_code": row["street_code"],
                                                 "name": row["name"]})
    return row


async def load_community(session, community_id: str, principal: Principal) -> dict[str, Any]:
    row = (await session.execute(select(communities).where(communities.c.id == community_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise Problem(404, "Not Found", "no such community", type_="not-found")
    return dict(row._mapping)


async def update_community(uow: UnitOfWork, principal: Principal, community_id: str,
                           changes: dict[str, Any]) -> dict[str, Any]:
    current = await load_community(uow.session, community_id, principal)
    changes = _flatten(changes)
    if changes:
        await uow.session.execute(update(communities).where(communities.c.id == community_id)
                                  .values(**changes, updated_at=utcnow()))
        uow.emit("fc.community.updated", community_id, {"community_id": community_id,
                                                        "street_code": current["street_code"],
                                                        "name": changes.get("name", current["name"])})
    return {**current, **changes}


def content_kind(content_type: str | None) -> str | None:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return ALLOWED_CONTENT_TYPES.get(base)


async def add_document(uow: UnitOfWork, storage: DocumentStorage, principal: Principal, community_id: str, *,
                       kind: str, filename: str, content_type: str, data: bytes, project_id: str | None,
                       note: str) -> dict[str, Any]:
    """一社一档: a new version of one document kind; plans also settle the plan-upload deadline (§4.2)."""
    community = await load_community(uow.session, community_id, principal)
    check_street_access(principal, community["street_code"])
    if principal.role not in ("district_office", "street"):
        raise Problem(403, "Forbidden", "only the street or the district office uploads documents", type_="forbidden-role")
    if kind in PROJECT_KINDS and project_id is None:
        raise Problem(422, "Project required", f"a {kind} is a document of one project: give its project_id (§4.2)",
                      type_="project-required")
    if project_id is not None:
        linked = (await uow.session.execute(select(project_communities.c.project_id).where(
            project_communities.c.project_id == project_id,
            project_communities.c.community_id == community_id))).first()
        if linked is None:
            raise Problem(422, "Unknown project", "the project does not cover this community", type_="unknown-project")
    latest = (await uow.session.execute(select(func.max(documents.c.version)).where(
        documents.c.community_id == community_id, documents.c.kind == kind))).scalar()
    doc_id = str(uuid.uuid4())
    row = {"id": doc_id, "community_id": community_id, "project_id": project_id, "kind": kind,
           "version": (latest or 0) + 1, "filename": filename[:255], "content_type": content_type,
           "size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "storage_key": doc_id.replace("-", ""),
           "note": note, "uploaded_by": principal.key, "uploaded_at": utcnow()}
    await uow.session.execute(insert(documents).values(**row))
    if kind in PLAN_KINDS:
        await settle_plan_deadline(uow, project_id)
    await storage.put(row["storage_key"], data)
    return row


async def latest_plans(session, project_id: str) -> dict[str, Any]:
    """§4.2: the newest application and implementation plan of one project, each with its latest review outcome."""
    out: dict[str, Any] = {}
    for kind in PLAN_KINDS:
        doc = (await session.execute(select(documents).where(documents.c.project_id == project_id,
                                                             documents.c.kind == kind)
                                     .order_by(documents.c.uploaded_at.desc(), documents.c.version.desc()))).first()
        if doc is None:
            continue
        review = (await session.execute(select(plan_reviews).where(plan_reviews.c.document_id == doc.id)
                                        .order_by(plan_reviews.c.id.desc()))).first()
        out[kind] = {"document_id": doc.id, "outcome": review.outcome if review else None}
    return out


async def plans_settled(session, project_id: str) -> bool:
    """§4.2: the plan deadline is met while both plans of this project exist and neither was returned."""
    latest = await latest_plans(session, project_id)
    return all(kind in latest and latest[kind]["outcome"] != "returned" for kind in PLAN_KINDS)


async def settle_plan_deadline(uow: UnitOfWork, project_id: str) -> None:
    key = f"plan_upload:{project_id}"
    if await plans_settled(uow.session, project_id):
        await resolve_deadline(uow, key)
    else:
        cfg = await get_config(uow.session)
        await reopen_deadline(uow, key, cfg.thresholds)


async def review_plan(uow: UnitOfWork, principal: Principal, document_id: str, outcome: str,
                      comments: str) -> dict[str, Any]:
    """§4.2 按规定进行评审: the district office passes a plan or returns it with comments (reopening its deadline)."""
    doc = (await uow.session.execute(select(documents).where(documents.c.id == document_id))).first()
    if doc is None:
        raise Problem(404, "Not Found", "no such document", type_="not-found")
    if doc.kind not in PLAN_KINDS or doc.project_id is None:
        raise Problem(409, "Not a plan", "only a project's application or implementation plan is reviewed",
                      type_="not-a-plan")
    if outcome == "returned" and not comments.strip():
        raise Problem(422, "Comments required", "a returned plan needs the comments saying why",
                      type_="comments-required")
    row = {"document_id": document_id, "project_id": doc.project_id, "outcome": outcome, "comments": comments,
           "reviewed_by": principal.key, "reviewed_at": utcnow()}
    await uow.session.execute(insert(plan_reviews).values(**row))
    await settle_plan_deadline(uow, doc.project_id)
    return {**row, "kind": doc.kind}
