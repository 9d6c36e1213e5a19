"""Rules F1–F7 (§5.3): every worked example of DOMAIN.md, and the invariants as properties."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fc_funding.domain import plans, rules
from fc_funding.domain.rules import settle_acceptance

CNY = 100  # DOMAIN.md's worked examples are in CNY; the code works in fen
WAN = 10_000 * CNY


def paid(decision) -> int:
    return sum(p.amount_fen for p in decision.payments if p.kind != "recovery")


def recovered(decision) -> int:
    return sum(p.amount_fen for p in decision.payments if p.kind == "recovery")


def test_awards_f1_f2_in_fen():
    assert rules.city_award_fen() == 1_000_000_000 == 1000 * WAN
    assert rules.province_award_fen() == 1_200_000_000 == 1200 * WAN


def test_interim_f4_is_seventy_percent_capped_at_seven_million():
    assert rules.interim_fen("city") == 700 * WAN
    assert rules.interim_fen("province") == 700 * WAN  # min(8,400,000, 7,000,000)


def test_interim_f4_is_due_only_once_the_task_year_has_ended_for_an_approved_unaccepted_project():
    from datetime import date

    due = dict(task_year=2026, approved=True, accepted_level=None, state="approved", year=2026,
               today=date(2027, 1, 1))
    assert rules.interim_eligible(**due)
    assert not rules.interim_eligible(**{**due, "today": date(2026, 12, 31)})  # the year has not ended yet
    assert not rules.interim_eligible(**{**due, "year": 2027, "today": date(2028, 1, 1)})
    assert not rules.interim_eligible(**{**due, "approved": False})
    assert not rules.interim_eligible(**{**due, "accepted_level": "city"})
    assert not rules.interim_eligible(**{**due, "first_accepted_on": date(2026, 12, 31)})
    assert rules.interim_eligible(**{**due, "first_accepted_on": date(2027, 1, 2)})
    for state in ("withdrawn", "rejected", "declined", "cancelled", "accepted", "named"):
        assert not rules.interim_eligible(**{**due, "state": state})


def test_position_repayment_offset_and_cancellation():
    held = rules.position({"interim": 700, "disbursement": 100, "recovery": 300, "repayment": 50, "offset": 20})
    assert (held.paid_fen, held.cash_fen, held.owed_fen, held.net_fen) == (800, 750, 230, 520)
    assert rules.repayment_refused(230, 231) and rules.repayment_refused(230, 0)
    assert not rules.repayment_refused(230, 230)
    assert rules.settle_cancellation(rules.position({"interim": 700})) == rules.Payment("recovery", 700, ("F4",))
    assert rules.settle_cancellation(held).amount_fen == 520
    assert rules.settle_cancellation(rules.Position()) is None


def test_a_later_payment_first_nets_the_recovery_still_owed():
    # Example 6 leaves 1,000,000 owed; province later with E = 12,000,000 → entitlement 12,000,000.
    d = settle_acceptance(level="province", earlier_levels=["city"], eligible_expenditure_fen=12_000_000 * CNY,
                          net_paid_fen=6_000_000 * CNY, recovery_owed_fen=1_000_000 * CNY, interim_paid=True)
    assert [(p.kind, p.amount_fen) for p in d.payments] == [("offset", 1_000_000 * CNY),
                                                           ("disbursement", 5_000_000 * CNY)]


def test_f3_a_project_is_covered_only_when_every_community_is():
    assert rules.covered_level_of({"c1": "city", "c2": None}) is None
    assert rules.covered_level_of({"c1": "province", "c2": "city"}) == "city"
    assert rules.covered_level_of({"c1": "province"}) == "province"
    assert rules.covered_level_of({}) is None


def test_example_1_city_acceptance_below_award_earns_half_the_difference():
    d = settle_acceptance(level="city", eligible_expenditure_fen=9_000_000 * CNY)
    assert d.award_fen == 10_000_000 * CNY
    assert d.entitlement_fen == 9_500_000 * CNY
    assert paid(d) == 9_500_000 * CNY and recovered(d) == 0
    assert [(p.kind, p.amount_fen) for p in d.payments] == [("disbursement", 9_000_000 * CNY),
                                                           ("reward", 500_000 * CNY)]
    assert d.rules == ("F1", "F6", "F7")


def test_example_2_expenditure_above_award_is_borne_by_the_street():
    d = settle_acceptance(level="city", eligible_expenditure_fen=11_000_000 * CNY)
    assert d.entitlement_fen == 10_000_000 * CNY
    assert d.street_borne_fen == 1_000_000 * CNY
    assert paid(d) == 10_000_000 * CNY
    assert "F5" in d.rules and "F7" not in d.rules


def test_example_3_province_interim_then_acceptance_pays_the_rest():
    interim = rules.interim_payment("province")
    assert interim.amount_fen == 7_000_000 * CNY and interim.rules == ("F2", "F4")
    d = settle_acceptance(level="province", eligible_expenditure_fen=12_000_000 * CNY,
                          net_paid_fen=interim.amount_fen, interim_paid=True)
    assert d.entitlement_fen == 12_000_000 * CNY
    assert paid(d) == 5_000_000 * CNY
    assert "F4" in d.rules


def test_example_4_city_then_province_tops_up():
    city = settle_acceptance(level="city", eligible_expenditure_fen=8_000_000 * CNY)
    assert paid(city) == 9_000_000 * CNY
    reward_paid = sum(p.amount_fen for p in city.payments if p.kind == "reward")
    prov = settle_acceptance(level="province", earlier_levels=["city"], eligible_expenditure_fen=11_000_000 * CNY,
                             net_paid_fen=paid(city), reward_paid_fen=reward_paid)
    assert prov.award_fen == 12_000_000 * CNY
    assert prov.entitlement_fen == 11_500_000 * CNY
    assert paid(prov) == 2_500_000 * CNY
    assert "F3" in prov.rules


def test_example_5_interim_then_cheap_city_acceptance_pays_nothing():
    d = settle_acceptance(level="city", eligible_expenditure_fen=4_000_000 * CNY, net_paid_fen=7_000_000 * CNY,
                          interim_paid=True)
    assert d.entitlement_fen == 7_000_000 * CNY
    assert d.payments == ()


def test_example_6_interim_above_entitlement_is_recovered():
    d = settle_acceptance(level="city", eligible_expenditure_fen=2_000_000 * CNY, net_paid_fen=7_000_000 * CNY,
                          interim_paid=True)
    assert d.entitlement_fen == 6_000_000 * CNY
    assert [(p.kind, p.amount_fen) for p in d.payments] == [("recovery", 1_000_000 * CNY)]


def test_example_7_settling_the_same_acceptance_again_pays_nothing():
    first = settle_acceptance(level="city", eligible_expenditure_fen=9_000_000 * CNY)
    again = settle_acceptance(level="city", eligible_expenditure_fen=9_000_000 * CNY, net_paid_fen=paid(first),
                              reward_paid_fen=500_000 * CNY)
    assert again.payments == ()


def test_f3_across_projects_only_the_top_up():
    assert rules.capped_award_fen("city", covered_level="city") == 0
    assert rules.capped_award_fen("province", covered_level="city") == 2_000_000 * CNY
    assert rules.capped_award_fen("city", covered_level="province") == 0
    d = settle_acceptance(level="province", covered_level="city", eligible_expenditure_fen=3_000_000 * CNY)
    assert d.award_fen == 2_000_000 * CNY and d.entitlement_fen == 2_000_000 * CNY and "F3" in d.rules
    assert rules.interim_payment("city", covered_level="city") is None


def test_f7_rounds_down_to_the_fen():
    assert rules.reward_fen(award=3, expenditure=0) == 1
    assert rules.entitlement_fen(award=1_000_000_000, expenditure=999_999_999) == 999_999_999


def test_eligible_categories_and_capital_balance():
    assert plans.is_eligible_category("construction") and not plans.is_eligible_category("operation")
    b = plans.capital_balance({"district_fund": 5, "private_capital": 7}, operating_income_fen=3,
                              operating_cost_fen=4)
    assert (b.construction_total_fen, b.operating_balance_fen, b.balanced) == (12, -1, False)
    assert plans.budget_exceeded(100, 90, 11) and not plans.budget_exceeded(100, 90, 10)
    assert not plans.budget_exceeded(None, 10**9, 10**9)


levels = st.sampled_from(rules.LEVELS)
expenditure = st.integers(min_value=0, max_value=2_000_000_000)
step = st.one_of(st.tuples(st.just("interim"), levels), st.tuples(levels, expenditure))


class Ledger:
    """The pure ledger arithmetic the service applies: payments add, recoveries subtract."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.paid = self.recovery_due = self.reward_paid = 0
        self.levels: list[str] = []
        self.interim = False
        self.acceptance_payouts: dict[str, int] = {}

    def apply_interim(self) -> None:
        if self.interim or self.levels:
            return
        p = rules.interim_payment(self.target)
        self.paid += p.amount_fen
        self.interim = True

    def accept(self, level: str, spent: int, covered: str | None = None):
        if level in self.levels:
            return None  # one settlement per project and level (the DB's unique key)
        d = settle_acceptance(level=level, earlier_levels=self.levels, covered_level=covered,
                              eligible_expenditure_fen=spent, net_paid_fen=self.paid - self.recovery_due,
                              reward_paid_fen=self.reward_paid, interim_paid=self.interim)
        for p in d.payments:
            if p.kind == "recovery":
                self.recovery_due += p.amount_fen
            else:
                self.paid += p.amount_fen
                if p.kind == "reward":
                    self.reward_paid += p.amount_fen
        self.levels.append(level)
        self.acceptance_payouts[level] = paid(d) - recovered(d)
        return d


