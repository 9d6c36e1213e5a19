"""Read models: the portrait (一社一画像), the board (挂图作战), programme targets, open deadlines."""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from fc_shared.auth import Principal

from ..adapters.tables import (
    deadlines,
    documents,
    evaluations,
    milestones,
    problems,
    project_communities,
    projects,
    special_plans,
    streets,
    subsidy_approvals,
    subsidy_entries,
)
from ..domain.dates import days_left
from ..domain.deadlines import rag, special_plan_dates
from ..domain.targets import coverage_status, dated_target_status, pipeline_status
from .archive import load_community
from .config import RegistryConfig


def _node_statements(project_ids) -> tuple[Select, Select]:
    return (select(milestones).where(milestones.c.project_id.in_(project_ids), milestones.c.actual_on.is_(None)),
            select(deadlines).where(deadlines.c.project_id.in_(project_ids), deadlines.c.resolved_at.is_(None),
                                    deadlines.c.kind != "year_end"))


async def _next_nodes(session, statements: tuple[Select, Select], params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}

    def offer(pid: str, node: dict[str, Any]) -> None:
        if pid not in best or node["due_on"] < best[pid]["due_on"]:
            best[pid] = node

    open_milestones, followed_deadlines = statements
    for m in (await session.execute(open_milestones, params)).all():
        offer(m.project_id, {"kind": "milestone", "title": m.title, "due_on": m.planned_on})
    for d in (await session.execute(followed_deadlines, params)).all():
        offer(d.project_id, {"kind": d.kind, "title": d.kind, "due_on": d.due_on})
    return best


