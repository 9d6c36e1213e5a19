"""Scenario catalogue versions: the shipped default is version 1; the district office publishes later ones."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fc_shared.db import insert_ignore
from fc_shared.errors import Problem
from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.catalogue_file import default_catalogue_document
from ..adapters.tables import catalogue_versions
from ..domain.catalogue import Catalogue, Indicator, Orientation, catalogue_problems


def catalogue_from(version: int, orientations: list[dict[str, Any]], indicators: list[dict[str, Any]]) -> Catalogue:
    return Catalogue(
        version=version,
        orientations=tuple(Orientation(code=o["code"], title_zh=o["title_zh"], scenarios=tuple(o["scenarios"]))
                           for o in orientations),
        indicators=tuple(Indicator(code=i["code"], scenario=i["scenario"], kind=i["kind"], title_zh=i["title_zh"])
                         for i in indicators))


def default_catalogue() -> Catalogue:
    doc = default_catalogue_document()
    return catalogue_from(1, doc["orientations"], doc["indicators"])


def _row_catalogue(row) -> Catalogue:
    return catalogue_from(row.version, row.orientations, row.indicators)


async def current_catalogue(session) -> Catalogue:
    """The newest published version, or the shipped default while none is stored."""
    row = (await session.execute(select(catalogue_versions).order_by(catalogue_versions.c.version.desc())
                                 .limit(1))).first()
    return _row_catalogue(row) if row else default_catalogue()


async def catalogue_version(session, version: int) -> Catalogue | None:
    row = (await session.execute(select(catalogue_versions).where(catalogue_versions.c.version == version))).first()
    if row:
        return _row_catalogue(row)
    return default_catalogue() if version == 1 else None


def _dump(cat: Catalogue) -> dict[str, Any]:
    return {"orientations": [{"code": o.code, "title_zh": o.title_zh, "scenarios": list(o.scenarios)}
                             for o in cat.orientations],
            "indicators": [{"code": i.code, "scenario": i.scenario, "kind": i.kind, "title_zh": i.title_zh}
                           for i in cat.indicators]}


async def pin_current(uow: UnitOfWork) -> Catalogue:
    """The current version, stored if it is still the shipped default, so evaluations can refer to it for good."""
    cat = await current_catalogue(uow.session)
    if cat.version == 1:
        await insert_ignore(uow.session, catalogue_versions, {
            "version": 1, "published_by": "shipped default", "published_at": utcnow(), **_dump(cat)})
    return cat


async def publish(uow: UnitOfWork, by: str, orientations: list[dict[str, Any]],
                  indicators: list[dict[str, Any]]) -> Catalogue:
    """A new version; earlier versions and the evaluations recorded against them stay as they were."""
    latest = (await uow.session.execute(select(func.max(catalogue_versions.c.version)))).scalar()
    if latest is None:
        await pin_current(uow)
        latest = 1
    cat = catalogue_from(latest + 1, orientations, indicators)
    problems = catalogue_problems(list(cat.orientations), list(cat.indicators))
    if problems:
        raise Problem(422, "Invalid catalogue", "; ".join(problems), type_="invalid-catalogue", problems=problems)
    try:
        await _store(uow, cat, by)
    except IntegrityError:
        raise Problem(409, "Conflict", "another catalogue version was published at the same time",
                      type_="catalogue-conflict") from None
    return cat


async def _store(uow: UnitOfWork, cat: Catalogue, by: str) -> None:
    await uow.session.execute(catalogue_versions.insert().values(version=cat.version, published_by=by,
                                                                 published_at=utcnow(), **_dump(cat)))
    await uow.session.flush()


catalogue_document = _dump
