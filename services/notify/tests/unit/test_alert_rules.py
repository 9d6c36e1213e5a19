"""Pure alert routing and e-mail rules."""
from datetime import date

from fc_notify.domain.alerts import alert_type, alerts_for, recipient_of
from fc_notify.domain.email import body_for, is_address, subject_for

TODAY = date(2026, 11, 26)


def _recipients(event_type, **data):
    return [a.recipient for a in alerts_for(event_type, data, TODAY)]


def test_deadlines_and_overdue_summaries_go_to_the_street_and_the_office():
    assert _recipients("fc.deadline.approaching", street_code="S01", project_id="p", days_left=7,
                       kind="creation", due_on="2026-12-03") == ["street:S01", "district_office"]
    assert _recipients("fc.deadline.breached", street_code="S01", project_id="p", due_on="2026-11-20") == \
        ["street:S01", "district_office"]
    assert _recipients("fc.summary.overdue", street_code="S02", period="weekly", due_on="2026-11-24") == \
        ["street:S02", "district_office"]
    # A district-wide deadline (the special plan) has no street: the office alone.
    assert _recipients("fc.deadline.approaching", street_code=None, project_id=None, kind="special_plan_publish",
                       due_on="2027-07-31", days_left=30) == ["district_office"]


def test_money_events_go_to_finance():
    for t in ("fc.subsidy.approved", "fc.subsidy.disbursed", "fc.subsidy.recovery_due"):
        assert _recipients(t, street_code="S01", project_id="p") == ["street:S01", "finance"]
    assert _recipients("fc.budget.exceeded", street_code="S01", year=2026) == ["finance"]


def test_endpoint_disabled_goes_to_the_office_and_quiet_events_to_nobody():
    assert _recipients("fc.webhook.endpoint_disabled", subscription_id="s", url="https://x", reason="410") == \
        ["district_office"]
    assert _recipients("fc.project.created", street_code="S01", project_id="p") == []
    assert _recipients("fc.acceptance.passed", street_code="S01", project_id="p", level="city") == \
        ["street:S01", "district_office"]


def test_days_left_comes_from_the_event_or_the_due_date():
    [a, _] = alerts_for("fc.deadline.approaching", {"street_code": "S01", "days_left": 7, "due_on": "2026-12-03"}, TODAY)
    assert a.days_left == 7 and a.type == "deadline_approaching"
    [b, _] = alerts_for("fc.summary.overdue", {"street_code": "S01", "due_on": "2026-11-24"}, TODAY)
    assert b.days_left == -2
    [c, _] = alerts_for("fc.subsidy.disbursed", {"street_code": "S01", "amount_fen": 100}, TODAY)
    assert c.days_left is None and "1.00 元" in c.message


def test_inboxes_by_role():
    assert recipient_of("street", "S01") == "street:S01"
    assert recipient_of("district_office", None) == "district_office"
    assert recipient_of("finance", None) == "finance"
    assert recipient_of("department", None) is None and recipient_of("integration", None) is None
    assert alert_type("fc.webhook.endpoint_disabled") == "webhook_endpoint_disabled"


def test_email_addresses_and_text():
    assert is_address("office@district.gov.example")
    for bad in ("no-at", "a@b@c", "x@y.org\r\nBcc: z@w.org", "Name <x@y.org>", "@y.org"):
        assert not is_address(bad)
    assert subject_for("截止日期临近") == "[未来社区] 截止日期临近"
    assert "剩余天数 days_left: 7" in body_for("t", "m", "p-1", 7)
