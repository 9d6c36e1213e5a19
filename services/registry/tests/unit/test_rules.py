"""Pure registry rules: day counting, lifecycle table, scope, deadlines and thresholds, RAG, periods, targets."""
from datetime import date

import pytest

from fc_registry.domain import lifecycle
from fc_registry.domain.dates import add_months, add_years, days_left
from fc_registry.domain.deadlines import alert_due, alert_fires, next_alert_on, normalise_thresholds, plan_upload_due, rag
from fc_registry.domain.projects import (
    creation_deadline,
    default_period_months,
    default_task_year,
    higher_level,
    missing_survey_fields,
    period_override_problem,
    scope_warnings,
)
from fc_registry.domain.summaries import is_period_start, overdue_periods, period_bounds
from fc_registry.domain.targets import coverage_status, dated_target_status, pipeline_status


@pytest.mark.parametrize("start, years, end", [
    (date(2024, 2, 29), 3, date(2027, 2, 28)),
    (date(2024, 2, 29), 1, date(2025, 2, 28)),
    (date(2024, 2, 29), 4, date(2028, 2, 29)),
    (date(2023, 6, 15), 1, date(2024, 6, 15)),
    (date(2023, 12, 31), 3, date(2026, 12, 31)),
])
def test_years_count_as_the_civil_code_counts(start, years, end):
    assert add_years(start, years) == end


def test_months_end_on_the_last_day_when_the_day_is_missing():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 3, 31), 18) == date(2025, 9, 30)
    assert add_months(date(2024, 11, 30), 2) == date(2025, 1, 30)
    with pytest.raises(ValueError):
        add_months(date(2024, 1, 1), -1)


def test_creation_periods_and_task_year():
    assert default_period_months("renovation") == 12
    assert default_period_months("new_build") == default_period_months("demolish_rebuild") == 36
    deadline = creation_deadline(date(2024, 2, 29), 36)
    assert deadline == date(2027, 2, 28) and default_task_year(deadline) == 2027
    assert period_override_problem("renovation", 18, None)
    assert period_override_problem("renovation", 18, "  ")
    assert period_override_problem("renovation", 18, "拆改量大") is None
    assert period_override_problem("renovation", 12, None) is None


def test_scope_warns_outside_the_band_only():
    assert scope_warnings(20) == []
    assert scope_warnings(5) == [] and scope_warnings(60) == []
    assert scope_warnings(4.9) and scope_warnings(61)
    assert scope_warnings(70, 1, 100) == []


def test_survey_fields_of_section_4_2():
    full = {"lat": 30.1, "population": 10, "elderly_share": 0.2, "children_share": 0.1, "needs": "a",
            "features": "b", "spatial_resources": "c"}
    assert missing_survey_fields(full) == []
    assert missing_survey_fields({**full, "lat": None, "address": "路1号"}) == []
    assert missing_survey_fields({**full, "lat": None, "needs": " "}) == ["location", "needs"]
    assert "population_structure" in missing_survey_fields({**full, "population": 0})


def test_lifecycle_table_matches_the_domain_drawing():
    assert lifecycle.allowed_actions("draft") == ["apply", "withdraw"]
    assert lifecycle.allowed_actions("applied") == ["select", "reject", "withdraw"]
    assert lifecycle.allowed_actions("selected") == ["submit", "withdraw"]
    assert lifecycle.allowed_actions("submitted") == ["approve", "decline", "withdraw"]
    for creating in ("approved", "accepting", "district_reviewed"):
        assert lifecycle.allowed_actions(creating) == ["reschedule", "cancel"]
    assert lifecycle.allowed_actions("accepted") == ["name"]
    for terminal in ("rejected", "withdrawn", "declined", "cancelled", "named"):
        assert lifecycle.allowed_actions(terminal) == []
    assert lifecycle.allowed_actions("applied", "street") == ["withdraw"]
    assert lifecycle.allowed_actions("approved", "street") == []


