"""Creation projects (创建项目): types, creation periods, scope and survey checks. Pure rules, no I/O."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from .dates import add_months


class ProjectType(StrEnum):
    renovation = "renovation"  # 旧改类
    new_build = "new_build"  # 新建类 · 规划新建
    demolish_rebuild = "demolish_rebuild"  # 新建类 · 拆除重建


class Level(StrEnum):
    city = "city"  # 市级
    province = "province"  # 省级


LEVEL_RANK = {None: 0, "city": 1, "province": 2}
DEFAULT_PERIOD_MONTHS = {ProjectType.renovation: 12, ProjectType.new_build: 36, ProjectType.demolish_rebuild: 36}
SCOPE_MIN_HA, SCOPE_MAX_HA = 5.0, 60.0


def default_period_months(project_type: str) -> int:
    """§4.6: renovation 1 year, new build / demolish-rebuild 3 years (建议1年 / 3年基本完成)."""
    return DEFAULT_PERIOD_MONTHS[ProjectType(project_type)]


def period_override_problem(project_type: str, months: int | None, reason: str | None) -> str | None:
    """§4.6: the period is "recommended in principle"; another period needs a recorded reason."""
    if months is None or months == default_period_months(project_type):
        return None
    if not (reason or "").strip():
        return "a creation period other than the default needs a reason (creation_period_reason)"
    return None


def creation_deadline(approved_on: date, period_months: int) -> date:
    """§4.6: creation_deadline = approval publication date + creation period (Civil Code counting)."""
    return add_months(approved_on, period_months)


def default_task_year(deadline: date) -> int:
    """§4.6 / F4: the creation task is due in the year its deadline falls in, unless set otherwise."""
    return deadline.year


def scope_warnings(area_ha: float, min_ha: float = SCOPE_MIN_HA, max_ha: float = SCOPE_MAX_HA) -> list[str]:
    """§4.3: an implementation unit of about 20 ha; warn, don't refuse, outside the configured band."""
    if area_ha < min_ha or area_ha > max_ha:
        return [f"area {area_ha:g} ha is outside the recommended {min_ha:g}–{max_ha:g} ha implementation unit (§4.3)"]
    return []


SURVEY_FIELDS = ("location", "population_structure", "needs", "features", "spatial_resources")


def missing_survey_fields(community: Mapping[str, Any]) -> list[str]:
    """§4.2: before applying, the survey (摸底调研) covers location, population structure, needs, features, spaces."""
    missing = []
    has_location = community.get("lat") is not None or bool((community.get("address") or "").strip())
    if not has_location:
        missing.append("location")
    if not community.get("population") or community.get("elderly_share") is None or community.get("children_share") is None:
        missing.append("population_structure")
    for name in ("needs", "features", "spatial_resources"):
        if not (community.get(name) or "").strip():
            missing.append(name)
    return missing


def higher_level(current: str | None, reached: str | None) -> str | None:
    """§4.7 / F3: a project keeps the highest acceptance level it has reached."""
    return reached if LEVEL_RANK.get(reached, 0) > LEVEL_RANK.get(current, 0) else current
