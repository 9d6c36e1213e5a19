"""Request and response models of the funding API."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from fc_shared.money import Fen, PositiveFen
from fc_shared.params import IsoDate
from fc_shared.strict import InputModel

from ..domain import plans

EntryKind = Literal["approval", "interim", "disbursement", "recovery", "reward", "repayment", "offset"]
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
    reference: str | None = None
    booked_on: IsoDate | None = None
    at: datetime


class EntryPage(BaseModel):
    items: list[LedgerEntry]
    next_cursor: str | None = None


class ProjectFunding(BaseModel):
    project_id: str
    street_code: str
    name: str
    target_level: str
    state: str
    task_year: int | None
    level_reached: str | None
    award_fen: int
    entitlement_fen: int
    final_expenditure_fen: int | None = Field(description="E: the eligible final expenditure of the latest approval")
    street_borne_fen: int = Field(description="F5: expenditure above the award, borne by the street")
    covered_communities: dict[str, str] = Field(
        description="F3: communities already covered through other projects when the latest approval was decided")
    paid_fen: int = Field(description="everything paid out (interims, disbursements, rewards)")
    repaid_fen: int = Field(description="recoveries the street paid back; cash at the street is paid − repaid")
    recovered_fen: int = Field(description="recoveries (追回) recorded")
    offset_fen: int = Field(description="recoveries netted against later payments")
    recovery_due_fen: int = Field(description="recovery still owed: recovered − repaid − offset")
    cash_at_street_fen: int
    entries: list[LedgerEntry]


class AssessmentEntry(BaseModel):
    month: str
    street_code: str
    rank: int
    score: str


class AnnualAssessmentEntry(BaseModel):
    street_code: str
    rank: int = Field(description="§5.6 年度考核: place by average score; equal averages share a rank (1, 2, 2, 4)")
    average_score: float = Field(description="the street's average over the year's published bulletins "
                                             "(a bulletin not listing it counts 0), 2 decimals, half-up")
    best_rank: int | None = Field(description="the street's best rank in any of the year's bulletins")
    months: dict[str, float] = Field(description="the street's score in each published bulletin listing it")


class AnnualAssessment(BaseModel):
    """The year's annual assessment as inspection's ``GET /api/v1/assessments/{year}`` gives it: the published
    bulletins funding received, rolled up by the same shared formula (fc_shared.assessment.annual_rollup)."""

    year: int
    bulletin_months: list[str] = Field(description="the year's published bulletins the figures are averaged over")
    ranking: list[AnnualAssessmentEntry]


class StreetAnnualAssessment(BaseModel):
    """One street's line of a year's annual assessment (§5.6), the ranking taken over every street."""

    year: int
    bulletin_months: list[str]
    rank: int
    average_score: float
    best_rank: int | None
    months: dict[str, float]


class StreetFunding(BaseModel):
    street_code: str
    projects: int
    award_fen: int
    entitlement_fen: int
    paid_fen: int
    repaid_fen: int
    recovery_due_fen: int
    street_borne_fen: int
    eligible_expenditure_fen: int
    assessment: list[AssessmentEntry] = Field(description="§5.6: the street's published monthly ranks and scores")
    annual_assessments: list[StreetAnnualAssessment] = Field(
        description="§5.6 年度考核: the street's annual rank and average score in each year whose published "
                    "bulletins list it, oldest first; the same figures as inspection's /assessments/{year}")


class YearFunding(BaseModel):
    year: int
    closed: bool
    budget_fen: int | None
    income_fen: int = Field(description="higher-level special subsidies (上级专项补助) received into the fund")
    approved_fen: int = Field(description="entitlements approved in the year, each project's latest approval once")
    committed_fen: int = Field(description="paid out in the year (as paid_fen; kept for the budget alert)")
    paid_fen: int
    recovered_fen: int
    repaid_fen: int
    offset_fen: int
    recovery_due_fen: int = Field(description="recoveries booked in the year still owed: recovered − repaid − offset, "
                                              "each repayment and netting counted with the recovery it settled")
    remaining_fen: int | None = Field(description="budget + income − (paid − repaid)")
    by_kind: dict[str, int]
    assessment: list[AssessmentEntry] = Field(description="§5.6: every street's published monthly ranks and scores")
    annual_assessment: AnnualAssessment = Field(
        description="§5.6 年度考核: the year's annual ranking, the same figures as inspection's /assessments/{year}")


class RepaymentIn(_In):
    amount_fen: PositiveFen
    repaid_on: IsoDate
    reference: str = Field(min_length=1, max_length=60, description="the receipt or voucher number (凭证号)")


class IncomeIn(_In):
    amount_fen: PositiveFen
    received_on: IsoDate
    source: str = Field(default="上级专项补助", min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)


class Income(BaseModel):
    id: int
    year: int
    amount_fen: int
    received_on: IsoDate
    source: str
    reference: str
    note: str
    at: datetime


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
