"""Acceptance routes (验收, §4.7): applications, department reviews, province/city results, integrations."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from fc_shared.app import RuntimeDep
from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.params import IsoDate
from fc_shared.idempotency import IdempotencyKey, run_idempotent
from fc_shared.pagination import Page, PageDep, fetch_page, filtered

from ..adapters.tables import acceptance_departments, acceptances, integrations, reviews
from ..service_layer import acceptances as svc
from ..service_layer import integrations as integ
from ..service_layer.access import may_see, not_found
from .deps import Auditing, Department, IntegrationOrOffice, Office, ReviewConfigReader, Viewer, Writer
from .schemas import (
    AcceptanceIn,
    AcceptanceOut,
    IntegrationIn,
    IntegrationOut,
    IntegrationSecretOut,
    Level,
    ResultIn,
    ResultOut,
    ReviewConfig,
    ReviewIn,
    ReviewOut,
    WebhookAck,
)

router = APIRouter(prefix="/api/v1", tags=["acceptance"])


async def acceptance_out(session, row) -> AcceptanceOut:
    decided = (await session.execute(select(reviews).where(reviews.c.acceptance_id == row.id)
                                     .order_by(reviews.c.reviewed_at, reviews.c.department_code))).all()
    done = {r.department_code for r in decided}
    result = None
    if row.result_passed is not None:
        result = ResultOut(passed=row.result_passed, level=row.level, decided_on=row.result_decided_on,
                           reference=row.result_reference, recorded_at=row.result_at, recorded_by=row.result_by,
                           channel=row.result_channel, document_id=row.result_document_id)
    return AcceptanceOut(
        id=row.id, project_id=row.project_id, street_code=row.street_code, level=row.level, state=row.state,
        required_departments=list(row.required_departments),
        pending_departments=[d for d in row.required_departments if d not in done] if row.state == "requested" else [],
        final_expenditure_fen=svc.expenditure_of(row),
        recorded_eligible_expenditure_fen=await svc.recorded_eligible_fen(session, row.project_id),
        report=row.report, evaluation_id=row.evaluation_id,
        applied_on=row.applied_on, created_at=row.created_at,
        reviews=[ReviewOut(department_code=r.department_code, passed=r.passed, findings=r.findings,
                           reviewed_at=r.reviewed_at) for r in decided],
        result=result)


async def _load(session, principal: Principal, acceptance_id: str):
    row = (await session.execute(select(acceptances).where(acceptances.c.id == acceptance_id))).first()
    if row is None or not may_see(principal, row):
        raise not_found("acceptance")
    return row


async def _view(runtime, principal: Principal, acceptance_id: str) -> dict:
    async with runtime.sessions() as session:
        return (await acceptance_out(session, await _load(session, principal, acceptance_id))).model_dump(mode="json")


@router.post("/acceptances", status_code=201, response_model=AcceptanceOut)
async def apply_for_acceptance(body: AcceptanceIn, request: Request, runtime: RuntimeDep,
                               principal: Writer,
                               idempotency_key: IdempotencyKey = None):
    """The street applies for acceptance of its approved project (409 with the reason when it may not)."""
    async def effect(uow):
        acceptance_id = await svc.apply(uow, principal, body.project_id, body.level,
                                        body.final_expenditure_fen.model_dump(), body.report)
        await uow.session.flush()
        row = (await uow.session.execute(select(acceptances).where(acceptances.c.id == acceptance_id))).first()
        return 201, await acceptance_out(uow.session, row)

    return await run_idempotent(request, principal, idempotency_key, body.model_dump(mode="json"), runtime.uow,
                                effect)


@router.get("/acceptances", response_model=Page[AcceptanceOut])
async def list_acceptances(runtime: RuntimeDep, page: PageDep, principal: Viewer,
                           street_code: str | None = None, project_id: str | None = None,
                           state: str | None = None, level: Level | None = None,
                           department_code: str | None = None,
                           applied_from: Annotated[IsoDate | None, Query()] = None,
                           applied_to: Annotated[IsoDate | None, Query()] = None):
    """Acceptances the caller may see, oldest first; filter by street, project, state, level, department, dates."""
    query = select(acceptances)
    if principal.role == "street":
        query = query.where(acceptances.c.street_code == principal.street_code)
    elif principal.role == "integration":
        query = query.where(acceptances.c.level == principal.scope)
    if principal.role == "department":
        department_code = principal.department_code
    if department_code:
        query = query.join(acceptance_departments, acceptance_departments.c.acceptance_id == acceptances.c.id).where(
            acceptance_departments.c.department_code == department_code)
    query = filtered(query, {acceptances.c.street_code: street_code, acceptances.c.project_id: project_id,
                             acceptances.c.state: state, acceptances.c.level: level},
                     [(acceptances.c.applied_on, applied_from, applied_to)])
    async with runtime.sessions() as session:
        rows, nxt = await fetch_page(session, query, acceptances.c.seq, page)
        items = [await acceptance_out(session, r) for r in rows]
    return Page[AcceptanceOut](items=items, next_cursor=nxt)


@router.get("/acceptances/{acceptance_id}", response_model=AcceptanceOut)
async def get_acceptance(acceptance_id: str, runtime: RuntimeDep, principal: Viewer):
    async with runtime.sessions() as session:
        return await acceptance_out(session, await _load(session, principal, acceptance_id))


@router.post("/acceptances/{acceptance_id}/reviews", status_code=201, response_model=AcceptanceOut)
async def review_acceptance(acceptance_id: str, body: ReviewIn, runtime: RuntimeDep,
                            principal: Department):
    """One required department's decision in the district review (复核); it decides only for itself."""
    async with runtime.uow() as uow:
        await svc.review(uow, principal, acceptance_id, body.department_code, body.passed, body.findings)
        await uow.commit()
    return await _view(runtime, principal, acceptance_id)


