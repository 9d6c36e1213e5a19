"""Issue 13 across the services: a result received on paper pays exactly like one posted by the
province/city system, once when both arrive; a city-named project still reaches province."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from fc_devtools.testing import TEST_SECRET, wait_until
from tools.flows import Driver, expenditure

pytestmark = pytest.mark.e2e
CNY = 100  # fen


@pytest.fixture(scope="module")
def driver(platform):
    d = Driver({s: platform.url(s) for s in ("registry", "funding", "inspection", "notify")}, TEST_SECRET)
    d.codes = d.standard_indicators()
    return d


def approved_project(driver: Driver, *, target_level: str, approved_on: date) -> dict:
    street = driver.street()
    community = driver.community(street)
    project = driver.project([community], target_level=target_level, created_on=approved_on - timedelta(days=60))
    driver.approve(project["id"], street, approved_on)
    driver.evaluate_all_met(project["id"], street, driver.codes)
    return {"id": project["id"], "street": street, "community": community}


def funding_when(driver: Driver, project_id: str, predicate, message: str) -> dict:
    return wait_until(lambda: (lambda f: f if predicate(f) else None)(driver.funding(project_id)), 90,
                      interval=0.3, message=message)


def wait_state(driver: Driver, project_id: str, state: str, level: str | None = None) -> dict:
    return wait_until(lambda: (lambda p: p if p["state"] == state and (level is None or p["accepted_level"] == level)
                               else None)(driver.project_state(project_id)), 90, interval=0.3,
                      message=f"project {state}")


def test_a_paper_result_pays_like_the_integration_and_once_when_both_arrive(driver):
    p = approved_project(driver, target_level="city", approved_on=date(2025, 1, 10))
    acceptance = driver.apply_acceptance(p["id"], p["street"], "city", expenditure(9_000_000 * CNY))
    driver.review_all(acceptance)
    scan = driver.upload_document(p["community"], "acceptance_decision", p["id"])
    paper = driver.post_result(acceptance["id"], "city", date(2025, 11, 1), reference="杭未来办〔2025〕8号",
                               on_paper=True, document_id=scan["id"])
    result = paper.json()["result"]
    assert (result["channel"], result["document_id"]) == ("paper", scan["id"])
    assert result["recorded_by"].startswith("district_office:")
    # the same decision then posted by the city system: no new effect
    again = driver.post_result(acceptance["id"], "city", date(2025, 11, 1), reference="杭未来办〔2025〕8号")
    assert again.status_code == 200 and again.json()["result"]["channel"] == "paper"
    other = driver.post_result(acceptance["id"], "city", date(2025, 11, 2), reference="杭未来办〔2025〕9号",
                               expect=(409,))
    assert other.status_code == 409
    # DOMAIN.md example 1: entitlement 9,500,000, paid on acceptance — once
    funding_when(driver, p["id"], lambda f: f["paid_fen"] > 0, "payment")
    wait_state(driver, p["id"], "accepted", "city")
    f = driver.funding(p["id"])
    assert f["paid_fen"] == 9_500_000 * CNY
    assert [e["kind"] for e in f["entries"]].count("disbursement") == 1
    entry = next(h for h in driver.history(p["id"]) if h["action"] == "fc.acceptance.passed")
    assert entry["by"].startswith("paper:district_office:") and "杭未来办〔2025〕8号" in entry["note"]


def test_a_city_named_project_passes_province_and_gets_the_top_up(driver):
    p = approved_project(driver, target_level="province", approved_on=date(2025, 1, 10))
    city = driver.apply_acceptance(p["id"], p["street"], "city", expenditure(8_000_000 * CNY))
    driver.review_all(city)
    driver.post_result(city["id"], "city", date(2025, 6, 1))
    wait_state(driver, p["id"], "accepted", "city")
    funding_when(driver, p["id"], lambda f: f["paid_fen"] == 9_000_000 * CNY, "city payment")
    named = driver.transition(p["id"], "name", on="2025-06-10", level="city")
    assert named["state"] == "named" and named["named_level"] == "city"
    # DOMAIN.md example 4, with the project named at city in between
    province = driver.apply_acceptance(p["id"], p["street"], "province", expenditure(11_000_000 * CNY))
    driver.review_all(province)
    driver.post_result(province["id"], "province", date(2025, 9, 1))
    accepted = wait_state(driver, p["id"], "accepted", "province")
    assert (accepted["city_accepted_on"], accepted["province_accepted_on"], accepted["first_accepted_on"]) == (
        "2025-06-01", "2025-09-01", "2025-06-01")
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] == 11_500_000 * CNY, "province top-up")
    assert f["entitlement_fen"] == 11_500_000 * CNY
