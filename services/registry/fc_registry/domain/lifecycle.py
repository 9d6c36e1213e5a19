"""The project lifecycle (§4.2, §4.6, §4.7) exactly as DOMAIN.md draws it. Pure rules, no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PRE_APPROVAL = ("draft", "applied", "selected", "submitted")
STATES = ("draft", "applied", "selected", "rejected", "submitted", "approved", "withdrawn",
          "accepting", "district_reviewed", "accepted", "named")
IN_CREATION = ("approved", "accepting", "district_reviewed")  # creation period running, not yet accepted
ACCEPTED = ("accepted", "named")


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    event: str
    needs_note: bool = False
    needs_date: bool = False


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("apply", ("draft",), "applied", ("street", "district_office"), "fc.project.applied"),
    Action("select", ("applied",), "selected", ("district_office",), "fc.project.selected"),
    Action("reject", ("applied",), "rejected", ("district_office",), "fc.project.rejected", needs_note=True),
    Action("submit", ("selected",), "submitted", ("district_office",), "fc.project.submitted"),
    Action("approve", ("submitted",), "approved", ("district_office",), "fc.project.approved", needs_date=True),
    Action("withdraw", PRE_APPROVAL, "withdrawn", ("street", "district_office"), "fc.project.withdrawn"),
    Action("name", ("accepted",), "named", ("district_office",), "fc.project.named"),
)}


def allowed_actions(state: str, role: str | None = None) -> list[str]:
    """§4.2–§4.7: the actions the lifecycle allows from ``state`` (for ``role`` when given)."""
    return [a.name for a in ACTIONS.values() if state in a.sources and (role is None or role in a.roles)]


class TransitionRefused(Exception):
    def __init__(self, status: int, reason: str, detail: str, allowed: list[str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.reason, self.detail, self.allowed = status, reason, detail, allowed


def check_transition(action: str, state: str, role: str, note: str | None, on: date | None) -> Action:
    """§4.2–§4.7: who may do ``action``, from which state, and with what; raises TransitionRefused."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionRefused(422, "unknown-action", f"unknown action {action!r}", allowed_actions(state, role))
    if role not in spec.roles:
        raise TransitionRefused(403, "forbidden-role", f"role {role} may not {action}")
    if state not in spec.sources:
        raise TransitionRefused(409, "invalid-transition", f"cannot {action} a project in state {state}",
                                allowed_actions(state, role))
    if spec.needs_note and not (note or "").strip():
        raise TransitionRefused(422, "note-required", f"{action} needs a note giving the reason")
    if spec.needs_date and on is None:
        raise TransitionRefused(422, "date-required", f"{action} needs `on`, the publication date of the approval")
    return spec


def transition_date_problem(action: str, on: date, created_on: date, today: date) -> str | None:
    """§4.6: a step's date (for approve: the publication date) is neither in the future nor before the project."""
    if on > today:
        return f"{action} date {on} is in the future"
    if on < created_on:
        return f"{action} date {on} is before the project was created ({created_on})"
    return None


# Inspection-driven moves (§4.7): event type → (states it may move from, target or None for "fall back").
INSPECTION_MOVES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "fc.acceptance.requested": (("approved", "accepted"), "accepting"),
    "fc.acceptance.district_reviewed": (("accepting",), "district_reviewed"),
    "fc.acceptance.passed": (("district_reviewed",), "accepted"),
    "fc.acceptance.failed": (("accepting", "district_reviewed"), None),
    "fc.acceptance.review_failed": (("accepting", "district_reviewed"), None),
}


def inspection_target(event_type: str, state: str, accepted_level: str | None,
                      requested_level: str | None = None) -> str | None:
    """§4.7: the state an inspection event moves a project to, or None when it does not apply in ``state``.

    An accepted project is accepting again only for a provincial acceptance it does not hold yet
    (city first, province after). A failed result returns the project to ``accepted`` if it already
    holds a level, else to ``approved``.
    """
    sources, target = INSPECTION_MOVES[event_type]
    if state not in sources:
        return None
    if event_type == "fc.acceptance.requested" and state == "accepted" and (
            accepted_level == "province" or requested_level != "province"):
        return None
    if target is None:
        return "accepted" if accepted_level else "approved"
    return target
