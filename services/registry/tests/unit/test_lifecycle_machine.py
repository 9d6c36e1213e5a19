"""Property test: the project lifecycle code against an independent model of DOMAIN.md § Lifecycle.

The model below is written from the diagram, not from ``lifecycle.ACTIONS``:

    draft ──apply──▶ applied ──select──▶ selected ──submit──▶ submitted ──approve──▶ approved
                        └──reject──▶ rejected                     └──decline──▶ declined
      withdraw (any state before approved) ─▶ withdrawn
    approved … district_reviewed ──cancel──▶ cancelled; ──reschedule──▶ the same state
    approved ──requested──▶ accepting ──district review passed──▶ district_reviewed ──passed──▶ accepted
    accepting / district_reviewed ──failed──▶ named if it holds a name, accepted if it holds a level, else approved
    accepted ──name (per level)──▶ named; a city-named (or city-accepted) project may request province

Roles (DOMAIN.md § Actors): the district office may do everything in registry; a street applies for and
withdraws its own projects; departments, finance, integrations and auditors move no project.
"""
from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from fc_registry.domain.lifecycle import (ACTIONS, INSPECTION_MOVES, TransitionRefused, allowed_actions,
                                          check_transition, inspection_target, naming_problem, target_of)
from fc_registry.domain.projects import higher_level

ROLES = ("district_office", "street", "department", "finance", "integration", "auditor")
RANK = {None: 0, "city": 1, "province": 2}

# (action, from state) -> to state, straight from the diagram.
CREATING = ("approved", "accepting", "district_reviewed")
DIAGRAM = {
    ("apply", "draft"): "applied",
    ("select", "applied"): "selected",
    ("reject", "applied"): "rejected",
    ("submit", "selected"): "submitted",
    ("approve", "submitted"): "approved",
    ("decline", "submitted"): "declined",
    **{("withdraw", s): "withdrawn" for s in ("draft", "applied", "selected", "submitted")},
    **{("reschedule", s): s for s in CREATING},
    **{("cancel", s): "cancelled" for s in CREATING},
    ("name", "accepted"): "named",
}
DIAGRAM_ACTIONS = sorted({a for a, _ in DIAGRAM})
ROLE_ACTIONS = {"district_office": set(DIAGRAM_ACTIONS), "street": {"apply", "withdraw"}}
NEEDS_NOTE = {"reject", "reschedule", "cancel"}  # a reason on reject, reschedule (按需调整) and cancel (撤销创建)
NEEDS_DATE = {"approve", "decline", "name"}  # the decision's (publication, naming) date
NEEDS_LEVEL = {"approve", "decline", "name"}
NEEDS_REFERENCE = {"approve", "decline"}  # 文号
NEEDS_DEADLINE = {"reschedule"}

notes = st.one_of(st.none(), st.just(""), st.just("   "), st.text(min_size=1, max_size=8))
dates = st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
levels = st.one_of(st.none(), st.sampled_from(["city", "province"]))
references = st.one_of(st.none(), st.just(" "), st.just("区批〔2024〕3号"))


def model_allowed(state: str, role: str, level: str | None = None) -> set[str]:
    """Reschedule and cancel only before acceptance: not once a level is held (e.g. city, applying for province)."""
    return {a for (a, s) in DIAGRAM if s == state and a in ROLE_ACTIONS.get(role, set())
            and not (level and a in ("reschedule", "cancel"))}


