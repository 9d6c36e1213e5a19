"""The annual assessment (年度专项工作考核) rolled up from the published monthly bulletins, §5.6.

One formula, used by inspection (``GET /api/v1/assessments/{year}``) and by funding (the assessment shown beside
the money, §5.6 考核结果作为资金奖补的重要依据), so both give the same figures from the same bulletins:

- a street's annual score is the average of its scores over the year's published bulletins, a bulletin that
  does not list the street counting 0, rounded half-up to 0.01;
- streets are ranked by that average, highest first; equal averages share a rank (1, 2, 2, 4), listed by
  street code — the same ranking as a monthly bulletin;
- ``best_rank`` is the street's best place in any of the year's bulletins.

Pure: no I/O. The input is what ``fc.bulletin.published`` carries: per month, each street's code, rank and score.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def points(value: Fraction) -> Decimal:
    """§5.6: scores are shown to two decimals, rounded half-up."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def competition_ranks(scores: list[tuple[str, Decimal]]) -> list[tuple[str, int, Decimal]]:
    """§5.6: highest score first; equal scores share a rank (1, 2, 2, 4); ties listed by street code."""
    ordered = sorted(scores, key=lambda s: (-s[1], s[0]))
    out: list[tuple[str, int, Decimal]] = []
    for i, (code, score) in enumerate(ordered):
        rank = out[-1][1] if out and out[-1][2] == score else i + 1
        out.append((code, rank, score))
    return out


@dataclass(frozen=True)
class AnnualStreet:
    street_code: str
    rank: int
    average_score: Decimal
    months: dict[str, Decimal]
    best_rank: int | None


def annual_rollup(bulletins: dict[str, list[tuple[str, int, Decimal]]]) -> list[AnnualStreet]:
    """§5.6 年度考核: average of a street's monthly scores over the year's published bulletins (absent = 0).

    ``bulletins`` maps each published month of the year (``YYYY-MM``) to its ranking of
    (street_code, rank, score)."""
    if not bulletins:
        return []
    streets = sorted({code for ranking in bulletins.values() for code, _, _ in ranking})
    monthly: dict[str, dict[str, Decimal]] = {s: {} for s in streets}
    best: dict[str, int | None] = {s: None for s in streets}
    for month, ranking in sorted(bulletins.items()):
        for code, rank, score in ranking:
            monthly[code][month] = score
            best[code] = rank if best[code] is None else min(best[code], rank)
    averages = {s: points(Fraction(sum(monthly[s].values(), Decimal(0))) / len(bulletins)) for s in streets}
    return [AnnualStreet(street_code=code, rank=rank, average_score=score, months=monthly[code], best_rank=best[code])
            for code, rank, score in competition_ranks(list(averages.items()))]
