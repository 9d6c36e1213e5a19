"""Streets, communities (一社一档), documents and the portrait (一社一画像)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from fc_shared.params import IsoDate
from fc_shared.app import RuntimeDep
from fc_shared.errors import Problem
from fc_shared.pagination import Page, PageDep, fetch_page, filtered, page_in_memory

from ..adapters.tables import communities, documents, streets
from ..domain.projects import missing_survey_fields
from ..service_layer import archive as svc
from ..service_layer.config import get_config
from ..service_layer.views import portrait as build_portrait
from .deps import Office, Reader, Today, Writer, storage_of
from .schemas import (
    Day,
    CommunityIn,
    CommunityOut,
    CommunityPatch,
    DocumentKind,
    DocumentOut,
    PlanReviewIn,
    PlanReviewOut,
    Portrait,
    StreetIn,
    StreetOut,
    StreetPatch,
)

router = APIRouter(prefix="/api/v1", tags=["archive"])


def community_out(row: dict) -> CommunityOut:
    data = {k: v for k, v in row.items() if k in CommunityOut.model_fields}
    lat, lon = row.get("lat"), row.get("lon")
    return CommunityOut(**data, location={"lat": lat, "lon": lon} if lat is not None else None,
                        survey_missing=missing_survey_fields(row))


@router.post("/streets", status_code=201, response_model=StreetOut)
async def create_street(body: StreetIn, runtime: RuntimeDep, today: Today, _: Office):
    """Register a street (街道) or town (乡镇); its summaries are due from ``created_on`` (default today)."""
    async with runtime.uow() as uow:
        row = await svc.create_street(uow, body.code, body.name, body.kind, body.created_on or today)
        await uow.commit()
    return row


@router.get("/streets", response_model=Page[StreetOut])
async def list_streets(runtime: RuntimeDep, page: PageDep, _: Reader,
                       kind: Annotated[str | None, Query(pattern="^(subdistrict|town)$")] = None,
                       name_contains: str | None = None):
    query = select(streets)
    query = filtered(query, {streets.c.kind: kind})
    if name_contains:
        query = query.where(streets.c.name.contains(name_contains))
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, streets.c.code, page)
    return Page[StreetOut](items=[StreetOut(**r._mapping) for r in rows], next_cursor=nxt)


@router.get("/streets/{code}", response_model=StreetOut)
async def get_street(code: str, runtime: RuntimeDep, _: Reader):
    async with runtime.read_sessions() as session:
        row = (await session.execute(select(streets).where(streets.c.code == code))).first()
    if row is None:
        raise Problem(404, "Not Found", "no such street", type_="not-found")
    return StreetOut(**row._mapping)


@router.patch("/streets/{code}", response_model=StreetOut)
async def update_street(code: str, body: StreetPatch, runtime: RuntimeDep, _: Office):
    async with runtime.uow() as uow:
        row = await svc.update_street(uow, code, body.model_dump(exclude_unset=True, exclude_none=True))
        await uow.commit()
    return StreetOut(**row)


@router.post("/communities", status_code=201, response_model=CommunityOut)
async def create_community(body: CommunityIn, runtime: RuntimeDep, principal: Writer):
    """Open a community archive (一社一档)."""
    async with runtime.uow() as uow:
        row = await svc.create_community(uow, principal, body.model_dump())
        await uow.commit()
    return community_out(row)


@router.get("/communities", response_model=Page[CommunityOut])
async def list_communities(runtime: RuntimeDep, page: PageDep, principal: Reader, street_code: str | None = None,
                           name_contains: str | None = None):
    query = select(communities)
    if principal.role == "street":
        query = query.where(communities.c.street_code == principal.street_code)
    query = filtered(query, {communities.c.street_code: street_code})
    if name_contains:
        query = query.where(communities.c.name.contains(name_contains))
    async with runtime.read_sessions() as session:
        rows, nxt = await fetch_page(session, query, communities.c.id, page)
    return Page[CommunityOut](items=[community_out(dict(r._mapping)) for r in rows], next_cursor=nxt)


@router.get("/communities/{community_id}", response_model=CommunityOut)
async def get_community(community_id: str, runtime: RuntimeDep, principal: Reader):
    async with runtime.read_sessions() as session:
        return community_out(await svc.load_community(session, community_id, principal))


@router.patch("/communities/{community_id}", response_model=CommunityOut)
async def update_community(community_id: str, body: CommunityPatch, runtime: RuntimeDep, principal: Writer):
    changes = body.model_dump(exclude_unset=True)
    async with runtime.uow() as uow:
        row = await svc.update_community(uow, principal, community_id, changes)
        await uow.commit()
    return community_out(row)


@router.get("/communities/{community_id}/portrait", response_model=Portrait)
async def get_portrait(community_id: str, runtime: RuntimeDep, principal: Reader, today: Today,
                       as_of: IsoDate | None = None):
    """一社一画像: the archive with projects, stages, scenario coverage, deadlines, money and open problems."""
    async with runtime.read_sessions() as session:
        cfg = await get_config(session)
        return await build_portrait(session, principal, community_id, cfg, as_of or today)


@router.post("/communities/{community_id}/documents", status_code=201, response_model=DocumentOut,
             responses={413: {"description": "file too large"}, 415: {"description": "content type not allowed"}})
async def upload_document(community_id: str, request: Request, runtime: RuntimeDep, principal: Writer,
                          file: Annotated[UploadFile, File()], kind: Annotated[DocumentKind, Form()],
                          project_id: Annotated[str | None, Form()] = None,
                          note: Annotated[str, Form(max_length=2000)] = ""):
    """Upload a new version of an archive document (pdf, docx, xlsx, jpeg, png, zip)."""
    limit = runtime.settings.document_max_bytes
    if svc.content_kind(file.content_type) is None:
        raise Problem(415, "Unsupported Media Type",
                      f"content type {file.content_type!r} is not allowed; use pdf, docx, xlsx, jpeg, png or zip",
                      type_="unsupported-media-type", allowed=sorted(set(svc.ALLOWED_CONTENT_TYPES)))
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise Problem(413, "Content Too Large", f"documents are limited to {limit} bytes", type_="too-large",
                      limit_bytes=limit)
    if not data:
        raise Problem(422, "Empty file", "the uploaded file is empty", type_="empty-file")
    async with runtime.uow() as uow:
        row = await svc.add_document(uow, storage_of(runtime), principal, community_id, kind=kind,
                                     filename=file.filename or "document", content_type=file.content_type,
                                     data=data, project_id=project_id or None, note=note)
        await uow.commit()
    return DocumentOut(**row)


@router.get("/communities/{community_id}/documents", response_model=Page[DocumentOut])
async def list_documents(community_id: str, runtime: RuntimeDep, principal: Reader, page: PageDep,
                         kind: DocumentKind | None = None, latest_only: bool = False):
    """Every version of the community's documents (version history), newest first per kind."""
    async with runtime.read_sessions() as session:
        await svc.load_community(session, community_id, principal)
        query = select(documents).where(documents.c.community_id == community_id)
        if kind:
            query = query.where(documents.c.kind == kind)
        rows = (await session.execute(query.order_by(documents.c.kind, documents.c.version.desc()))).all()
    if latest_only:
        seen: set[str] = set()
        rows = [r for r in rows if not (r.kind in seen or seen.add(r.kind))]
    items, nxt = page_in_memory(rows, page, key=lambda r: [r.kind, -r.version])
    return Page[DocumentOut](items=[DocumentOut(**r._mapping) for r in items], next_cursor=nxt)


