"""Event payload contracts shared by producers and consumers (the written-down-once part of the API).

Every ``fc.project.*`` event carries the project snapshot below in ``data`` (plus
event-specific fields such as ``from_state``/``to_state``/``note``/``by``), so any
consumer can keep its projection from whichever project event it sees first.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

EXPENSE_CATEGORIES = ("consulting_design", "construction", "equipment")  # §5.3 eligible categories


class ProjectSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    project_id: str
    name: str
    street_code: str
    type: str
    target_level: str
    state: str
    accepted_level: str | None = None
    community_ids: list[str]
    approved_on: date | None = None
    creation_deadline: date | None = None
    task_year: int | None = None

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> "ProjectSnapshot":
        return cls.model_validate(data)


def eligible_expenditure_fen(by_category: dict[str, Any]) -> int:
    """§5.3: only consulting/design, construction and equipment count toward the award."""
    return sum(int(by_category.get(c) or 0) for c in EXPENSE_CATEGORIES)