def expected_refusal(action: str, state: str, role: str, note: str | None, on: date | None,
                     level: str | None = None, reference: str | None = None, deadline: date | None = None,
                     held: str | None = None) -> int | None:
    """The status DOMAIN.md's rules give a refused step: 403 role before 409 state before 422 input."""
    if action not in DIAGRAM_ACTIONS:
        return 422
    if action not in ROLE_ACTIONS.get(role, set()):
        return 403
    if action not in model_allowed(state, role, held):
        return 409
    if ((level is not None and action not in NEEDS_LEVEL) or (reference is not None and action not in NEEDS_REFERENCE)
            or (deadline is not None and action not in NEEDS_DEADLINE)):
        return 422
    if action in NEEDS_NOTE and not (note or "").strip():
        return 422
    if action in NEEDS_DATE and on is None:
        return 422
    if action in NEEDS_LEVEL and level is None:
        return 422
    if action in NEEDS_REFERENCE and not (reference or "").strip():
        return 422
    if action in NEEDS_DEADLINE and deadline is None:
        return 422
    return None


def model_naming_allowed(level: str, accepted: str | None, named: str | None) -> bool:
    """Named at a level the project was accepted at, above any level it is already named at."""
    return RANK[level] <= RANK[accepted] and RANK[level] > RANK[named]


