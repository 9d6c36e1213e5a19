"""Creation projects (创建项目): types, scope checks. Pure rules, no I/O."""
from __future__ import annotations

from enum import StrEnum


class ProjectType(StrEnum):
    renovation = "renovation"  # 旧改类
    new_build = "new_build"  # 新建类 · 规划新建
    demolish_rebuild = "demolish_rebuild"  # 新建类 · 拆除重建


class Level(StrEnum):
    city = "city"  # 市级
    province = "province"  # 省级


SCOPE_MIN_HA, SCOPE_MAX_HA = 5.0, 60.0


def scope_warnings(area_ha: float, min_ha: float = SCOPE_MIN_HA, max_ha: float = SCOPE_MAX_HA) -> list[str]:
    """§4.3: an implementation unit of about 20 ha; warn, don't refuse, outside the configured band."""
    if area_ha < min_ha or area_ha > max_ha:
        return [f"area {area_ha} ha is outside the recommended {min_ha:g}–{max_ha:g} ha implementation unit (§4.3)"]
    return []
