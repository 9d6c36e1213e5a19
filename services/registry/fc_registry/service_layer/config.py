"""Configurable programme parameters (DOMAIN.md **configurable**): stored in the database, changed via the API."""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import select, update

from fc_shared.uow import UnitOfWork, utcnow

from ..adapters.tables import config as config_table
from ..adapters.tables import deadlines
from ..domain.deadlines import next_alert_on, normalise_thresholds

KEY = "registry"


class RegistryConfig(BaseModel):
    """Defaults from DOMAIN.md; an administrator changes them through PUT /api/v1/config."""

    alert_thresholds_days: list[int] = Field(default_factory=lambda: [30, 7, 1])
    rag_amber_days: int = Field(30, ge=0)
    rag_red_days: int = Field(7, ge=0)
    scope_min_ha: float = Field(5.0, ge=0)
    scope_max_ha: float = Field(60.0, gt=0)
    coverage_target_dates: dict[int, date] = Field(default_factory=lambda: {2023: date(2023, 12, 31)})
    plan_upload_days: int = Field(30, ge=1)
    summary_grace_days: int = Field(1, ge=0)
    review_problem_due_days: int = Field(30, ge=1)
    pipeline_min_applications: int = Field(3, ge=0)
    # §3 街道(重点乡镇): which street kinds the coverage target requires.
    coverage_street_kinds: list[Literal["subdistrict", "key_town", "town"]] = Field(
        default_factory=lambda: ["subdistrict", "key_town"], min_length=1)

    @field_validator("alert_thresholds_days")
    @classmethod
    def _thresholds(cls, v: list[int]) -> list[int]:
        return list(normalise_thresholds(v))

    @model_validator(mode="after")
    def _bands(self) -> "RegistryConfig":
        if self.scope_min_ha >= self.scope_max_ha:
            raise ValueError("scope_min_ha must be below scope_max_ha")
        if self.rag_red_days > self.rag_amber_days:
            raise ValueError("rag_red_days must not exceed rag_amber_days")
        return self

    @property
    def thresholds(self) -> tuple[int, ...]:
        return tuple(self.alert_thresholds_days)

    def coverage_date(self, year: int) -> date | None:
        return self.coverage_target_dates.get(year)


_CONFIG_VALUE = select(config_table.c.value).where(config_table.c.key == KEY)
_parsed: dict[str, RegistryConfig] = {}  # stored JSON → validated config: the row is read every time, parsed once


async def get_config(session) -> RegistryConfig:
    """The configuration as stored now (read on every call: another process may have changed it)."""
    row = (await session.execute(_CONFIG_VALUE)).first()
    key = json.dumps(row.value, sort_keys=True, default=str) if row else ""
    cfg = _parsed.get(key)
    if cfg is None:
        cfg = RegistryConfig.model_validate(row.value) if row else RegistryConfig()
        if len(_parsed) > 16:
            _parsed.clear()
        _parsed[key] = cfg
    return cfg.model_copy(deep=True)  # each caller its own, as before


async def update_config(uow: UnitOfWork, patch: dict[str, Any], by: str) -> RegistryConfig:
    current = await get_config(uow.session)
    merged = current.model_dump(mode="json")
    if "coverage_target_dates" in patch:
        merged["coverage_target_dates"].update({str(k): v for k, v in patch.pop("coverage_target_dates").items()})
    merged.update(patch)
    new = RegistryConfig.model_validate(merged)
    value = new.model_dump(mode="json")
    exists = (await uow.session.execute(select(config_table.c.key).where(config_table.c.key == KEY))).first()
    if exists:
        await uow.session.execute(update(config_table).where(config_table.c.key == KEY)
                                  .values(value=value, updated_at=utcnow(), updated_by=by))
    else:
        await uow.session.execute(config_table.insert().values(key=KEY, value=value, updated_at=utcnow(), updated_by=by))
    if new.thresholds != current.thresholds:
        await _reschedule(uow, new.thresholds)
    return new


async def _reschedule(uow: UnitOfWork, thresholds: tuple[int, ...]) -> None:
    """New thresholds apply to deadlines still followed: recompute when each next alert falls due."""
    rows = (await uow.session.execute(select(deadlines.c.key, deadlines.c.due_on, deadlines.c.last_threshold)
                                      .where(deadlines.c.resolved_at.is_(None), deadlines.c.kind != "year_end"))).all()
    for row in rows:
        await uow.session.execute(update(deadlines).where(deadlines.c.key == row.key).values(
            next_alert_on=next_alert_on(row.due_on, row.last_threshold, thresholds)))
