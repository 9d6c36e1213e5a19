"""Property test: acceptance (验收, §4.7) rules against an independent model of DOMAIN.md § Acceptance.

The machine plays one project through applications, department reviews (复核) and province/city results,
with the registry's view of the project lagging behind inspection's own events as it does in production
(the registry learns them from the broker). The model is written from DOMAIN.md:

1. an application only from ``approved``, or ``accepted`` (or ``named``) at city level applying for province, with no other
   acceptance open and the latest evaluation meeting every standard indicator;
2. all required departments pass → district reviewed; any fails → returned; the order does not matter;
3. a result needs a district-reviewed acceptance of its level; the same result again is no conflict, a
   different one is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fc_inspection.domain.acceptance import (DEFAULT_REQUIRED_DEPARTMENTS, EvaluationFacts, ProjectFacts, Result,
                                             application_refusal, effective_state, highest_level, result_conflict,
                                             review_outcome)

RANK = {None: 0, "city": 1, "province": 2}
LEVELS = ("city", "province")
DEPARTMENTS = (*DEFAULT_REQUIRED_DEPARTMENTS, "health", "education")
BEFORE_APPROVAL = ("draft", "applied", "selected", "submitted", "rejected", "withdrawn")


@dataclass
class Acceptance:
    level: str
    state: str = "requested"  # requested → district_reviewed → passed | failed; or returned
    decisions: dict[str, bool] = field(default_factory=dict)
    recorded: Result | None = None


class AcceptanceMachine(RuleBasedStateMachine):
    @initialize(start=st.sampled_from([*BEFORE_APPROVAL, *["approved"] * 18]),
                required=st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=4, unique=True))
    def a_project(self, start, required):
        self.state = start  # the true lifecycle state, moved by inspection's own events at once
        self.level: str | None = None
        self.named: str | None = None  # the level it is named at (命名), if any
        self.registry_state, self.registry_level = start, None  # what the registry last told inspection
        self.required = required
        self.evaluation: EvaluationFacts | None = None
        self.acceptances: list[Acceptance] = []

    @property
    def open(self) -> Acceptance | None:
        a = self.acceptances[-1] if self.acceptances else None
        return a if a and a.state in ("requested", "district_reviewed") else None

    def facts(self) -> ProjectFacts:
        """What inspection knows: the registry's (maybe stale) state and the highest level either has seen."""
        passed = [a.level for a in self.acceptances if a.state == "passed"]
        reached = highest_level(self.registry_level, *passed)
        assert RANK[reached] == max([RANK[self.registry_level], *(RANK[lv] for lv in passed)])
        return ProjectFacts(self.registry_state, reached)

    def _close(self, passed: bool, level: str) -> None:
        if passed:
            self.level = level if RANK[level] > RANK[self.level] else self.level
            self.state = "accepted"
        else:  # back to what it held: named, accepted or approved
            self.state = "named" if self.named else ("accepted" if self.level else "approved")

    @rule()
    def the_registry_catches_up(self):
        self.registry_state, self.registry_level = self.state, self.level

    @rule(met=st.sampled_from([18, 18, 18, 0, 9, 17]))
    def an_evaluation_is_recorded(self, met):
        self.evaluation = EvaluationFacts(all_standard_met=met == 18, standard_met=met, standard_total=18)

    @precondition(lambda self: self.state == "accepted" and self.registry_state == "accepted")
    @rule()
    def the_district_office_names_it(self):
        """命名 is the registry's own step: inspection hears of it with the state the registry holds."""
        self.state = self.registry_state = "named"
        self.named = self.level

    @rule(level=st.sampled_from(LEVELS))
    def the_street_applies(self, level):
        refusal = application_refusal(self.facts(), level, self.open is not None, self.evaluation)
        may = (self.open is None and self.evaluation is not None and self.evaluation.all_standard_met
               and (self.state == "approved" or (self.state in ("accepted", "named") and self.level == "city"
                                                  and level == "province")))
        assert (refusal is None) == may, (self.state, self.level, self.facts(), level, refusal)
        if may:
            self.acceptances.append(Acceptance(level))
            self.state = "accepting"

    @precondition(lambda self: self.state in ("approved", "accepted", "named"))
    @rule(level=st.sampled_from(LEVELS), passed=st.booleans(), catch_up=st.booleans(), data=st.data())
    def an_acceptance_runs_its_course(self, level, passed, catch_up, data):
        """Evaluation met, application, every department passing and the result, so runs reach province."""
        if catch_up:
            self.the_registry_catches_up()
        self.an_evaluation_is_recorded(18)
        self.the_street_applies(level)
        if self.open is not None:
            self.every_required_department_passes(data)
            self.its_level_posts_the_result(data, passed)

    @precondition(lambda self: self.open is not None and self.open.state == "requested")
    @rule(department=st.sampled_from(DEPARTMENTS), passed=st.booleans(), data=st.data())
    def a_department_decides(self, department, passed, data):
        self._decide(department, passed, data)

    @precondition(lambda self: self.open is not None and self.open.state == "requested")
    @rule(data=st.data())
    def every_required_department_passes(self, data):
        for department in data.draw(st.permutations(self.required)):
            if self.open is not None and self.open.state == "requested":
                self._decide(department, True, data)

    @precondition(lambda self: self.open is not None and self.open.state == "district_reviewed")
    @rule(data=st.data(), passed=st.booleans())
    def its_level_posts_the_result(self, data, passed):
        self._post(self.open, passed, self.open.level, "2026-10-01", "市验1号", data)

    def _decide(self, department: str, passed: bool, data) -> None:
        acceptance = self.open
        if department in acceptance.decisions:
            return
        acceptance.decisions[department] = passed
        outcome = review_outcome(self.required, acceptance.decisions)
        decided = [acceptance.decisions[d] for d in self.required if d in acceptance.decisions]
        expected = ("failed" if False in decided else "passed" if len(decided) == len(self.required)
                    else "pending")
        assert outcome == expected
        shuffled = dict(data.draw(st.permutations(list(acceptance.decisions.items()))))
        assert review_outcome(data.draw(st.permutations(self.required)), shuffled) == outcome
        if outcome == "passed":
            acceptance.state, self.state = "district_reviewed", "district_reviewed"
        elif outcome == "failed":
            acceptance.state = "returned"
            self._close(False, acceptance.level)

    @precondition(lambda self: bool(self.acceptances))
    @rule(data=st.data(), passed=st.booleans(), level=st.sampled_from(LEVELS),
          decided_on=st.sampled_from(["2026-09-30", "2026-10-01"]), reference=st.sampled_from(["市验1号", "省验2号"]))
    def a_result_is_posted(self, data, passed, level, decided_on, reference):
        self._post(data.draw(st.sampled_from(self.acceptances)), passed, level, decided_on, reference, data)

    @precondition(lambda self: any(a.recorded for a in self.acceptances))
    @rule(data=st.data())
    def the_same_result_arrives_again(self, data):
        acceptance = data.draw(st.sampled_from([a for a in self.acceptances if a.recorded]))
        assert result_conflict(acceptance.state, acceptance.level, acceptance.recorded, acceptance.recorded) is None

    def _post(self, acceptance: Acceptance, passed: bool, level: str, decided_on: str, reference: str, data) -> None:
        if data.draw(st.booleans()):
            level = acceptance.level
        posted = Result(passed=passed, level=level, decided_on=decided_on, reference=reference)
        conflict = result_conflict(acceptance.state, acceptance.level, acceptance.recorded, posted)
        if level != acceptance.level:
            ok = False
        elif acceptance.state in ("passed", "failed"):
            ok = posted == acceptance.recorded
        else:
            ok = acceptance.state == "district_reviewed"
        assert (conflict is None) == ok, (acceptance, posted, conflict)
        if ok and acceptance.recorded is None:
            acceptance.recorded = posted
            acceptance.state = "passed" if passed else "failed"
            self._close(passed, level)

    @invariant()
    def effective_state_reverts_only_without_an_open_acceptance(self):
        facts = self.facts()
        if self.open is not None:
            assert effective_state(facts, True) == facts.state
        elif facts.state in ("accepting", "district_reviewed"):
            assert effective_state(facts, False) == ("accepted" if facts.accepted_level else "approved")
        else:
            assert effective_state(facts, False) == facts.state

    @invariant()
    def at_most_one_acceptance_is_open(self):
        assert sum(a.state in ("requested", "district_reviewed") for a in self.acceptances) <= 1

    @invariant()
    def a_result_is_recorded_only_after_the_district_review(self):
        for a in self.acceptances:
            assert (a.recorded is not None) == (a.state in ("passed", "failed"))
            if a.recorded is not None:
                assert all(a.decisions.get(d) is True for d in self.required)


@given(st.lists(st.one_of(st.none(), st.sampled_from([*LEVELS, "district"])), max_size=5))
def test_highest_level_is_the_highest_known_level(levels):
    assert RANK[highest_level(*levels)] == max([0, *(RANK.get(lv, 0) for lv in levels)])


def test_naming_never_blocks_a_higher_level():
    """Issue 13: a project named at city may still apply for (and pass) province, so F3's top-up stays reachable."""
    all_met = EvaluationFacts(all_standard_met=True, standard_met=18, standard_total=18)
    assert application_refusal(ProjectFacts("named", "city"), "province", False, all_met) is None
    assert application_refusal(ProjectFacts("named", "city"), "city", False, all_met)
    assert application_refusal(ProjectFacts("named", "province"), "province", False, all_met)
    assert application_refusal(ProjectFacts("accepted", "city"), "province", False, all_met) is None
    for ended in ("cancelled", "declined", "withdrawn"):
        assert application_refusal(ProjectFacts(ended, None), "city", False, all_met)


AcceptanceMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None,
                                               suppress_health_check=[HealthCheck.too_slow])
TestAcceptance = AcceptanceMachine.TestCase