@settings(max_examples=300, deadline=None)
@given(target=levels, steps=st.lists(step, min_size=1, max_size=6))
def test_after_every_acceptance_paid_minus_recovery_is_the_entitlement(target, steps):
    ledger = Ledger(target)
    for a, b in steps:
        if a == "interim":
            ledger.apply_interim()
            continue
        d = ledger.accept(a, b)
        if d is not None:
            assert ledger.paid - ledger.recovery_due == d.entitlement_fen
            assert all(p.amount_fen > 0 for p in d.payments)


@settings(max_examples=300, deadline=None)
@given(level=levels, earlier=st.lists(levels, max_size=2), covered=st.one_of(st.none(), levels), spent=expenditure)
def test_entitlement_never_exceeds_the_award_of_the_highest_level(level, earlier, covered, spent):
    d = settle_acceptance(level=level, earlier_levels=earlier, covered_level=covered, eligible_expenditure_fen=spent)
    top = rules.highest_level([level, *earlier])
    assert d.entitlement_fen <= d.award_fen <= rules.award_of_level(top)
    assert d.entitlement_fen >= 0


@settings(max_examples=300, deadline=None)
@given(target=levels, steps=st.lists(step, min_size=1, max_size=6))
def test_nothing_is_paid_twice_for_one_acceptance(target, steps):
    ledger = Ledger(target)
    for a, b in steps:
        if a == "interim":
            ledger.apply_interim()
        else:
            ledger.accept(a, b)
    for level in list(ledger.levels):
        # Settling an already-settled acceptance again, from the ledger as it now stands, moves no money.
        before = (ledger.paid, ledger.recovery_due)
        assert ledger.accept(level, 123) is None
        assert (ledger.paid, ledger.recovery_due) == before
    if ledger.levels:
        last = ledger.levels[-1]
        again = settle_acceptance(level=last, earlier_levels=ledger.levels[:-1] or (),
                                  eligible_expenditure_fen=_spent_of_last(steps),
                                  net_paid_fen=ledger.paid - ledger.recovery_due, reward_paid_fen=ledger.reward_paid,
                                  interim_paid=ledger.interim)
        assert again.payments == ()


