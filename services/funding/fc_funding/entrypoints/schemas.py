"""Request and response models of the funding API."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from fc_shared.money import Fen, PositiveFen
from fc_shared.params import IsoDate
from fc_shared.strict import InputModel

from ..domain import plans

EntryKind = Literal["approval", "interim", "disbursement", "recovery", "reward"]
Category = Literal[plans.EXPENDITURE_CATEGORIES]  # type: ignore[valid-type]


class _In(InputModel):
    """A request body (fc_shared.strict: unknown fields and JSON types as documented)."""


class LedgerEntry(BaseModel):
    id: int
    project_id: str
    street_code: str
    kind: EntryKind
    amount_fen: int
    rules: list[str]
    basis: str
    year: int
    source_event_id: str | None = None
    reverses_entry_id: int | None = None
    reason: str | None = None
    at: datetime


class EntryPage(BaseModel):
    items: list[LedgerEntry]
    next_cursor: str | None = None


class ProjectFunding(BaseModel):
    project_id: str
    street_code: str
    name: str
    target_level: str
    level_reached: str | None
    award_fen: int
    entitlement_fen: int
    paid_fen: int
    recovery_due_fen: int
    entries: list[LedgerEntry]


class StreetFunding(BaseModel):
    street_code: str
    projects: int
    award_fen: int
    entitlement_fen: int
    paid_fen: int
    recovery_due_fen: int
    eligible_expenditure_fen: int


class YearFunding(BaseModel):
    year: int
    closed: bool
    budget_fen: int | None
    committed_fen: int
    recovery_due_fen: int
    remaining_fen: int | None
    by_kind: dict[str, int]


class YearCloseResult(BaseModel):
    year: int
    closed_at: datetime
    interims: list[LedgerEntry]


class ReversalIn(_In):
    reason: str = Field(min_length=1, max_length=2000)


class BudgetIn(_In):
    budget_fen: Fen
    note: str = Field(default="", max_length=2000)


class ExpenditureIn(_In):
    category: Category
    amount_fen: PositiveFen
    reported_on: IsoDate
    note: str = Field(default="", max_length=2000)


class Expenditure(BaseModel):
    id: int
    project_id: str
    street_code: str
    category: str
    amount_fen: int
    eligible: bool
    reported_on: IsoDate
    note: str
    at: datetime


class ExpenditurePage(BaseModel):
    items: list[Expenditure]
    next_cursor: str | None = None
    total_fen: int
    eligible_fen: int
    by_category: dict[str, int]


class ConstructionBySource(_In):
    district_fund: Fen = 0
    higher_level_subsidy: Fen = 0
    department_funds: Fen = 0
    state_owned_capital: Fen = 0
    private_capital: Fen = 0


class CapitalPlanIn(_In):
    construction_cost_fen: ConstructionBySource
    operating_income_fen: Fen
    operating_cost_fen: Fen
    note: str = Field(default="", max_length=2000)


class CapitalPlan(BaseModel):
    project_id: str
    street_code: str
    construction_cost_fen: dict[str, int]
    construction_total_fen: int
    operating_income_fen: int
    operating_cost_fen: int
    operating_balance_fen: int
    balanced: bool
    note: str
    updated_at: datetime