@pytest.mark.parametrize("action, state, role, note, on, extra, status", [
    ("select", "applied", "street", None, None, {}, 403),
    ("submit", "draft", "district_office", None, None, {}, 409),
    ("reject", "applied", "district_office", "", None, {}, 422),
    ("approve", "submitted", "district_office", None, None, {"level": "city", "reference": "x"}, 422),
    ("approve", "submitted", "district_office", None, date(2024, 1, 1), {"reference": "x"}, 422),
    ("approve", "submitted", "district_office", None, date(2024, 1, 1), {"level": "city", "reference": " "}, 422),
    ("decline", "submitted", "district_office", None, date(2024, 1, 1), {"level": "city"}, 422),
    ("decline", "approved", "district_office", None, date(2024, 1, 1), {"level": "city", "reference": "x"}, 409),
    ("reschedule", "approved", "district_office", None, None, {"creation_deadline": date(2026, 1, 1)}, 422),
    ("reschedule", "approved", "district_office", "late", None, {}, 422),
    ("reschedule", "accepted", "district_office", "late", None, {"creation_deadline": date(2026, 1, 1)}, 409),
    ("cancel", "approved", "district_office", " ", None, {}, 422),
    ("cancel", "accepted", "district_office", "x", None, {}, 409),
    ("cancel", "submitted", "district_office", "x", None, {}, 409),
    ("cancel", "approved", "street", "x", None, {}, 403),
    ("submit", "selected", "district_office", None, None, {"level": "city"}, 422),
    ("withdraw", "approved", "district_office", None, None, {}, 409),
    ("name", "approved", "district_office", None, date(2024, 1, 1), {"level": "city"}, 409),
    ("name", "accepted", "district_office", None, date(2024, 1, 1), {}, 422),
    ("fly", "draft", "district_office", None, None, {}, 422),
])
def test_refused_transitions(action, state, role, note, on, extra, status):
    with pytest.raises(lifecycle.TransitionRefused) as info:
        lifecycle.check_transition(action, state, role, note, on, **extra)
    assert info.value.status == status


def test_allowed_transitions_and_dates():
    assert lifecycle.check_transition("apply", "draft", "street", None, None).target == "applied"
    assert lifecycle.check_transition("approve", "submitted", "district_office", None, date(2024, 1, 1),
                                      level="city", reference="区批〔2024〕1号").target == "approved"
    spec = lifecycle.check_transition("reschedule", "accepting", "district_office", "拆迁延后", None,
                                      creation_deadline=date(2026, 1, 1))
    assert lifecycle.target_of(spec, "accepting") == "accepting"
    assert lifecycle.transition_date_problem("approve", date(2030, 1, 1), date(2024, 1, 1), date(2026, 1, 1))
    assert lifecycle.transition_date_problem("approve", date(2023, 1, 1), date(2024, 1, 1), date(2026, 1, 1))
    assert lifecycle.transition_date_problem("approve", date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 1)) is None
    assert lifecycle.reschedule_problem(date(2024, 1, 1), date(2024, 1, 1), None)
    assert lifecycle.reschedule_problem(date(2025, 6, 1), date(2024, 1, 1), date(2025, 6, 1))
    assert lifecycle.reschedule_problem(date(2025, 7, 1), date(2024, 1, 1), date(2025, 6, 1)) is None


def test_naming_per_level():
    """§4.7: named at a level reached, never at or below the level already named (a city name leaves province open)."""
    assert lifecycle.naming_problem("city", "city", None) is None
    assert lifecycle.naming_problem("province", "city", None)
    assert lifecycle.naming_problem("city", "province", "city")
    assert lifecycle.naming_problem("province", "province", "city") is None


def test_year_end_announcement_timing():
    """F4: from 1 January after the task year, unless accepted by 31 December or cancelled."""
    due = lifecycle.year_end_announcement_due
    assert not due(2025, date(2025, 12, 31), "approved", None)
    assert due(2025, date(2026, 1, 1), "approved", None)
    assert not due(2025, date(2026, 1, 1), "accepted", date(2025, 12, 31))
    assert due(2025, date(2026, 1, 5), "accepted", date(2026, 1, 2))
    assert not due(2025, date(2026, 1, 1), "cancelled", None)


@pytest.mark.parametrize("event, state, level, target", [
    ("fc.acceptance.requested", "approved", None, "accepting"),
    ("fc.acceptance.requested", "accepted", "city", "accepting"),  # requested: province
    ("fc.acceptance.requested", "accepted", "province", None),
    ("fc.acceptance.requested", "draft", None, None),
    ("fc.acceptance.district_reviewed", "accepting", None, "district_reviewed"),
    ("fc.acceptance.passed", "district_reviewed", None, "accepted"),
    ("fc.acceptance.passed", "approved", None, None),
    ("fc.acceptance.failed", "district_reviewed", None, "approved"),
    ("fc.acceptance.failed", "district_reviewed", "city", "accepted"),
    ("fc.acceptance.review_failed", "accepting", None, "approved"),
    ("fc.acceptance.review_failed", "accepting", "city", "accepted"),
    ("fc.acceptance.requested", "named", "city", "accepting"),
    ("fc.acceptance.requested", "named", "province", None),
    ("fc.acceptance.requested", "cancelled", None, None),
    ("fc.acceptance.passed", "cancelled", None, None),
])
def test_inspection_driven_moves(event, state, level, target):
    assert lifecycle.inspection_target(event, state, level, "province") == target