async def next_nodes(session, project_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The next time node of each project: its earliest open milestone or followed deadline."""
    if not project_ids:
        return {}
    return await _next_nodes(session, _node_statements(project_ids), {})


BOARD_FILTERS = ("street_code", "state", "type", "target_level")


@lru_cache(maxsize=64)
def _board_statements(street_scoped: bool, filtered_by: tuple[str, ...]) -> tuple[Select, tuple[Select, Select], Select]:
    """The board's statements for one shape of request (at most 2 x 16), values as bound parameters:
    built once, so neither the expressions nor their cache keys are made again on every request."""
    query = select(projects).order_by(projects.c.street_code, projects.c.id)
    if street_scoped:
        query = query.where(projects.c.street_code == bindparam("principal_street"))
    for name in filtered_by:
        query = query.where(projects.c[name] == bindparam(f"filter_{name}"))
    ids = query.with_only_columns(projects.c.id).order_by(None)  # the nodes of these projects: one subquery
    overdue = (select(problems.c.project_id, func.count())
               .where(problems.c.state == "open", problems.c.due_on < bindparam("as_of"),
                      problems.c.project_id.is_not(None))
               .group_by(problems.c.project_id))
    return query, _node_statements(ids), overdue


async def board(session, principal: Principal, cfg: RegistryConfig, as_of: date,
                filters: dict[str, Any]) -> list[dict[str, Any]]:
    street_scoped = principal.role == "street"
    filtered_by = tuple(name for name in BOARD_FILTERS if filters.get(name))
    query, node_statements, overdue_statement = _board_statements(street_scoped, filtered_by)
    params: dict[str, Any] = {f"filter_{name}": filters[name] for name in filtered_by}
    if street_scoped:
        params["principal_street"] = principal.street_code
    rows = (await session.execute(query, params)).all()
    nodes = await _next_nodes(session, node_statements, params) if rows else {}
    overdue = dict((await session.execute(overdue_statement, {"as_of": as_of})).all()) if rows else {}
    out = []
    for r in rows:
        node = nodes.get(r.id)
        left = days_left(node["due_on"], as_of) if node else None
        colour = rag(left, cfg.rag_amber_days, cfg.rag_red_days)
        if filters.get("rag") and filters["rag"] != colour:
            continue
        out.append({"project_id": r.id, "name": r.name, "street_code": r.street_code, "type": r.type,
                    "target_level": r.target_level, "state": r.state, "accepted_level": r.accepted_level,
                    "approved_on": r.approved_on, "creation_deadline": r.creation_deadline, "task_year": r.task_year,
                    "next_node": node, "days_left": left, "rag": colour, "overdue_problems": overdue.get(r.id, 0)})
    return out


def _no_money() -> dict[str, int]:
    return {"award_fen": 0, "approved_fen": 0, "paid_fen": 0, "repaid_fen": 0, "recovery_due_fen": 0}


async def money_by_project(session, project_ids: list[str]) -> dict[str, dict[str, int]]:
    """Funding's money per project as its events announced it (§5.3): ``paid_fen`` is what was paid out
    (interim, disbursement, reward), ``repaid_fen`` what the street repaid (so cash at the street is
    paid − repaid), ``recovery_due_fen`` the recovery (追回) still owed: recoveries less repayments and offsets.
    Reversals are entries of the reversed kind with a negative amount, so the sums follow them."""
    money: dict[str, dict[str, int]] = defaultdict(_no_money)
    if not project_ids:
        return {}
    for a in (await session.execute(select(subsidy_approvals).where(subsidy_approvals.c.project_id.in_(project_ids)))).all():
        money[a.project_id]["award_fen"] = a.award_fen
        money[a.project_id]["approved_fen"] = a.entitlement_fen
    for e in (await session.execute(select(subsidy_entries).where(subsidy_entries.c.project_id.in_(project_ids)))).all():
        m = money[e.project_id]
        if e.kind == "recovery":
            m["recovery_due_fen"] += e.amount_fen
        elif e.kind == "repayment":
            m["repaid_fen"] += e.amount_fen
            m["recovery_due_fen"] -= e.amount_fen
        elif e.kind == "offset":
            m["recovery_due_fen"] -= e.amount_fen
        else:
            m["paid_fen"] += e.amount_fen
    return dict(money)


async def portrait(session, principal: Principal, community_id: str, cfg: RegistryConfig, as_of: date) -> dict[str, Any]:
    """一社一画像 (§5.2): archive, projects and stages, scenario coverage, deadlines, money, open problems."""
    community = await load_community(session, community_id, principal)
    docs = (await session.execute(select(documents).where(documents.c.community_id == community_id)
                                  .order_by(documents.c.kind, documents.c.version))).all()
    latest: dict[str, Any] = {}
    for d in docs:
        latest[d.kind] = {"id": d.id, "kind": d.kind, "version": d.version, "filename": d.filename,
                          "uploaded_at": d.uploaded_at}
    project_rows = (await session.execute(
        select(projects).join(project_communities, project_communities.c.project_id == projects.c.id)
        .where(project_communities.c.community_id == community_id).order_by(projects.c.created_at))).all()
    ids = [p.id for p in project_rows]
    evals = {e.project_id: e for e in (await session.execute(
        select(evaluations).where(evaluations.c.project_id.in_(ids)))).all()} if ids else {}
    money = await money_by_project(session, ids)
    nodes = await next_nodes(session, ids)
    open_deadlines = (await session.execute(select(deadlines).where(
        deadlines.c.project_id.in_(ids), deadlines.c.resolved_at.is_(None)).order_by(deadlines.c.due_on))).all() if ids else []
    open_problems = (await session.execute(select(problems).where(
        problems.c.project_id.in_(ids), problems.c.state == "open").order_by(problems.c.due_on))).all() if ids else []
    project_views = []
    for p in project_rows:
        e = evals.get(p.id)
        node = nodes.get(p.id)
        left = days_left(node["due_on"], as_of) if node else None
        project_views.append({
            "project_id": p.id, "name": p.name, "type": p.type, "state": p.state, "target_level": p.target_level,
            "accepted_level": p.accepted_level, "approved_on": p.approved_on, "creation_deadline": p.creation_deadline,
            "task_year": p.task_year, "next_node": node, "days_left": left,
            "rag": rag(left, cfg.rag_amber_days, cfg.rag_red_days),
            "scenario_coverage": None if e is None else {
                "catalogue_version": e.catalogue_version, "standard_met": e.standard_met,
                "standard_total": e.standard_total, "all_standard_met": e.all_standard_met},
            "money": money.get(p.id, _no_money())})
    totals = {k: sum(v["money"][k] for v in project_views)
              for k in ("approved_fen", "paid_fen", "repaid_fen", "recovery_due_fen")}
    location = {"lat": community.pop("lat"), "lon": community.pop("lon")}
    return {
        "community": {**community, "location": location if location["lat"] is not None else None},
        "documents": list(latest.values()),
        "projects": project_views,
        "next_deadlines": [{"key": d.key, "kind": d.kind, "project_id": d.project_id, "due_on": d.due_on,
                            "days_left": days_left(d.due_on, as_of)} for d in open_deadlines][:10],
        "open_problems": [{"id": q.id, "project_id": q.project_id, "text": q.text, "owner_department": q.owner_department,
                           "due_on": q.due_on, "overdue": bool(q.due_on and q.due_on < as_of)} for q in open_problems],
        "money": totals,
        "as_of": as_of,
    }


async def targets(session, cfg: RegistryConfig, year: int, as_of: date) -> dict[str, Any]:
    """§3 and §5.2: each programme target with its status."""
    codes = list((await session.execute(select(streets.c.code).where(streets.c.kind.in_(cfg.coverage_street_kinds))
                                        .order_by(streets.c.code))).scalars())
    # §3: counted from each street's first acceptance at any level (a later level keeps that date).
    first_accepted = dict((await session.execute(
        select(projects.c.street_code, func.min(projects.c.accepted_on)).where(projects.c.accepted_on.is_not(None))
        .group_by(projects.c.street_code))).all())
    target_date = cfg.coverage_date(year)
    coverage = (coverage_status(codes, first_accepted, target_date, as_of) if target_date
                else {"status": "not_configured", "due_on": None, "streets": [], "streets_missing": []})
    # §3 每年新申报项目不少于3个: projects submitted (申报) to province/city in the year.
    applications = (await session.execute(select(func.count()).select_from(projects).where(
        projects.c.submitted_on >= date(year, 1, 1), projects.c.submitted_on <= date(year, 12, 31)))).scalar_one()
    plan = (await session.execute(select(special_plans).where(special_plans.c.year == year))).first()
    publish_due, approve_due = special_plan_dates(year)
    published_on = plan.published_on if plan else None
    approved_on = plan.approved_on if plan else None
    return {
        "year": year, "as_of": as_of,
        "coverage": coverage,
        "pipeline": pipeline_status(year, applications, as_of, cfg.pipeline_min_applications),
        "special_plan_publish": {"due_on": publish_due, "done_on": published_on,
                                 "status": dated_target_status(publish_due, published_on, as_of)},
        "special_plan_approve": {"due_on": approve_due, "done_on": approved_on,
                                 "status": dated_target_status(approve_due, approved_on, as_of)},
    }