def _spent_of_last(steps):
    seen: dict[str, int] = {}
    order: list[str] = []
    for a, b in steps:
        if a != "interim" and a not in seen:
            seen[a] = b
            order.append(a)
    return seen[order[-1]]


# --- reversals (冲销): what reversing each kind books, and that it keeps cash − owed = entitlement ----------

def _after(held: rules.Position, kind: str, amount: int, decision: rules.Reversal) -> rules.Position:
    """The position once the reversing entry (−amount) and its follow-ups are booked."""
    by_kind = {"interim": held.paid_fen, "repayment": held.repaid_fen, "recovery": held.recovered_fen,
               "offset": held.offset_fen}  # every paid kind in one bucket: only the sums matter here
    by_kind["interim" if kind in rules.PAID_KINDS else kind] -= amount
    for f in decision.follow_ups:
        by_kind["interim" if f.kind in rules.PAID_KINDS else f.kind] += f.amount_fen
    return rules.position(by_kind)


@pytest.mark.parametrize("kind,amount,held,cancelled,follow", [
    ("repayment", 4, rules.Position(paid_fen=70, repaid_fen=4, recovered_fen=10), False, []),
    ("interim", 70, rules.Position(paid_fen=70, recovered_fen=70), True, [("offset", 70)]),
    ("interim", 70, rules.Position(paid_fen=70, recovered_fen=10), False, [("offset", 10), ("interim", 60)]),
    ("offset", 6, rules.Position(paid_fen=124, repaid_fen=4, recovered_fen=10, offset_fen=6), False,
     [("disbursement", 6)]),
])
def test_a_reversal_keeps_what_the_street_holds_net(kind, amount, held, cancelled, follow):
    decision = rules.settle_reversal(kind=kind, amount_fen=amount, rules_=("F4",), held=held, cancelled=cancelled)
    assert decision.refused is None
    assert [(f.kind, f.amount_fen) for f in decision.follow_ups] == follow
    after = _after(held, kind, amount, decision)
    assert after.net_fen == held.net_fen and after.owed_fen >= 0


