"""The event contract as code: one typed payload model per type in ``fc_shared.events.EVENT_TYPES``.

Producers build an event's ``data`` through its model (``UnitOfWork.emit`` validates a dict or takes a
model instance, and refuses a field the contract does not name); consumers read it through the model
(``Model.of(event)``), which tolerates unknown extra fields (a newer producer may add some) and refuses a
missing required one with ``InvalidPayload`` — a permanent fault the consumer dead-letters at once.

Conventions: dates are ``date`` (``YYYY-MM-DD`` on the wire), money is integer fen (``Fen``, never a float
or a string), fields of a fixed domain set are ``Literal``. A field that may be null defaults to None and may
be left out; every other field is required. docs/EVENTS.md is checked against these models and
docs/asyncapi.json is generated from them (``fc-asyncapi`` / ``make asyncapi``).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, ValidationInfo, model_validator

from .events import EVENT_TYPES

Fen = Annotated[StrictInt, Field(description="money in integer fen (分)")]
NonNegativeFen = Annotated[StrictInt, Field(ge=0, description="money in integer fen (分), never negative")]
Level = Literal["city", "province"]
ProjectType = Literal["renovation", "new_build", "demolish_rebuild"]
ProjectState = Literal["draft", "applied", "selected", "rejected", "submitted", "declined", "approved", "withdrawn",
                       "accepting", "district_reviewed", "accepted", "named", "cancelled"]
StreetKind = Literal["subdistrict", "key_town", "town"]
DeadlineKind = Literal["creation", "plan_upload", "special_plan_publish", "special_plan_approve", "summary", "problem"]
SummaryPeriod = Literal["weekly", "half_monthly", "monthly"]
ProblemSource = Literal["manual", "summary", "acceptance_review"]
ResultChannel = Literal["integration", "paper"]
PaidKind = Literal["interim", "disbursement", "reward"]
SettlingKind = Literal["repayment", "offset"]
EXPENSE_CATEGORIES = ("consulting_design", "construction", "equipment")  # §5.3 eligible categories
ExpenditureCategory = Literal["consulting_design", "construction", "equipment",
                              "operation", "land", "information", "other"]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]

P = TypeVar("P", bound="Payload")


class InvalidPayload(ValueError):
    """An event's data does not match its type's model: permanent, the event is dead-lettered, never retried."""

    def __init__(self, event_type: str, detail: str) -> None:
        self.event_type = event_type
        self.detail = detail
        super().__init__(f"{event_type} payload does not match its contract: {detail}")


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "(payload)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


class Payload(BaseModel):
    """Base of every event payload. Unknown fields are ignored when read; refused when emitted."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"additionalProperties": True})
    event_types: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_fields_on_emit(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and info.context and info.context.get("emit"):
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown:
                raise ValueError(f"fields not in the contract: {', '.join(map(str, unknown))} "
                                 f"(add them to fc_shared.event_models.{cls.__name__} and docs/EVENTS.md)")
        return data

    @classmethod
    def of(cls: type[P], event: Any) -> P:
        """The typed payload of ``event`` (a ``fc_shared.events.Event``); InvalidPayload if it is off-contract."""
        model = PAYLOADS.get(event.type)
        if model is None or not issubclass(model, cls):
            raise InvalidPayload(event.type, f"not an event type read as {cls.__name__}")
        try:
            return model.model_validate(event.data)  # type: ignore[return-value]
        except ValidationError as exc:
            raise InvalidPayload(event.type, _describe(exc)) from None


class _Nested(Payload):
    """A nested object of a payload (same tolerance rules)."""


# ---------------------------------------------------------------- registry → fc.registry.v1

class ProjectSnapshot(Payload):
    """The project snapshot every ``fc.project.*`` event carries, so a consumer can keep its projection from
    whichever project event it sees first."""

    project_id: str
    name: str
    street_code: str
    type: ProjectType
    target_level: Level
    state: ProjectState
    accepted_level: Level | None = None
    community_ids: list[str]
    approved_on: date | None = None
    creation_deadline: date | None = None
    task_year: int | None = None
    version: int | None = Field(None, description="registry's row version: a later change has a higher one")

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> "ProjectSnapshot":
        return cls.model_validate(data)


class ProjectCreated(ProjectSnapshot):
    created_on: date
    replaces_project_id: str | None = None
    warnings: list[str] = Field(default_factory=list)


class ProjectUpdated(ProjectSnapshot):
    pass


class ProjectTransition(ProjectSnapshot):
    """A lifecycle step: the snapshot after it, the states it moved between, who did it and on which day."""

    from_state: ProjectState
    to_state: ProjectState
    note: str | None = None
    by: str
    on: date


class ProjectApplied(ProjectTransition):
    pass


class ProjectSelected(ProjectTransition):
    pass


class ProjectRejected(ProjectTransition):
    pass


class ProjectSubmitted(ProjectTransition):
    pass


class ProjectWithdrawn(ProjectTransition):
    pass


class ProjectApproved(ProjectTransition):
    level: Level
    reference: str = Field(description="文号")


class ProjectDeclined(ProjectTransition):
    level: Level
    reference: str = Field(description="文号")


class ProjectRescheduled(ProjectTransition):
    note: str
    previous_creation_deadline: date | None = None
    previous_task_year: int | None = None


class ProjectCancelled(ProjectTransition):
    note: str


class ProjectNamed(ProjectTransition):
    level: Level


class ProjectStateChanged(ProjectSnapshot):
    from_state: ProjectState
    to_state: ProjectState
    cause: str = Field(description="the inspection event type that moved the project")
    acceptance_id: str | None = None
    on: date


class ProjectMilestoneUpdated(ProjectSnapshot):
    milestone_id: str
    title: str
    planned_on: date
    actual_on: date | None = None


class ProjectYearEndIncomplete(ProjectSnapshot):
    year: int = Field(description="the task year that ended without acceptance")


class StreetCreated(Payload):
    street_code: str
    name: str
    kind: StreetKind


class CommunityCreated(Payload):
    community_id: str
    street_code: str
    name: str


class CommunityUpdated(CommunityCreated):
    pass


class DeadlineBreached(Payload):
    deadline_key: str
    kind: DeadlineKind
    project_id: str | None = None
    street_code: str | None = None
    due_on: date
    days_left: int


class DeadlineApproaching(DeadlineBreached):
    threshold_days: int


class SummaryOverdue(Payload):
    street_code: str | None = Field(None, description="null for the district office's own summary")
    filer: str = Field(description="the street code or district_office")
    period: SummaryPeriod
    period_start: date
    period_end: date
    due_on: date


class ProblemEvent(Payload):
    problem_id: str
    street_code: str | None = None
    project_id: str | None = None
    owner_department: str
    due_on: date | None = None
    text: str
    source: ProblemSource


class ProblemOpened(ProblemEvent):
    opened_on: date


class ProblemClosed(ProblemEvent):
    closed_on: date


# ---------------------------------------------------------------- inspection → fc.inspection.v1

class FinalExpenditure(_Nested):
    """Final expenditure by §5.3 eligible category, integer fen."""

    consulting_design: NonNegativeFen
    construction: NonNegativeFen
    equipment: NonNegativeFen


class AcceptanceEvent(Payload):
    acceptance_id: str
    project_id: str
    street_code: str


class AcceptanceRequested(AcceptanceEvent):
    level: Level
    final_expenditure_fen: FinalExpenditure
    required_departments: list[str]


class AcceptanceDepartmentReviewed(AcceptanceEvent):
    department_code: str
    passed: StrictBool
    findings: str


class AcceptanceDistrictReviewed(AcceptanceEvent):
    level: Level


class AcceptanceReviewFailed(AcceptanceEvent):
    department_code: str
    findings: str


class AcceptanceFailed(AcceptanceEvent):
    level: Level
    decided_on: date
    reference: str
    channel: ResultChannel
    recorded_by: str = Field(description="who posted the result")
    document_id: str | None = Field(None, description="the scan of a paper decision (a registry document)")


class AcceptancePassed(AcceptanceFailed):
    final_expenditure_fen: FinalExpenditure


class EvaluationRecorded(Payload):
    evaluation_id: str
    project_id: str
    street_code: str
    catalogue_version: int
    standard_met: int
    standard_total: int
    all_standard_met: StrictBool


class BulletinRank(_Nested):
    street_code: str
    rank: int
    score: float


class BulletinPublished(Payload):
    month: Month
    ranking: list[BulletinRank]


# ---------------------------------------------------------------- funding → fc.funding.v1

class SubsidyApproved(Payload):
    project_id: str
    street_code: str
    acceptance_id: str
    level: Level
    decided_on: date
    award_fen: Fen
    entitlement_fen: Fen
    eligible_expenditure_fen: Fen
    street_borne_fen: Fen
    rules: list[str]
    covered_communities: dict[str, Level] = Field(
        default_factory=dict, description="communities already covered through other projects, with their level")


class LedgerEntry(Payload):
    """One ledger entry announced; a reversal carries a negative amount, reverses_entry_id and reason."""

    project_id: str
    street_code: str
    entry_id: int
    amount_fen: Fen
    rules: list[str]
    year: int
    acceptance_id: str | None = None
    level: Level | None = None
    reverses_entry_id: int | None = None
    reason: str | None = None


class SubsidyDisbursed(LedgerEntry):
    kind: PaidKind


class SubsidyRecoveryDue(LedgerEntry):
    pass


class SubsidyRecoverySettled(LedgerEntry):
    kind: SettlingKind
    reference: str | None = Field(None, description="the voucher (repayments only)")
    on: date | None = None
    recovery_due_fen: Fen = Field(description="still owed after this entry")


class FundIncomeRecorded(Payload):
    income_id: int
    year: int
    amount_fen: Fen
    received_on: date
    source: str
    reference: str


class BudgetExceeded(Payload):
    year: int
    budget_fen: Fen
    committed_fen: Fen
    project_id: str
    street_code: str
    entry_id: int


class ExpenditureReported(Payload):
    expenditure_id: int
    project_id: str
    street_code: str
    category: ExpenditureCategory
    amount_fen: Fen
    eligible: StrictBool
    reported_on: date


class CapitalPlanUpdated(Payload):
    project_id: str
    street_code: str
    construction_total_fen: Fen
    operating_balance_fen: Fen
    balanced: StrictBool


# ---------------------------------------------------------------- notify → fc.notify.v1

class WebhookEndpointDisabled(Payload):
    subscription_id: str
    url: str
    reason: str
    failing_since: datetime


PAYLOADS: dict[str, type[Payload]] = {
    "fc.street.created": StreetCreated,
    "fc.community.created": CommunityCreated,
    "fc.community.updated": CommunityUpdated,
    "fc.project.created": ProjectCreated,
    "fc.project.updated": ProjectUpdated,
    "fc.project.applied": ProjectApplied,
    "fc.project.selected": ProjectSelected,
    "fc.project.rejected": ProjectRejected,
    "fc.project.submitted": ProjectSubmitted,
    "fc.project.approved": ProjectApproved,
    "fc.project.declined": ProjectDeclined,
    "fc.project.withdrawn": ProjectWithdrawn,
    "fc.project.rescheduled": ProjectRescheduled,
    "fc.project.cancelled": ProjectCancelled,
    "fc.project.state_changed": ProjectStateChanged,
    "fc.project.named": ProjectNamed,
    "fc.project.milestone_updated": ProjectMilestoneUpdated,
    "fc.project.year_end_incomplete": ProjectYearEndIncomplete,
    "fc.deadline.approaching": DeadlineApproaching,
    "fc.deadline.breached": DeadlineBreached,
    "fc.summary.overdue": SummaryOverdue,
    "fc.problem.opened": ProblemOpened,
    "fc.problem.closed": ProblemClosed,
    "fc.acceptance.requested": AcceptanceRequested,
    "fc.acceptance.department_reviewed": AcceptanceDepartmentReviewed,
    "fc.acceptance.district_reviewed": AcceptanceDistrictReviewed,
    "fc.acceptance.review_failed": AcceptanceReviewFailed,
    "fc.acceptance.passed": AcceptancePassed,
    "fc.acceptance.failed": AcceptanceFailed,
    "fc.evaluation.recorded": EvaluationRecorded,
    "fc.bulletin.published": BulletinPublished,
    "fc.subsidy.approved": SubsidyApproved,
    "fc.subsidy.disbursed": SubsidyDisbursed,
    "fc.subsidy.recovery_due": SubsidyRecoveryDue,
    "fc.subsidy.recovery_settled": SubsidyRecoverySettled,
    "fc.fund.income_recorded": FundIncomeRecorded,
    "fc.budget.exceeded": BudgetExceeded,
    "fc.expenditure.reported": ExpenditureReported,
    "fc.capital_plan.updated": CapitalPlanUpdated,
    "fc.webhook.endpoint_disabled": WebhookEndpointDisabled,
}

if set(PAYLOADS) != set(EVENT_TYPES):  # pragma: no cover - caught at import, by every test
    raise RuntimeError(f"event types without a payload model or model without a type: "
                       f"{sorted(set(PAYLOADS) ^ set(EVENT_TYPES))}")
for _model in set(PAYLOADS.values()):
    _model.event_types = tuple(t for t, m in PAYLOADS.items() if m is _model)


def model_for(event_type: str) -> type[Payload]:
    try:
        return PAYLOADS[event_type]
    except KeyError:
        raise ValueError(f"unknown event type {event_type!r}; add it to fc_shared.events.EVENT_TYPES "
                         "and its payload model to fc_shared.event_models.PAYLOADS") from None


def payload_of(event: Any) -> Payload:
    """The typed payload of any catalogued event."""
    return Payload.of(event)


def build(event_type: str, data: Payload | dict[str, Any]) -> dict[str, Any]:
    """The producer side: ``data`` checked against the type's model, returned as the dict to publish.

    Raises ValueError for an unknown type, InvalidPayload for a payload off the contract (a missing or
    mistyped field, or a field the contract does not name)."""
    model = model_for(event_type)
    if isinstance(data, Payload):
        if not isinstance(data, model):
            raise InvalidPayload(event_type, f"built as {type(data).__name__}, the contract is {model.__name__}")
        data = data.model_dump(exclude_unset=True)
    try:
        checked = model.model_validate(data, context={"emit": True})
    except ValidationError as exc:
        raise InvalidPayload(event_type, _describe(exc)) from None
    return checked.model_dump(exclude_unset=True)
