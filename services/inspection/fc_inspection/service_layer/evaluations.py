"""Recording nine-scenario evaluations (三化九场景评价) of a project."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from fc_shared.auth import Principal
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import evaluations
from ..domain.evaluation import Answer, assess, unknown_codes
from .access import visible_project
from .catalogue import pin_current


async def record(uow: UnitOfWork, principal: Principal, project_id: str,
                 answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    project = await visible_project(uow.session, principal, project_id)
    catalogue = await pin_current(uow)
    parsed = {code: Answer(met=a["met"], evidence=a["evidence"]) for code, a in answers.items()}
    unknown = unknown_codes(catalogue, parsed)
    if unknown:
        raise Problem(422, "Unknown indicators", f"not in catalogue version {catalogue.version}: {', '.join(unknown)}",
                      type_="unknown-indicator", unknown_codes=unknown, catalogue_version=catalogue.version)
    result = assess(catalogue, parsed)
    row = {
        "id": str(uuid.uuid4()), "project_id": project_id, "street_code": project.street_code,
        "catalogue_version": catalogue.version,
        "answers": {c: {"met": a.met, "evidence": a.evidence} for c, a in sorted(parsed.items())},
        "standard_met": result.standard_met, "standard_total": result.standard_total,
        "all_standard_met": result.all_standard_met,
        "gaps": [{"code": g.code, "scenario": g.scenario, "title_zh": g.title_zh} for g in result.gaps],
        "recorded_by": principal.key, "recorded_at": utcnow(),
    }
    await uow.session.execute(evaluations.insert().values(**row))
    uow.emit("fc.evaluation.recorded", project_id, {
        "evaluation_id": row["id"], "project_id": project_id, "street_code": project.street_code,
        "catalogue_version": catalogue.version, "standard_met": result.standard_met,
        "standard_total": result.standard_total, "all_standard_met": result.all_standard_met})
    return row


async def latest_for(session, project_id: str):
    return (await session.execute(select(evaluations).where(evaluations.c.project_id == project_id)
                                  .order_by(evaluations.c.seq.desc()).limit(1))).first()
