"""The project lifecycle (§4.2, §4.6, §4.7) exactly as DOMAIN.md draws it. Pure rules, no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fc_shared.strict import is_blank

PRE_APPROVAL = ("draft", "applied", "selected", "submitted")
STATES = ("draft", "applied", "selected", "rejected", "submitted", "declined", "approved", "withdrawn",
          "accepting", "district_reviewed", "accepted", "named", "cancelled")
IN_CREATION = ("approved", "accepting", "district_reviewed")  # creation period running, not yet accepted
ACCEPTED = ("accepted", "named")
# A project in one of these no longer holds its communities (§3 / F3: a new project over them is no overlap).
NOT_LIVE = ("withdrawn", "rejected", "declined", "cancelled")
LEVEL_RANK = {None: 0, "city": 1, "province": 2}


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str | None  # None: the project stays in its state (reschedule)
    roles: tuple[str, ...]
    event: str
    needs_note: bool = False
    needs_date: bool = False
    needs_level: bool = False
    needs_reference: bool = False
    needs_deadline: bool = False


OFFICE = ("district_office",)
ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("apply", ("draft",), "applied", ("street", "district_office"), "fc.project.applied"),
    Action("select", ("applied",), "selected", OFFICE, "fc.project.selected"),
    Action("reject", ("applied",), "rejected", OFFICE, "fc.project.rejected", needs_note=True),
    Action("submit", ("selected",), "submitted", OFFICE, "fc.project.submitted"),
    Action("approve", ("submitted",), "approved", OFFICE, "fc.project.approved", needs_date=True, needs_level=True,
           needs_reference=True),
    Action("decline", ("submitted",), "declined", OFFICE, "fc.project.declined", needs_date=True, needs_level=True,
           needs_reference=True),
    Action("withdraw", PRE_APPROVAL, "withdrawn", ("street", "district_office"), "fc.project.withdrawn"),
    Action("reschedule", IN_CREATION, None, OFFICE, "fc.project.rescheduled", needs_note=True, needs_deadline=True),
    Action("cancel", IN_CREATION, "cancelled", OFFICE, "fc.project.cancelled", needs_note=True),
    Action("name", ("accepted",), "named", OFFICE, "fc.project.named", needs_date=True, needs_level=True),
)}


BEFORE_ACCEPTANCE = ("reschedule", "cancel")  # only while no level is reached (before accepted)
TASK_YEAR_ACTIONS = ("approve", "reschedule")  # the steps that set the project's task year (创建任务年度)


def allowed_actions(state: str, role: str | None = None, accepted_level: str | None = None) -> list[str]:
    """§4.2–§4.7: the actions the lifecycle allows from ``state`` (for ``role`` when given).

    A project accepted at city level that is applying for province is past ``accepted``: it can no longer be
    rescheduled or cancelled."""
    return [a.name for a in ACTIONS.values() if state in a.sources and (role is None or role in a.roles)
            and not (accepted_level and a.name in BEFORE_ACCEPTANCE)]


def target_of(spec: Action, state: str) -> str:
    """§4.6: the state a step leads to (a reschedule keeps the state it was taken in)."""
    return spec.target or state


class TransitionRefused(Exception):
    def __init__(self, status: int, reason: str, detail: str, allowed: list[str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.reason, self.detail, self.allowed = status, reason, detail, allowed


def check_transition(action: str, state: str, role: str, note: str | None, on: date | None, *,
                     level: str | None = None, reference: str | None = None,
                     creation_deadline: date | None = None, accepted_level: str | None = None) -> Action:
    """§4.2–§4.7: who may do ``action``, from which state, and with what; raises TransitionRefused."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionRefused(422, "unknown-action", f"unknown action {action!r}",
                                allowed_actions(state, role, accepted_level))
    if role not in spec.roles:
        raise TransitionRefused(403, "forbidden-role", f"role {role} may not {action}")
    if state not in spec.sources:
        raise TransitionRefused(409, "invalid-transition", f"cannot {action} a project in state {state}",
                                allowed_actions(state, role, accepted_level))
    if accepted_level and action in BEFORE_ACCEPTANCE:
        raise TransitionRefused(409, "invalid-transition",
                                f"cannot {action} a project already accepted at {accepted_level} level",
                                allowed_actions(state, role, accepted_level))
    unused = [name for name, value, needed in (("level", level, spec.needs_level),
                                               ("reference", reference, spec.needs_reference),
                                               ("creation_deadline", creation_deadline, spec.needs_deadline))
              if value is not None and not needed]
    if unused:
        raise TransitionRefused(422, "field-not-used", f"{action} takes no {', '.join(unused)}")
    if spec.needs_note and is_blank(note):
        raise TransitionRefused(422, "note-required", f"{action} needs a note giving the reason")
    if spec.needs_date and on is None:
        raise TransitionRefused(422, "date-required", f"{action} needs `on`, the date of the decision")
    if spec.needs_level and level is None:
        raise TransitionRefused(422, "level-required", f"{action} needs `level` (city or province)")
    if spec.needs_reference and is_blank(reference):
        raise TransitionRefused(422, "reference-required", f"{action} needs `reference`, the document number (文号)")
    if spec.needs_deadline and creation_deadline is None:
        raise TransitionRefused(422, "deadline-required", f"{action} needs the new `creation_deadline`")
    return spec


