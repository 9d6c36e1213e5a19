"""The nine-scenario indicator catalogue (三化九场景评价指标体系, §3): pure shapes and validation."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["standard", "optional"]  # 标配 / 选配

SCENARIOS: dict[str, str] = {
    "neighbourhood": "邻里", "education": "教育", "health": "健康",
    "entrepreneurship": "创业", "architecture": "建筑", "transport": "交通",
    "low_carbon": "低碳", "services": "服务", "governance": "治理",
}
ORIENTATIONS: dict[str, str] = {"people_centred": "人本化", "ecological": "生态化", "digital": "数字化"}
CODE_PATTERN = re.compile(r"^[A-Z]{2}-[0-9]{2}$")
MIN_INDICATORS_PER_SCENARIO = 3


@dataclass(frozen=True)
class Indicator:
    code: str
    scenario: str
    kind: Kind
    title_zh: str


@dataclass(frozen=True)
class Orientation:
    code: str
    title_zh: str
    scenarios: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    version: int
    orientations: tuple[Orientation, ...]
    indicators: tuple[Indicator, ...]

    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    def standard_codes(self) -> list[str]:
        return [i.code for i in self.indicators if i.kind == "standard"]


def catalogue_problems(orientations: list[Orientation], indicators: list[Indicator]) -> list[str]:
    """§3: three orientations cover the nine scenarios once; each scenario has ≥3 indicators, ≥1 标配; codes unique."""
    problems: list[str] = []
    if {o.code for o in orientations} != set(ORIENTATIONS) or len(orientations) != len(ORIENTATIONS):
        problems.append(f"orientations must be exactly {sorted(ORIENTATIONS)}")
    covered = [s for o in orientations for s in o.scenarios]
    if sorted(covered) != sorted(SCENARIOS):
        problems.append("the orientations must cover each of the nine scenarios exactly once")
    seen: set[str] = set()
    for ind in indicators:
        if not CODE_PATTERN.match(ind.code):
            problems.append(f"indicator code {ind.code!r} must look like NB-01")
        if ind.code in seen:
            problems.append(f"indicator code {ind.code} appears twice")
        seen.add(ind.code)
        if ind.scenario not in SCENARIOS:
            problems.append(f"{ind.code}: unknown scenario {ind.scenario!r}")
        if ind.kind not in ("standard", "optional"):
            problems.append(f"{ind.code}: kind must be standard or optional")
        if not ind.title_zh.strip():
            problems.append(f"{ind.code}: title_zh is empty")
    for scenario in SCENARIOS:
        mine = [i for i in indicators if i.scenario == scenario]
        if len(mine) < MIN_INDICATORS_PER_SCENARIO:
            problems.append(f"scenario {scenario} needs at least {MIN_INDICATORS_PER_SCENARIO} indicators")
        elif not any(i.kind == "standard" for i in mine):
            problems.append(f"scenario {scenario} needs at least one standard (标配) indicator")
    return problems