@router.post("/acceptances/{acceptance_id}/result", response_model=AcceptanceOut)
async def post_result(acceptance_id: str, body: ResultIn, request: Request, runtime: RuntimeDep,
                      principal: IntegrationOrOffice,
                      idempotency_key: IdempotencyKey = None):
    """The province/city result: posted by its system (scope = level), or recorded by the district office when it
    arrived on paper (any level, `reference` required, optional `document_id` of the scan uploaded to registry).
    Same effects either way; the same result again, by either channel, changes nothing."""
    async def effect(uow):
        await svc.record_result(uow, principal.key, principal.scope, acceptance_id, body.passed, body.level,
                                body.decided_on, body.reference, role=principal.role, document_id=body.document_id)
        row = (await uow.session.execute(select(acceptances).where(acceptances.c.id == acceptance_id))).first()
        return 200, await acceptance_out(uow.session, row)

    return await run_idempotent(request, principal, idempotency_key, body.model_dump(mode="json"), runtime.uow,
                                effect)


@router.get("/review-config", response_model=ReviewConfig, tags=["admin"])
async def get_review_config(runtime: RuntimeDep, _: ReviewConfigReader):
    """The departments a new application must pass (default housing, civil_affairs, development_reform, finance)."""
    async with runtime.sessions() as session:
        return ReviewConfig(required_departments=await svc.required_departments(session))


@router.put("/review-config", response_model=ReviewConfig, tags=["admin"])
async def put_review_config(body: ReviewConfig, runtime: RuntimeDep,
                            principal: Office):
    """Change the required departments; applications already made keep theirs."""
    if len(set(body.required_departments)) != len(body.required_departments):
        raise Problem(422, "Validation failed", "a department is listed twice", type_="validation")
    async with runtime.uow() as uow:
        await svc.set_required_departments(uow, principal.key, body.required_departments)
        await uow.commit()
    return body


# --- province/city integrations --------------------------------------------------------------

@router.post("/integrations", status_code=201, response_model=IntegrationSecretOut, tags=["integrations"])
async def create_integration(body: IntegrationIn, runtime: RuntimeDep,
                             _: Office):
    """Register a province/city system; its webhook secret is shown here once."""
    async with runtime.uow() as uow:
        row = await integ.create(uow, body.scope, body.name)
        await uow.commit()
    return IntegrationSecretOut(**row)


@router.get("/integrations", response_model=Page[IntegrationOut], tags=["integrations"])
async def list_integrations(runtime: RuntimeDep, page: PageDep,
                            _: Auditing):
    query = select(integrations)
    async with runtime.sessions() as session:
        rows, nxt = await fetch_page(session, query, integrations.c.id, page)
    return Page[IntegrationOut](items=[IntegrationOut(id=r.id, scope=r.scope, name=r.name, created_at=r.created_at,
                                                      rotated_at=r.rotated_at) for r in rows], next_cursor=nxt)


@router.post("/integrations/{integration_id}/secret", response_model=IntegrationSecretOut, tags=["integrations"])
async def rotate_integration_secret(integration_id: str, runtime: RuntimeDep,
                                    _: Office):
    """A new secret, shown once; the previous one stops verifying immediately."""
    async with runtime.uow() as uow:
        row = await integ.rotate(uow, integration_id)
        await uow.commit()
    return IntegrationSecretOut(**row)


@router.post("/integrations/{integration_id}/results", response_model=WebhookAck, tags=["integrations"],
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": integ.WebhookResult.model_json_schema()}}}})
async def result_webhook(integration_id: str, request: Request, runtime: RuntimeDep):
    """A result as a Standard-Webhooks-signed POST (no bearer token): bad signature, stale timestamp or replay → 401."""
    body = await request.body()
    result, applied = await integ.receive(runtime.uow, integration_id, dict(request.headers), body)
    return WebhookAck(acceptance_id=result.acceptance_id, applied=applied)
