"""Request and response shapes of the registry API (so OpenAPI tells the truth)."""
from __future__ import annotations
from fc_shared.params import IsoDate, ProgrammeDate
from fc_shared.strict import NON_BLANK, InputModel

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ..domain.lifecycle import ACTIONS, TASK_YEAR_ACTIONS
from ..domain.projects import Level, ProjectType

NonEmpty = Annotated[str, Field(min_length=1, max_length=200, pattern=NON_BLANK)]
LongText = Annotated[str, Field(max_length=10000)]
StreetCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
ProjectRef = Annotated[str, Field(min_length=1, max_length=36, description="a project's id")]
DocumentKind = Literal["survey", "application_plan", "implementation_plan", "design_tender", "preliminary_approval",
                       "operation_plan", "acceptance_decision"]
StreetKind = Literal["subdistrict", "key_town", "town"]  # 街道, 重点乡镇, 乡镇
Period = Literal["weekly", "half_monthly", "monthly"]


Day = ProgrammeDate


MAX_M2 = 1e9  # 1,000 km²: far above any community; a bound so an absurd finite float is a 422


class Strict(InputModel):
    """A request body (fc_shared.strict: unknown fields and JSON types as documented)."""


class StreetIn(Strict):
    code: StreetCode
    name: NonEmpty
    kind: StreetKind
    created_on: Day | None = None  # the district day it joined the programme; default: today


class StreetPatch(Strict):
    # Fields that cannot be cleared are not nullable: omit one to keep it (PATCH semantics).
    name: NonEmpty = None  # type: ignore[assignment]
    kind: StreetKind = None  # type: ignore[assignment]


class StreetOut(BaseModel):
    code: str
    name: str
    kind: str
    created_on: date
    created_at: datetime


