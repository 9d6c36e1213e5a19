"""Request and response shapes of the inspection API (declared so OpenAPI is truthful)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from fc_shared.params import IsoDate, ProgrammeDate, ProgrammeMonth
from fc_shared.strict import NON_BLANK, InputModel
from fc_shared.money import Fen

from ..domain.catalogue import ORIENTATIONS, SCENARIOS

Level = Literal["city", "province"]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


class Strict(InputModel):
    """A request body (fc_shared.strict: unknown fields and JSON types as documented)."""


# --- projects, catalogue, evaluations ----------------------------------------------------------

class ProjectView(BaseModel):
    id: str
    name: str
    street_code: str
    type: str
    target_level: str
    state: str
    accepted_level: str | None
    community_ids: list[str]
    approved_on: IsoDate | None
    creation_deadline: IsoDate | None
    task_year: int | None


Scenario = Literal[tuple(SCENARIOS)]  # type: ignore[valid-type]  # the nine scenarios (九大场景)
Orientation = Literal[tuple(ORIENTATIONS)]  # type: ignore[valid-type]


class IndicatorModel(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}-[0-9]{2}$")]
    scenario: Scenario
    kind: Literal["standard", "optional"]
    title_zh: str = Field(min_length=1, max_length=200)


class OrientationModel(Strict):
    code: Orientation
    title_zh: str = Field(min_length=1, max_length=40)
    scenarios: list[Scenario] = Field(max_length=9, json_schema_extra={"uniqueItems": True})


class CatalogueOut(BaseModel):
    version: int
    orientations: list[OrientationModel]
    indicators: list[IndicatorModel]


class CatalogueIn(Strict):
    """A new catalogue version; ``orientations`` default to the current version's."""

    orientations: list[OrientationModel] | None = Field(None, max_length=3)
    indicators: list[IndicatorModel] = Field(min_length=1, max_length=500)


class IndicatorAnswer(Strict):
    met: bool = Field(strict=True)
    evidence: str = Field("", max_length=5000)


class EvaluationIn(Strict):
    indicators: dict[Annotated[str, Field(max_length=20)], IndicatorAnswer] = Field(min_length=1, max_length=500)


class Gap(BaseModel):
    code: str
    scenario: str
    title_zh: str


class EvaluationOut(BaseModel):
    id: str
    project_id: str
    street_code: str
    catalogue_version: int
    indicators: dict[str, IndicatorAnswer]
    standard_met: int
    standard_total: int
    all_standard_met: bool
    gaps: list[Gap]
    recorded_at: datetime


# --- acceptances ------------------------------------------------------------------------------

class FinalExpenditure(Strict):
    """Cumulative eligible expenditure by category (最终支出额), integer fen."""

    consulting_design: Fen
    construction: Fen
    equipment: Fen


class AcceptanceIn(Strict):
    project_id: str = Field(min_length=1, max_length=36)
    level: Level
    final_expenditure_fen: FinalExpenditure
    report: str = Field(min_length=1, max_length=50000, pattern=NON_BLANK)


class ReviewIn(Strict):
    department_code: Code
    passed: bool = Field(strict=True)
    findings: str = Field("", max_length=20000)


class ResultIn(Strict):
    passed: bool = Field(strict=True)
    level: Level
    decided_on: ProgrammeDate  # the programme's calendar, as the signed webhook (service_layer.integrations)
    reference: str = Field(min_length=1, max_length=200, pattern=NON_BLANK, description="the decision's 文号 (required)")
    document_id: str | None = Field(None, min_length=1, max_length=36,
                                    description="paper results: the scanned decision, uploaded to registry as a "
                                                "document (kind acceptance_decision) of the project")


class ReviewOut(BaseModel):
    department_code: str
    passed: bool
    findings: str
    reviewed_at: datetime


class ResultOut(BaseModel):
    passed: bool
    level: str
    decided_on: IsoDate
    reference: str
    recorded_at: datetime
    recorded_by: str | None = None
    channel: str | None = None  # integration | paper
    document_id: str | None = None


class AcceptanceOut(BaseModel):
    id: str
    project_id: str
    street_code: str
    level: str
    state: Literal["requested", "district_reviewed", "returned", "passed", "failed", "cancelled"]
    required_departments: list[str]
    pending_departments: list[str]
    final_expenditure_fen: FinalExpenditure
    recorded_eligible_expenditure_fen: dict[str, int] = Field(
        description="the eligible expenditure funding has recorded for the project, by category, beside the declared")
    report: str
    evaluation_id: str
    applied_on: IsoDate
    created_at: datetime
    reviews: list[ReviewOut]
    result: ResultOut | None


class ReviewConfig(Strict):
    required_departments: list[Code] = Field(min_length=1, max_length=20, json_schema_extra={"uniqueItems": True})


# --- integrations -----------------------------------------------------------------------------

class IntegrationIn(Strict):
    scope: Level
    name: str = Field(min_length=1, max_length=200, pattern=NON_BLANK)


class IntegrationOut(BaseModel):
    id: str
    scope: str
    name: str
    created_at: datetime
    rotated_at: datetime | None = None


class IntegrationSecretOut(IntegrationOut):
    secret: str = Field(description="whsec_… — shown once; sign result webhooks with it (Standard Webhooks)")


class WebhookAck(BaseModel):
    acceptance_id: str
    applied: bool = Field(description="false when this result had already been recorded")


# --- bulletins and assessments ----------------------------------------------------------------

Month = ProgrammeMonth


class BulletinIn(Strict):
    month: Month


class RankingEntry(BaseModel):
    street_code: str
    rank: int
    score: float
    components: dict[str, float]
    inputs: dict[str, Any]


class BulletinOut(BaseModel):
    month: str
    published_at: datetime
    ranking: list[RankingEntry]


class BulletinSummary(BaseModel):
    month: str
    published_at: datetime
    streets: int


class AssessmentEntry(BaseModel):
    street_code: str
    rank: int
    average_score: float
    best_rank: int | None
    months: dict[str, float]


class AssessmentOut(BaseModel):
    year: int
    bulletin_months: list[str]
    ranking: list[AssessmentEntry]
