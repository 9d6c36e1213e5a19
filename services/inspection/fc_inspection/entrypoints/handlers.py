"""Event handlers: registry's projects, milestones, streets and problems, funding's spending and capital plans."""
from __future__ import annotations

from fc_shared.events import TOPIC_FUNDING, TOPIC_REGISTRY

from ..service_layer.projection import (
    on_capital_plan_updated,
    on_expenditure_reported,
    on_milestone_updated,
    on_problem_closed,
    on_problem_opened,
    on_project_cancelled,
    on_project_event,
    on_street_created,
)

CONSUMES = [TOPIC_REGISTRY, TOPIC_FUNDING]

PROJECT_EVENT_TYPES = (
    "fc.project.created", "fc.project.updated", "fc.project.applied", "fc.project.selected", "fc.project.rejected",
    "fc.project.submitted", "fc.project.approved", "fc.project.declined", "fc.project.withdrawn",
    "fc.project.rescheduled", "fc.project.state_changed", "fc.project.named", "fc.project.year_end_incomplete",
)

HANDLERS = {
    **{t: on_project_event for t in PROJECT_EVENT_TYPES},
    "fc.project.cancelled": on_project_cancelled,
    "fc.project.milestone_updated": on_milestone_updated,
    "fc.street.created": on_street_created,
    "fc.problem.opened": on_problem_opened,
    "fc.problem.closed": on_problem_closed,
    "fc.expenditure.reported": on_expenditure_reported,
    "fc.capital_plan.updated": on_capital_plan_updated,
}