def transition_date_problem(action: str, on: date, created_on: date, today: date) -> str | None:
    """§4.6: a step's date (for approve: the publication date) is neither in the future nor before the project."""
    if on > today:
        return f"{action} date {on} is in the future"
    if on < created_on:
        return f"{action} date {on} is before the project was created ({created_on})"
    return None


def reschedule_problem(new_deadline: date, approved_on: date, current_deadline: date | None) -> str | None:
    """§3 按需调整 / §4.6 因地制宜安排创建进度: a new creation deadline lies after the approval and differs."""
    if new_deadline <= approved_on:
        return f"the creation deadline {new_deadline} must lie after the approval ({approved_on})"
    if new_deadline == current_deadline:
        return f"the creation deadline is already {new_deadline}"
    return None


def naming_problem(level: str, accepted_level: str | None, named_level: str | None) -> str | None:
    """§4.7 验收命名: a project is named at a level it was accepted at, and never below a level it already holds."""
    if LEVEL_RANK.get(level, 0) > LEVEL_RANK.get(accepted_level, 0):
        return f"the project is accepted at {accepted_level or 'no'} level; it cannot be named at {level} level"
    if LEVEL_RANK.get(level, 0) <= LEVEL_RANK.get(named_level, 0):
        return f"the project is already named at {named_level} level"
    return None


# Inspection-driven moves (§4.7): event type → (states it may move from, target or None for "fall back").
INSPECTION_MOVES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "fc.acceptance.requested": (("approved", "accepted", "named"), "accepting"),
    "fc.acceptance.district_reviewed": (("accepting",), "district_reviewed"),
    "fc.acceptance.passed": (("district_reviewed",), "accepted"),
    "fc.acceptance.failed": (("accepting", "district_reviewed"), None),
    "fc.acceptance.review_failed": (("accepting", "district_reviewed"), None),
}


def fallback_state(accepted_level: str | None, named_level: str | None) -> str:
    """§4.7: a failed acceptance returns the project to what it held: named, else accepted, else approved."""
    if named_level:
        return "named"
    return "accepted" if accepted_level else "approved"


def inspection_target(event_type: str, state: str, accepted_level: str | None,
                      requested_level: str | None = None, named_level: str | None = None) -> str | None:
    """§4.7: the state an inspection event moves a project to, or None when it does not apply in ``state``.

    An accepted project is accepting again only for a provincial acceptance it does not hold yet
    (city first, province after); naming never blocks that higher level, so a project named at city
    may be accepted at province. A failed result returns the project to what it held before
    (``fallback_state``).
    """
    sources, target = INSPECTION_MOVES[event_type]
    if state not in sources:
        return None
    if event_type == "fc.acceptance.requested" and state in ACCEPTED and (
            accepted_level != "city" or requested_level != "province"):
        return None
    if target is None:
        return fallback_state(accepted_level, named_level)
    return target


def accepted_within_task_year(task_year: int | None, accepted_on: date) -> bool:
    """F4: an acceptance on or before 31 December of the task year (or of a project with no task year) leaves
    nothing for the year end to announce: its year-end deadline is resolved."""
    return task_year is None or accepted_on <= date(task_year, 12, 31)


def year_end_announcement_due(task_year: int, as_of: date, state: str, first_accepted_on: date | None) -> bool:
    """F4: announced once the task year has ended (from 1 January on), unless accepted by 31 December or cancelled."""
    if as_of < date(task_year + 1, 1, 1) or state == "cancelled":
        return False
    return first_accepted_on is None or not accepted_within_task_year(task_year, first_accepted_on)