async def _document(runtime, principal, document_id: str):
    async with runtime.sessions() as session:
        row = (await session.execute(select(documents).where(documents.c.id == document_id))).first()
        if row is None:
            raise Problem(404, "Not Found", "no such document", type_="not-found")
        await svc.load_community(session, row.community_id, principal)
    return row


@router.get("/documents/{document_id}", response_model=DocumentOut)
async def get_document(document_id: str, runtime: RuntimeDep, principal: Reader):
    return DocumentOut(**(await _document(runtime, principal, document_id))._mapping)


@router.get("/documents/{document_id}/download", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
async def download_document(document_id: str, runtime: RuntimeDep, principal: Reader):
    row = await _document(runtime, principal, document_id)
    data = await storage_of(runtime).get(row.storage_key)
    from urllib.parse import quote

    return Response(data, media_type=row.content_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
                             "ETag": f'"{row.sha256}"'})


@router.post("/documents/{document_id}/review", status_code=201, response_model=PlanReviewOut)
async def review_plan(document_id: str, body: PlanReviewIn, runtime: RuntimeDep, principal: Office):
    """The district review (评审, §4.2) of a project's plan: passed, or returned with comments (reopens its deadline)."""
    async with runtime.uow() as uow:
        row = await svc.review_plan(uow, principal, document_id, body.outcome, body.comments)
        await uow.commit()
    return PlanReviewOut(**row)