class Location(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class CommunityFields(Strict):
    address: LongText = ""
    area_ha: float = Field(gt=0, le=100000)
    population: int = Field(ge=0, le=10_000_000)
    households: int = Field(ge=0, le=10_000_000)
    elderly_share: float = Field(ge=0, le=1, description="share of residents aged 60 or over")
    children_share: float = Field(ge=0, le=1, description="share of residents aged 14 or under")
    needs: LongText = ""
    features: LongText = ""
    spatial_resources: LongText = ""
    vacant_land_m2: float | None = Field(None, ge=0, le=MAX_M2)
    idle_public_buildings_m2: float | None = Field(None, ge=0, le=MAX_M2)
    location: Location | None = None


class CommunityIn(CommunityFields):
    street_code: StreetCode
    name: NonEmpty


class CommunityPatch(Strict):
    # Fields that cannot be cleared are not nullable: omit one to keep it (PATCH semantics).
    name: NonEmpty = None  # type: ignore[assignment]
    address: LongText = None  # type: ignore[assignment]  # "" empties it
    area_ha: float = Field(None, gt=0, le=100000)
    population: int = Field(None, ge=0, le=10_000_000)
    households: int = Field(None, ge=0, le=10_000_000)
    elderly_share: float = Field(None, ge=0, le=1)
    children_share: float = Field(None, ge=0, le=1)
    needs: LongText = None  # type: ignore[assignment]  # "" empties it
    features: LongText = None  # type: ignore[assignment]  # "" empties it
    spatial_resources: LongText = None  # type: ignore[assignment]  # "" empties it
    vacant_land_m2: float | None = Field(None, ge=0, le=MAX_M2)
    idle_public_buildings_m2: float | None = Field(None, ge=0, le=MAX_M2)
    location: Location | None = None


class CommunityOut(BaseModel):
    id: str
    street_code: str
    name: str
    address: str
    area_ha: float
    population: int
    households: int
    elderly_share: float
    children_share: float
    needs: str
    features: str
    spatial_resources: str
    vacant_land_m2: float | None = None
    idle_public_buildings_m2: float | None = None
    location: Location | None = None
    survey_missing: list[str] = []


class DocumentOut(BaseModel):
    id: str
    community_id: str
    project_id: str | None
    kind: str
    version: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    note: str
    uploaded_by: str
    uploaded_at: datetime


class ProjectIn(Strict):
    name: NonEmpty
    community_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(min_length=1, max_length=50)
    type: ProjectType
    target_level: Level
    area_ha: float = Field(gt=0, le=100000)
    life_circle_minutes: Literal[5, 10, 15]
    creation_period_months: int | None = Field(None, ge=1, le=120,
                                               description="override of the 12/36-month default (§4.6); needs a reason")
    creation_period_reason: LongText | None = None
    created_on: Day | None = Field(None, description="for projects recorded after the fact; default today")
    replaces_project_id: Annotated[str, Field(min_length=1, max_length=36)] | None = Field(
        None, description="the project of the same street this one replaces (a swap, 按需调整)")


class ProjectPatch(Strict):
    # Fields that cannot be cleared are not nullable: omit one to keep it (PATCH semantics).
    name: NonEmpty = None  # type: ignore[assignment]
    community_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(None, min_length=1, max_length=50)
    type: ProjectType = None  # type: ignore[assignment]
    target_level: Level = None  # type: ignore[assignment]
    area_ha: float = Field(None, gt=0, le=100000)
    life_circle_minutes: Literal[5, 10, 15] = None  # type: ignore[assignment]
    creation_period_months: int | None = Field(None, ge=1, le=120)
    creation_period_reason: LongText | None = None
    expected_version: int | None = None


class ProjectOut(BaseModel):
    id: str
    name: str
    state: str
    type: str
    target_level: str
    street_code: str
    community_ids: list[str]
    area_ha: float
    life_circle_minutes: int
    creation_period_months: int
    creation_period_reason: str | None = None
    accepted_level: str | None = None
    applied_on: IsoDate | None = None
    approved_on: IsoDate | None = None
    creation_deadline: IsoDate | None = None
    task_year: int | None = None
    accepted_on: IsoDate | None = Field(None, description="the first acceptance at any level")
    first_accepted_on: IsoDate | None = None
    city_accepted_on: IsoDate | None = None
    province_accepted_on: IsoDate | None = None
    named_level: str | None = None
    named_on: IsoDate | None = None
    submitted_on: IsoDate | None = None
    approval_level: str | None = None
    approval_reference: str | None = None
    declined_on: IsoDate | None = None
    decline_level: str | None = None
    decline_reference: str | None = None
    cancelled_on: IsoDate | None = None
    replaces_project_id: str | None = None
    created_on: IsoDate
    created_at: datetime
    version: int
    warnings: list[str] = []
    allowed_actions: list[str] = []


def _per_action_rules() -> list[dict[str, Any]]:
    """§4.2–§4.7 in the schema: what each action needs and what it takes (from lifecycle.ACTIONS), so a client
    built from the OpenAPI document knows that reject needs a note and select takes no level."""
    rules = []
    for action in ACTIONS.values():
        required, shapes = [], {}
        for field, needed, shape in (("note", action.needs_note, {"type": "string", "pattern": NON_BLANK}),
                                     ("on", action.needs_date, {"type": "string"}),
                                     ("level", action.needs_level, {"type": "string"}),
                                     ("reference", action.needs_reference, {"type": "string", "pattern": NON_BLANK}),
                                     ("creation_deadline", action.needs_deadline, {"type": "string"})):
            if needed:
                required.append(field)
                shapes[field] = shape
            elif field in ("level", "reference", "creation_deadline"):
                shapes[field] = {"type": "null"}  # field-not-used: only the actions that need it take it
        if action.name not in TASK_YEAR_ACTIONS:
            shapes["task_year"] = {"type": "null"}
        then: dict[str, Any] = {"properties": shapes}
        if required:
            then["required"] = required
        rules.append({"if": {"properties": {"action": {"const": action.name}}, "required": ["action"]}, "then": then})
    return rules


class TransitionIn(Strict):
    model_config = {"json_schema_extra": {"allOf": _per_action_rules()}}

    action: Literal["apply", "select", "reject", "submit", "approve", "decline", "withdraw", "reschedule", "cancel",
                    "name"]
    on: Day | None = Field(None, description="when it happened; for approve/decline the decision's date and for "
                                             "name the naming date (required)")
    note: Annotated[str, Field(max_length=5000)] | None = Field(
        None, description="required for reject, reschedule and cancel")
    level: Level | None = Field(None, description="approve, decline, name: the level (city or province)")
    reference: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="approve, decline: the document reference (文号)")
    creation_deadline: Day | None = Field(None, description="reschedule: the new creation deadline")
    task_year: int | None = Field(None, ge=2000, le=2100,
                                  description="approve, reschedule only; default the deadline's year")
    expected_version: int | None = None


class HistoryOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    note: str | None
    by: str
    on: IsoDate | None
    at: datetime


class MilestoneIn(Strict):
    title: NonEmpty
    planned_on: Day
    actual_on: Day | None = None


class MilestonePatch(Strict):
    title: NonEmpty = None  # type: ignore[assignment]  # omit to keep; a milestone always has both
    planned_on: Day = None  # type: ignore[assignment]
    actual_on: Day | None = None


class MilestoneOut(BaseModel):
    id: str
    project_id: str
    title: str
    planned_on: IsoDate
    actual_on: IsoDate | None


class ProblemItem(Strict):
    text: Annotated[str, Field(min_length=1, max_length=5000, pattern=NON_BLANK)]
    owner_department: Annotated[str, Field(min_length=1, max_length=60, pattern=NON_BLANK)]
    due_on: Day
    project_id: ProjectRef | None = None


class ProblemIn(ProblemItem):
    street_code: StreetCode


class ProblemOut(BaseModel):
    id: str
    street_code: str | None
    project_id: str | None
    summary_id: str | None
    acceptance_id: str | None
    source: str
    text: str
    owner_department: str
    due_on: IsoDate | None
    state: str
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    close_note: str | None
    overdue: bool = False


class CloseIn(Strict):
    note: Annotated[str, Field(max_length=5000)] | None = None


class SummaryIn(Strict):
    street_code: StreetCode | None = Field(None, description="omitted: the filer's own summary (a street's, "
                                                          "or the district office's)")
    period: Period
    period_start: Day
    problems: list[ProblemItem] = Field(default_factory=list, max_length=200, description="问题清单")
    work: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(default_factory=list, max_length=200,
                                                                              description="工作清单")
    innovations: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(default_factory=list, max_length=200,
                                                                                     description="创新清单")


class SummaryOut(BaseModel):
    id: str
    street_code: str | None
    period: str
    period_start: IsoDate
    period_end: IsoDate
    work: list[str]
    innovations: list[str]
    problem_ids: list[str] = []
    filed_by: str
    filed_at: datetime


class OverdueSummary(BaseModel):
    street_code: str
    period: str
    period_start: IsoDate
    period_end: IsoDate
    due_on: IsoDate


class ScanIn(Strict):
    as_of: Day


class ScanOut(BaseModel):
    as_of: IsoDate
    fired: dict[str, int]


class DeadlineOut(BaseModel):
    key: str
    kind: str
    project_id: str | None
    street_code: str | None
    due_on: IsoDate
    days_left: int
    breached: bool
    resolved: bool


class SpecialPlanIn(Strict):
    published_on: Day | None = None
    approved_on: Day | None = None


class SpecialPlanOut(BaseModel):
    year: int
    published_on: IsoDate | None
    approved_on: IsoDate | None


