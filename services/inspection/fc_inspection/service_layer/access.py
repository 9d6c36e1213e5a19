"""Who may see which project and acceptance (streets their own, departments what they review)."""
from __future__ import annotations

from sqlalchemy import select

from fc_shared.auth import READ_ALL, Principal
from fc_shared.errors import Problem

from ..adapters.tables import projects


def not_found(what: str) -> Problem:
    return Problem(404, "Not Found", f"no such {what}", type_="not-found")


async def visible_project(session, principal: Principal, project_id: str):
    """The projected project, or 404 when unknown or another street's (existence is private)."""
    row = (await session.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None or not principal.can_see_street(row.street_code):
        raise not_found("project")
    return row


def may_see(principal: Principal, row) -> bool:
    """Streets their own; departments what they review; integrations their level; office and auditors all."""
    if principal.role == "street":
        return row.street_code == principal.street_code
    if principal.role == "department":
        return principal.department_code in row.required_departments
    if principal.role == "integration":
        return row.level == principal.scope
    return principal.role in READ_ALL
