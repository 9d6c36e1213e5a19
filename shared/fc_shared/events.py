"""CloudEvents 1.0 envelope (structured JSON mode) and the catalogue of event types.

The catalogue is the public contract between services and toward webhook subscribers:
a breaking change to an event's ``data`` gets a new type suffix (``.v2``).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from .clock import utcnow

TOPIC_REGISTRY = "fc.registry.v1"
TOPIC_FUNDING = "fc.funding.v1"
TOPIC_INSPECTION = "fc.inspection.v1"
TOPIC_NOTIFY = "fc.notify.v1"
TOPICS = (TOPIC_REGISTRY, TOPIC_FUNDING, TOPIC_INSPECTION, TOPIC_NOTIFY)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlt"


SOURCE_TOPICS = {
    "registry": TOPIC_REGISTRY,
    "funding": TOPIC_FUNDING,
    "inspection": TOPIC_INSPECTION,
    "notify": TOPIC_NOTIFY,
}

# type -> (source service, one-line meaning)
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "fc.street.created": ("registry", "a street was registered"),
    "fc.community.created": ("registry", "a community archive was created"),
    "fc.community.updated": ("registry", "a community archive changed"),
    "fc.project.created": ("registry", "a creation project was created (draft)"),
    "fc.project.updated": ("registry", "a project's editable fields changed"),
    "fc.project.applied": ("registry", "the street applied"),
    "fc.project.selected": ("registry", "the district office selected the application"),
    "fc.project.rejected": ("registry", "the district office rejected the application"),
    "fc.project.submitted": ("registry", "submitted to province/city"),
    "fc.project.approved": ("registry", "approval published (level, reference 文号); creation period runs"),
    "fc.project.declined": ("registry", "the province/city did not approve the submitted project"),
    "fc.project.withdrawn": ("registry", "the project was withdrawn"),
    "fc.project.rescheduled": ("registry", "an approved project's creation deadline and task year changed (按需调整)"),
    "fc.project.cancelled": ("registry", "an approved project's creation was cancelled (撤销创建); no interim ever"),
    "fc.project.state_changed": ("registry", "an inspection-driven state change (accepting, accepted …)"),
    "fc.project.named": ("registry", "the project was named a future community at a level"),
    "fc.project.milestone_updated": ("registry", "a time node was planned or reached"),
    "fc.project.year_end_incomplete": ("registry", "creation task not completed in its task year (F4)"),
    "fc.deadline.approaching": ("registry", "a deadline is 30/7/1 days away"),
    "fc.deadline.breached": ("registry", "a deadline passed"),
    "fc.summary.overdue": ("registry", "a work summary was not filed after its period"),
    "fc.problem.opened": ("registry", "a problem entered a problem list"),
    "fc.problem.closed": ("registry", "a problem was closed"),
    "fc.acceptance.requested": ("inspection", "the street applied for acceptance"),
    "fc.acceptance.department_reviewed": ("inspection", "one department decided"),
    "fc.acceptance.district_reviewed": ("inspection", "every required department passed"),
    "fc.acceptance.review_failed": ("inspection", "a department failed the acceptance; findings attached"),
    "fc.acceptance.passed": ("inspection", "province/city acceptance passed"),
    "fc.acceptance.failed": ("inspection", "province/city acceptance failed"),
    "fc.evaluation.recorded": ("inspection", "a nine-scenario evaluation was recorded"),
    "fc.bulletin.published": ("inspection", "a monthly evaluation bulletin was published"),
    "fc.subsidy.approved": ("funding", "an award/entitlement was approved (核定)"),
    "fc.subsidy.disbursed": ("funding", "money was paid to a street"),
    "fc.subsidy.recovery_due": ("funding", "a street owes money back (追回)"),
    "fc.subsidy.recovery_settled": ("funding", "a recovery owed was repaid by the street or netted against a payment"),
    "fc.fund.income_recorded": ("funding", "a higher-level special subsidy (上级专项补助) entered the district fund"),
    "fc.budget.exceeded": ("funding", "a commitment exceeds the annual budget"),
    "fc.expenditure.reported": ("funding", "a street reported expenditure"),
    "fc.capital_plan.updated": ("funding", "a project's capital plan (§4.5) changed"),
    "fc.webhook.endpoint_disabled": ("notify", "a webhook endpoint was disabled"),
}


# The catalogue as a type, so an API taking event types publishes them as an enum.
EventType = Literal[tuple(EVENT_TYPES)]  # type: ignore[valid-type]


def topic_for(event_type: str) -> str:
    try:
        return SOURCE_TOPICS[EVENT_TYPES[event_type][0]]
    except KeyError as exc:
        raise ValueError(f"unknown event type {event_type!r}; add it to fc_shared.events.EVENT_TYPES") from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class Event:
    """One CloudEvent. ``subject`` is the project id (or community id), which is also the Kafka key."""

    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: utcnow().isoformat().replace("+00:00", "Z"))

    def _envelope(self, data: Any) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "datacontenttype": "application/json",
            "data": data,
        }

    def to_dict(self) -> dict[str, Any]:
        """The envelope as JSON values (dates as strings)."""
        return self._envelope(json.loads(dumps(self.data)))

    def to_json(self) -> str:
        """The envelope serialised in one pass: the same text as ``dumps(self.to_dict())`` (the payload's keys are
        strings, so sorting them before or after the round trip agrees), without serialising the data twice."""
        return dumps(self._envelope(self.data))

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Event":
        body = json.loads(raw)
        if not isinstance(body, dict) or body.get("specversion") != "1.0":
            raise ValueError("not a CloudEvents 1.0 structured message")
        for required in ("id", "source", "type"):
            if not isinstance(body.get(required), str) or not body[required]:
                raise ValueError(f"CloudEvent without {required}")
        data = body.get("data") or {}
        if not isinstance(data, dict):
            raise ValueError("CloudEvent data must be an object")
        return cls(
            type=body["type"], source=body["source"], subject=str(body.get("subject") or ""),
            data=data, id=body["id"], time=body.get("time") or "",
        )
