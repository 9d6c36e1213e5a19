"""§5.6 monthly bulletin score and ranking, annual roll-up (pure rules)."""
from decimal import Decimal
from fractions import Fraction

from fc_inspection.domain.bulletin import (
    StreetProgress,
    competition_ranks,
    rank_streets,
    score_components,
    street_score,
)
from fc_inspection.service_layer import bulletins as bulletin_service
from fc_shared import assessment


def test_the_documented_formula():
    p = StreetProgress("S1", project_states=("approved", "accepted"), milestones_due=4, milestones_on_time=3,
                       problems_opened=5, problems_closed=4, spent_fen=6_000_000, planned_fen=12_000_000)
    parts = score_components(p)
    assert parts == {"stage": Fraction(11, 16), "milestones": Fraction(3, 4), "problems": Fraction(4, 5),
                     "spending": Fraction(1, 2)}
    # 40·11/16 + 20·3/4 + 20·4/5 + 20·1/2 = 27.5 + 15 + 16 + 10
    assert street_score(p) == Fraction(137, 2)


def test_nothing_due_is_not_late_and_spending_is_capped():
    p = StreetProgress("S1", project_states=("named",), spent_fen=30, planned_fen=10)
    assert street_score(p) == 100


def test_rejected_and_withdrawn_projects_do_not_count_and_no_active_project_scores_zero():
    assert street_score(StreetProgress("S1", project_states=("withdrawn", "rejected"), milestones_due=0)) == 0
    assert street_score(StreetProgress("S1")) == 0
    mixed = StreetProgress("S1", project_states=("approved", "withdrawn"))
    assert score_components(mixed)["stage"] == Fraction(1, 2)


def test_without_a_capital_plan_spending_scores_zero():
    assert score_components(StreetProgress("S1", project_states=("draft",), spent_fen=100))["spending"] == 0


def test_ranking_shares_ranks_on_ties_and_orders_by_code():
    ranked = competition_ranks([("B", Decimal("50")), ("A", Decimal("50")), ("C", Decimal("70")), ("D", Decimal("10"))])
    assert ranked == [("C", 1, Decimal("70")), ("A", 2, Decimal("50")), ("B", 2, Decimal("50")), ("D", 4, Decimal("10"))]


def test_rank_streets_rounds_half_up_and_keeps_inputs():
    # stage 4/24 of 40 = 6.666… (half-up 6.67), + 20 + 20 + 0
    p = StreetProgress("S1", project_states=("draft", "approved", "draft"))
    [r] = rank_streets([p])
    assert r.score == Decimal("46.67") and r.rank == 1 and r.components["stage"] == Decimal("6.67")
    q = StreetProgress("S2", project_states=("applied",) * 2 + ("draft",) * 1)  # stage 2/24 → 3.333…
    [_, r2] = rank_streets([p, q])
    assert r2.score == Decimal("43.33") and r2.components["stage"] == Decimal("3.33")
    assert r2.inputs["active_projects"] == 3


def test_the_annual_assessment_is_the_shared_formula_funding_shows_too():
    """One formula for inspection's assessment and funding's view of it (fc_shared.assessment)."""
    assert bulletin_service.annual_rollup is assessment.annual_rollup
    assert competition_ranks is assessment.competition_ranks
