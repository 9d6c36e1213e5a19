"""§5.6 年度考核: the annual roll-up of published monthly bulletins, shared by inspection and funding."""
from decimal import Decimal
from fractions import Fraction

from fc_shared.assessment import annual_rollup, competition_ranks, points


def test_annual_rollup_averages_over_published_months_absent_counts_zero():
    bulletins = {"2026-01": [("A", 1, Decimal("80")), ("B", 2, Decimal("60"))],
                 "2026-02": [("B", 1, Decimal("90")), ("A", 2, Decimal("70"))],
                 "2026-03": [("A", 1, Decimal("60"))]}
    rolled = annual_rollup(bulletins)
    assert [(a.street_code, a.rank, a.average_score, a.best_rank) for a in rolled] == [
        ("A", 1, Decimal("70.00"), 1), ("B", 2, Decimal("50.00"), 1)]
    assert rolled[1].months == {"2026-01": Decimal("60"), "2026-02": Decimal("90")}
    assert annual_rollup({}) == []


def test_equal_averages_share_a_rank_and_averages_round_half_up():
    # A: (10.01 + 0) / 2 = 5.005 → 5.01; B and C: 5.01 each.
    bulletins = {"2026-01": [("B", 1, Decimal("10.02")), ("A", 2, Decimal("10.01")), ("C", 3, Decimal("5.01"))],
                 "2026-02": [("C", 1, Decimal("5.01")), ("B", 2, Decimal("0")), ("A", 2, Decimal("0"))]}
    rolled = annual_rollup(bulletins)
    assert [(a.street_code, a.rank, a.average_score, a.best_rank) for a in rolled] == [
        ("A", 1, Decimal("5.01"), 2), ("B", 1, Decimal("5.01"), 1), ("C", 1, Decimal("5.01"), 1)]
    assert points(Fraction(1001, 200)) == Decimal("5.01")  # 5.005 half-up
    assert competition_ranks([("B", Decimal("1")), ("A", Decimal("1")), ("C", Decimal("0"))]) == [
        ("A", 1, Decimal("1")), ("B", 1, Decimal("1")), ("C", 3, Decimal("0"))]
