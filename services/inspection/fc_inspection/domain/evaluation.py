"""Nine-scenario evaluation of a project (三化九场景评价, §3): what is met and what is missing."""
from __future__ import annotations

from dataclasses import dataclass

from .catalogue import Catalogue, Indicator


@dataclass(frozen=True)
class Answer:
    met: bool
    evidence: str


@dataclass(frozen=True)
class Assessment:
    standard_met: int
    standard_total: int
    gaps: tuple[Indicator, ...]

    @property
    def all_standard_met(self) -> bool:
        return not self.gaps


def unknown_codes(catalogue: Catalogue, answers: dict[str, Answer]) -> list[str]:
    """§3: an evaluation may only speak of indicators of the catalogue it is recorded against."""
    known = catalogue.by_code()
    return sorted(code for code in answers if code not in known)


def assess(catalogue: Catalogue, answers: dict[str, Answer]) -> Assessment:
    """§3: the gap report — standard (标配) indicators not (yet) met; an unanswered indicator is not met."""
    standard = [i for i in catalogue.indicators if i.kind == "standard"]
    gaps = tuple(i for i in standard if not (answers.get(i.code) and answers[i.code].met))
    return Assessment(standard_met=len(standard) - len(gaps), standard_total=len(standard), gaps=gaps)