def model_inspection(event: str, state: str, level: str | None, named: str | None) -> str | None:
    """Where the diagram sends a project on an inspection event; None: the event does not move it."""
    if event == "fc.acceptance.requested":
        if state == "approved" or (state in ("accepted", "named") and level == "city"):
            return "accepting"
        return None
    if event == "fc.acceptance.district_reviewed":
        return "district_reviewed" if state == "accepting" else None
    if event == "fc.acceptance.passed":
        return "accepted" if state == "district_reviewed" else None
    if event in ("fc.acceptance.failed", "fc.acceptance.review_failed"):
        if state in ("accepting", "district_reviewed"):
            return "named" if named else ("accepted" if level else "approved")
        return None
    raise AssertionError(f"unmodelled inspection event {event}")


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = "draft"
        self.level: str | None = None
        self.named: str | None = None
        self.visited = ["draft"]

    def _move(self, target: str) -> None:
        self.state = target
        self.visited.append(target)

    def _took(self, action: str, level: str | None) -> None:
        if action == "name":
            self.named = level

    @rule(data=st.data(), forward=st.booleans())
    def a_step_the_diagram_allows(self, data, forward):
        """A step DOMAIN.md allows, by a role allowed to take it, with what it needs (mostly forward)."""
        choices = sorted((a, r) for r in ROLE_ACTIONS for a in model_allowed(self.state, r, self.level)
                         if not forward or a not in ("withdraw", "reject", "decline", "cancel"))
        if not choices:
            return
        action, role = data.draw(st.sampled_from(choices))
        note = data.draw(st.text(min_size=1, max_size=8).filter(str.strip)) if action in NEEDS_NOTE else None
        on = data.draw(dates.filter(bool)) if action in NEEDS_DATE else None
        level = None
        if action in NEEDS_LEVEL:
            level = self.level if action == "name" else data.draw(st.sampled_from(["city", "province"]))
            if action == "name" and not model_naming_allowed(level, self.level, self.named):
                return
        reference = "区批〔2024〕3号" if action in NEEDS_REFERENCE else None
        deadline = date(2027, 6, 30) if action in NEEDS_DEADLINE else None
        spec = check_transition(action, self.state, role, note, on, level=level, reference=reference,
                                creation_deadline=deadline, accepted_level=self.level)
        assert target_of(spec, self.state) == DIAGRAM[(action, self.state)]
        self._took(action, level)
        self._move(target_of(spec, self.state))

    @rule(action=st.sampled_from([*DIAGRAM_ACTIONS, "accept", "promote", ""]), role=st.sampled_from(ROLES),
          note=notes, on=dates, level=levels, reference=references,
          deadline=st.one_of(st.none(), st.just(date(2027, 6, 30))))
    def any_step_by_anyone(self, action, role, note, on, level, reference, deadline):
        """Any action by any role: the code allows exactly what the model allows, refusing with its status."""
        expected = expected_refusal(action, self.state, role, note, on, level, reference, deadline, self.level)
        try:
            spec = check_transition(action, self.state, role, note, on, level=level, reference=reference,
                                    creation_deadline=deadline, accepted_level=self.level)
        except TransitionRefused as refused:
            assert refused.status == expected, (action, self.state, role, note, on, refused.reason)
            if refused.status == 409:
                assert set(refused.allowed or []) == model_allowed(self.state, role, self.level)
            return
        assert expected is None, f"{role} may {action!r} from {self.state}; DOMAIN.md refuses with {expected}"
        assert target_of(spec, self.state) == DIAGRAM[(action, self.state)]
        if action == "name":
            allowed = model_naming_allowed(level, self.level, self.named)
            assert (naming_problem(level, self.level, self.named) is None) == allowed, (level, self.level, self.named)
            if not allowed:
                return  # the service refuses it (409) and nothing moves
        self._took(action, level)
        self._move(target_of(spec, self.state))

    @rule(event=st.sampled_from(sorted(INSPECTION_MOVES)), event_level=st.sampled_from(["city", "province"]))
    def an_inspection_event(self, event, event_level):
        """Inspection events (any order, repeats included) move the project only along the diagram."""
        if event == "fc.acceptance.requested" and self.state in ("accepted", "named") and \
                RANK[event_level] <= RANK[self.level]:
            event_level = "province"  # inspection only requests a level above the one held (§4.7(1))
        target = inspection_target(event, self.state, self.level, event_level, named_level=self.named)
        assert target == model_inspection(event, self.state, self.level, self.named), (event, self.state, self.level)
        if target is None:
            return
        if event == "fc.acceptance.passed":
            new_level = higher_level(self.level, event_level)
            assert RANK[new_level] == max(RANK[self.level], RANK[event_level])
            self.level = new_level
        self._move(target)

    @rule(data=st.data())
    def inspection_moves_it_forward(self, data):
        """The events of an acceptance that goes well, so that runs reach accepted, named and province."""
        forward = {"approved": "fc.acceptance.requested", "accepting": "fc.acceptance.district_reviewed",
                   "district_reviewed": "fc.acceptance.passed"}
        if self.state in ("accepted", "named") and self.level == "city":
            forward[self.state] = "fc.acceptance.requested"
        if self.state in forward:
            self.an_inspection_event(forward[self.state], data.draw(st.sampled_from(["city", "province"])))

    @invariant()
    def allowed_actions_are_the_diagrams(self):
        for role in ROLES:
            assert set(allowed_actions(self.state, role, self.level)) == model_allowed(self.state, role, self.level)
        assert set(allowed_actions(self.state)) == {a for (a, s) in DIAGRAM if s == self.state}

    @invariant()
    def named_only_after_accepted_with_a_level(self):
        if self.state == "named":
            assert "accepted" in self.visited and self.level is not None and self.named is not None
        if self.state in ("accepted", "named"):
            assert self.level in ("city", "province")
        assert RANK[self.named] <= RANK[self.level]

    @invariant()
    def cancelled_only_from_creation(self):
        if self.state == "cancelled":
            assert "approved" in self.visited and "accepted" not in self.visited and self.level is None
        if self.state == "declined":
            assert "submitted" in self.visited and "approved" not in self.visited

    @invariant()
    def no_user_action_leaves_a_terminal_or_inspection_driven_end(self):
        if self.state in ("rejected", "withdrawn", "declined", "cancelled", "named"):
            assert allowed_actions(self.state) == []


def test_every_action_has_a_diagram_edge():
    """The code's action table holds no edge the diagram lacks (and lacks none it has)."""
    code_edges = {(a.name, s): target_of(a, s) for a in ACTIONS.values() for s in a.sources}
    assert code_edges == DIAGRAM


def test_accepted_level_never_falls():
    for current in (None, "city", "province"):
        for reached in (None, "city", "province"):
            assert RANK[higher_level(current, reached)] == max(RANK[current], RANK[reached])


LifecycleMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None,
                                              suppress_health_check=[HealthCheck.too_slow])
TestLifecycle = LifecycleMachine.TestCase