@pytest.mark.parametrize("kind,held,cancelled", [
    ("reward", rules.Position(paid_fen=95), False),  # nothing owed: it would only be paid again
    ("recovery", rules.Position(paid_fen=70, recovered_fen=10), False),  # 追回 is repaid or netted, never reversed
    ("offset", rules.Position(paid_fen=70, recovered_fen=70, offset_fen=70), True),  # a cancelled project: nothing paid
    ("interim", rules.Position(paid_fen=70, repaid_fen=30, recovered_fen=70), True),  # reverse the repayment first
    ("approval", rules.Position(paid_fen=70), False),
])
def test_a_reversal_that_would_change_the_entitlement_is_refused(kind, held, cancelled):
    assert rules.settle_reversal(kind=kind, amount_fen=70, rules_=(), held=held, cancelled=cancelled).refused


def test_repayments_and_nettings_count_with_the_recovery_they_settled():
    m = rules.Movement
    figures = rules.attribute_recoveries([
        m(1, "p", "recovery", 100, 2021), m(2, "q", "recovery", 50, 2021), m(3, "p", "recovery", 30, 2022),
        m(4, "p", "repayment", 120, 2023),  # settles p's 2021 recovery, then 20 of its 2022 one
        m(5, "q", "offset", 50, 2024),
        m(6, "p", "repayment", -120, 2023, reverses_entry_id=4),  # gives back exactly what 4 settled
        m(7, "p", "repayment", 110, 2024),
    ])
    assert {k: (f.recovered_fen, f.repaid_fen, f.offset_fen, f.due_fen) for k, f in figures.items()} == {
        2021: (150, 100, 50, 0), 2022: (30, 10, 0, 20)}  # nothing lands on the years the settlements were booked in
