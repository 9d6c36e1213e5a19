"""§4.7 acceptance preconditions, district review outcome and result handling (pure rules)."""
import pytest

from fc_inspection.domain.acceptance import (
    EvaluationFacts,
    ProjectFacts,
    Result,
    application_refusal,
    effective_state,
    result_conflict,
    review_outcome,
)

ALL_MET = EvaluationFacts(all_standard_met=True, standard_met=18, standard_total=18)
GAPS = EvaluationFacts(all_standard_met=False, standard_met=16, standard_total=18)


def test_an_approved_project_with_every_standard_indicator_met_may_apply():
    assert application_refusal(ProjectFacts("approved", None), "city", False, ALL_MET) is None


@pytest.mark.parametrize("state", ["draft", "applied", "selected", "submitted", "rejected", "withdrawn"])
def test_a_project_not_yet_approved_is_refused(state):
    reason = application_refusal(ProjectFacts(state, None), "city", False, ALL_MET)
    assert reason and state in reason


def test_an_unmet_standard_indicator_refuses_with_the_count():
    assert "16 of 18" in application_refusal(ProjectFacts("approved", None), "city", False, GAPS)


def test_no_evaluation_refuses():
    assert "no nine-scenario evaluation" in application_refusal(ProjectFacts("approved", None), "city", False, None)


def test_one_open_application_per_project():
    assert "open acceptance" in application_refusal(ProjectFacts("accepting", None), "city", True, ALL_MET)


def test_accepted_at_city_may_apply_for_province_only():
    city = ProjectFacts("accepted", "city")
    assert application_refusal(city, "province", False, ALL_MET) is None
    assert "higher level" in application_refusal(city, "city", False, ALL_MET)
    assert application_refusal(ProjectFacts("accepted", "province"), "province", False, ALL_MET)


def test_an_inspection_driven_state_without_an_open_acceptance_is_the_state_registry_returns_to():
    # registry has not yet moved the project back after a review failure
    assert effective_state(ProjectFacts("accepting", None), False) == "approved"
    assert effective_state(ProjectFacts("district_reviewed", "city"), False) == "accepted"
    assert effective_state(ProjectFacts("accepting", None), True) == "accepting"
    assert application_refusal(ProjectFacts("accepting", None), "city", False, ALL_MET) is None


def test_review_outcome():
    required = ["housing", "finance"]
    assert review_outcome(required, {}) == "pending"
    assert review_outcome(required, {"housing": True}) == "pending"
    assert review_outcome(required, {"housing": True, "finance": True}) == "passed"
    assert review_outcome(required, {"housing": True, "finance": False}) == "failed"
    assert review_outcome(required, {"finance": False}) == "failed"


RESULT = Result(passed=True, level="city", decided_on="2026-10-01", reference="市验〔2026〕1号")


def test_a_result_needs_the_district_review_first():
    assert "district review" in result_conflict("requested", "city", None, RESULT)
    assert result_conflict("district_reviewed", "city", None, RESULT) is None


def test_the_same_result_again_is_a_no_op_and_a_different_one_conflicts():
    assert result_conflict("passed", "city", RESULT, RESULT) is None
    other = Result(passed=False, level="city", decided_on="2026-10-01", reference="x")
    assert "different result" in result_conflict("passed", "city", RESULT, other)


def test_a_result_of_another_level_conflicts():
    assert "province" in result_conflict("district_reviewed", "city", None,
                                         Result(passed=True, level="province", decided_on="2026-10-01", reference="r"))


def test_inspections_own_pass_counts_before_registry_catches_up():
    from fc_inspection.domain.acceptance import highest_level

    assert highest_level(None, "city") == "city" and highest_level("city", "province") == "province"
    assert highest_level(None) is None
    # registry still says district_reviewed, but inspection recorded the city pass
    lagging = ProjectFacts("district_reviewed", highest_level(None, "city"))
    assert "higher level" in application_refusal(lagging, "city", False, ALL_MET)
    assert application_refusal(lagging, "province", False, ALL_MET) is None
    # even an approved snapshot cannot bring a second award at the same level
    assert "higher level" in application_refusal(ProjectFacts("approved", "city"), "city", False, ALL_MET)
