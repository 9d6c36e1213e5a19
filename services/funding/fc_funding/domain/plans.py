"""Expenditure categories (§5.3), budget alerts and the capital plan balance (资金平衡, §4.5). Pure."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fc_shared.contracts import EXPENSE_CATEGORIES

# Recorded but not counted toward the award: operation, land, informatisation (区信息化专项), other.
NON_ELIGIBLE_CATEGORIES = ("operation", "land", "information", "other")
EXPENDITURE_CATEGORIES = (*EXPENSE_CATEGORIES, *NON_ELIGIBLE_CATEGORIES)

CAPITAL_SOURCES = ("district_fund", "higher_level_subsidy", "department_funds", "state_owned_capital",
                   "private_capital")


def is_eligible_category(category: str) -> bool:
    """§5.3: only consulting/design (咨询设计), construction (工程建设) and equipment (设备采购) count."""
    return category in EXPENSE_CATEGORIES


def budget_exceeded(budget_fen: int | None, committed_before_fen: int, payment_fen: int) -> bool:
    """§5.3: a payment that takes the year's commitments past the annual budget alerts finance (it is still paid)."""
    return budget_fen is not None and payment_fen > 0 and committed_before_fen + payment_fen > budget_fen


@dataclass(frozen=True)
class CapitalBalance:
    construction_total_fen: int
    operating_balance_fen: int
    balanced: bool


def capital_balance(construction_by_source: Mapping[str, int], operating_income_fen: int,
                    operating_cost_fen: int) -> CapitalBalance:
    """§4.5: construction funded by source; operation balances when income covers cost (运营期资金平衡)."""
    total = sum(int(construction_by_source.get(s, 0)) for s in CAPITAL_SOURCES)
    balance = operating_income_fen - operating_cost_fen
    return CapitalBalance(construction_total_fen=total, operating_balance_fen=balance, balanced=balance >= 0)