class ConfigPatch(Strict):
    alert_thresholds_days: list[Annotated[int, Field(ge=1, le=3650)]] | None = Field(None, min_length=1, max_length=10)
    rag_amber_days: int | None = Field(None, ge=0, le=3650)
    rag_red_days: int | None = Field(None, ge=0, le=3650)
    scope_min_ha: float | None = Field(None, ge=0, le=100000)
    scope_max_ha: float | None = Field(None, gt=0, le=100000)
    coverage_target_dates: dict[Annotated[int, Field(ge=2000, le=2100)], Day] | None = Field(
        None, json_schema_extra={"propertyNames": {"pattern": r"^(20[0-9]{2}|2100)$"}})
    plan_upload_days: int | None = Field(None, ge=1, le=365)
    summary_grace_days: int | None = Field(None, ge=0, le=60)
    review_problem_due_days: int | None = Field(None, ge=1, le=365)
    pipeline_min_applications: int | None = Field(None, ge=0, le=10000)
    coverage_street_kinds: list[StreetKind] | None = Field(None, min_length=1, max_length=3)


class NextNode(BaseModel):
    kind: str
    title: str
    due_on: IsoDate


class BoardRow(BaseModel):
    project_id: str
    name: str
    street_code: str
    type: str
    target_level: str
    state: str
    accepted_level: str | None
    approved_on: IsoDate | None
    creation_deadline: IsoDate | None
    task_year: int | None
    next_node: NextNode | None
    days_left: int | None
    rag: Literal["red", "amber", "green"]
    overdue_problems: int = 0


class LeaseRequestIn(Strict):
    street_code: StreetCode
    project_id: ProjectRef | None = None
    address: Annotated[str, Field(min_length=1, max_length=1000, pattern=NON_BLANK)]
    area_m2: float = Field(gt=0, le=1_000_000)
    purpose: Annotated[str, Field(min_length=1, max_length=5000, pattern=NON_BLANK)]
    term_months: int = Field(ge=1, le=600)


class LeaseDecisionIn(Strict):
    outcome: Literal["offered", "declined"]
    enterprise: NonEmpty
    decided_on: Day
    terms: Annotated[str, Field(max_length=5000)] | None = None
    reason: Annotated[str, Field(max_length=5000)] | None = None


class LeaseRequestOut(BaseModel):
    id: str
    street_code: str
    project_id: str | None
    address: str
    area_m2: float
    purpose: str
    term_months: int
    state: str
    filed_on: IsoDate
    filed_by: str
    enterprise: str | None
    decided_on: IsoDate | None
    terms: str | None
    decline_reason: str | None


class Portrait(BaseModel):
    community: dict[str, Any]
    documents: list[dict[str, Any]]
    projects: list[dict[str, Any]]
    next_deadlines: list[dict[str, Any]]
    open_problems: list[dict[str, Any]]
    money: dict[str, int]
    as_of: IsoDate


class StreetCoverage(BaseModel):
    street_code: str
    first_accepted_on: IsoDate | None
    status: str


class CoverageTarget(BaseModel):
    status: Literal["met", "pending", "missed", "not_configured"]
    due_on: IsoDate | None
    streets: list[StreetCoverage]
    streets_missing: list[str]


class PipelineTarget(BaseModel):
    status: Literal["met", "pending", "missed"]
    applications: int
    minimum: int
    due_on: IsoDate


class DatedTarget(BaseModel):
    due_on: IsoDate
    done_on: IsoDate | None
    status: Literal["met", "late", "pending", "missed"]


class Targets(BaseModel):
    year: int
    as_of: IsoDate
    coverage: CoverageTarget
    pipeline: PipelineTarget
    special_plan_publish: DatedTarget
    special_plan_approve: DatedTarget


class PlanReviewIn(Strict):
    outcome: Literal["passed", "returned"]
    comments: Annotated[str, Field(max_length=5000)] = ""


class PlanReviewOut(BaseModel):
    document_id: str
    project_id: str
    kind: str
    outcome: str
    comments: str
    reviewed_by: str
    reviewed_at: datetime