def test_an_accepted_project_is_accepting_again_only_for_a_provincial_acceptance():
    assert lifecycle.inspection_target("fc.acceptance.requested", "accepted", "city", "city") is None
    assert lifecycle.inspection_target("fc.acceptance.requested", "accepted", "city", None) is None
    assert lifecycle.inspection_target("fc.acceptance.requested", "approved", None, "city") == "accepting"


def test_a_failed_province_attempt_returns_a_named_project_to_named():
    assert lifecycle.inspection_target("fc.acceptance.failed", "district_reviewed", "city", named_level="city") == "named"


def test_highest_level_is_kept():
    assert higher_level(None, "city") == "city"
    assert higher_level("city", "province") == "province"
    assert higher_level("province", "city") == "province"


def test_alert_thresholds_fire_the_tightest_reached_then_the_breach():
    due, t = date(2025, 3, 31), (30, 7, 1)
    assert alert_due(due, date(2025, 2, 28), t) is None  # 31 days left
    assert alert_due(due, date(2025, 3, 1), t) == ("approaching", 30)
    assert alert_due(due, date(2025, 3, 24), t) == ("approaching", 7)
    assert alert_due(due, date(2025, 3, 31), t) == ("approaching", 1)  # due today: not yet breached
    assert alert_due(due, date(2025, 4, 1), t) == ("breached", 0)
    assert next_alert_on(due, None, t) == date(2025, 3, 1)
    assert next_alert_on(due, 30, t) == date(2025, 3, 24)
    assert next_alert_on(due, 7, t) == date(2025, 3, 30)
    assert next_alert_on(due, 1, t) == date(2025, 4, 1)
    assert next_alert_on(due, 0, t) is None
    assert normalise_thresholds([1, 30, 7, 7]) == (30, 7, 1)
    with pytest.raises(ValueError):
        normalise_thresholds([0])
    assert plan_upload_due(date(2024, 2, 1)) == date(2024, 3, 2)  # 30 days after submission
    assert days_left(due, date(2025, 4, 2)) == -2


def test_each_alert_fires_once_per_deadline_and_threshold():
    assert alert_fires(30, None)
    assert alert_fires(7, 30) and alert_fires(0, 1)
    assert not alert_fires(30, 30) and not alert_fires(30, 7)
    assert not alert_fires(0, 0)


@pytest.mark.parametrize("left, colour", [(None, "green"), (-3, "red"), (0, "red"), (7, "red"), (8, "amber"),
                                          (30, "amber"), (31, "green")])
def test_rag_thresholds(left, colour):
    assert rag(left) == colour


def test_summary_periods_and_overdue():
    assert period_bounds("weekly", date(2025, 1, 1)) == (date(2024, 12, 30), date(2025, 1, 5))
    assert period_bounds("half_monthly", date(2024, 2, 20)) == (date(2024, 2, 16), date(2024, 2, 29))
    assert period_bounds("monthly", date(2024, 2, 20)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert is_period_start("half_monthly", date(2024, 2, 16)) and not is_period_start("monthly", date(2024, 2, 2))
    overdue = overdue_periods("monthly", date(2024, 1, 10), date(2024, 4, 1), {date(2024, 2, 1)}, grace_days=1)
    assert [(s, d) for s, _, d in overdue] == [(date(2024, 1, 1), date(2024, 2, 1))]  # March due 4-1: not yet


def test_targets():
    cov = coverage_status(["S1", "S2"], {"S1": date(2023, 11, 1), "S2": date(2024, 1, 5)}, date(2023, 12, 31),
                          date(2024, 2, 1))
    assert cov["status"] == "missed" and cov["streets_missing"] == ["S2"]
    assert coverage_status(["S1"], {}, date(2023, 12, 31), date(2023, 6, 1))["status"] == "pending"
    assert pipeline_status(2024, 3, date(2024, 5, 1))["status"] == "met"
    assert pipeline_status(2024, 2, date(2025, 1, 1))["status"] == "missed"
    assert dated_target_status(date(2024, 7, 31), date(2024, 8, 2), date(2024, 9, 1)) == "late"
    assert dated_target_status(date(2024, 7, 31), None, date(2024, 7, 1)) == "pending"
    assert dated_target_status(date(2024, 7, 31), None, date(2024, 8, 1)) == "missed"
