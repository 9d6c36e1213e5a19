"""DOMAIN.md's worked examples end to end: an acceptance result posted to inspection by the
province/city system → registry state → funding's payment, read from funding's API."""
from __future__ import annotations

import concurrent.futures
from datetime import date, timedelta

import pytest

from fc_devtools.testing import TEST_SECRET, wait_until
from tools.flows import WAN, Driver, expenditure

pytestmark = pytest.mark.e2e
CNY = 100  # fen


@pytest.fixture(scope="module")
def driver(platform):
    d = Driver({s: platform.url(s) for s in ("registry", "funding", "inspection", "notify")}, TEST_SECRET)
    d.codes = d.standard_indicators()
    return d


def approved_project(driver: Driver, *, target_level: str, approved_on: date) -> dict:
    street = driver.street()
    project = driver.project([driver.community(street)], target_level=target_level,
                             created_on=approved_on - timedelta(days=60))
    driver.approve(project["id"], street, approved_on)
    driver.evaluate_all_met(project["id"], street, driver.codes)
    return {"id": project["id"], "street": street}


def accept(driver: Driver, p: dict, level: str, spent_cny: int, decided_on: date) -> dict:
    acceptance = driver.apply_acceptance(p["id"], p["street"], level, expenditure(spent_cny * CNY))
    driver.review_all(acceptance)
    driver.post_result(acceptance["id"], level, decided_on)
    return acceptance


def funding_when(driver: Driver, project_id: str, predicate, message: str) -> dict:
    return wait_until(lambda: (lambda f: f if predicate(f) else None)(driver.funding(project_id)), 90,
                      interval=0.3, message=message)


def wait_state(driver: Driver, project_id: str, state: str) -> None:
    wait_until(lambda: driver.project_state(project_id)["state"] == state, 90, interval=0.3,
               message=f"project {state}")


def close_year(driver: Driver, year: int, *project_ids: str) -> None:
    """Finance closes the year once funding has heard of each project's approval (events travel on their own time)."""
    for project_id in project_ids:
        wait_until(lambda: driver.funding(project_id).get("task_year") == year, 90,
                   message=f"funding knows {project_id}'s approval for task year {year}")
    driver.call("POST", "funding", f"/api/v1/years/{year}/close", "finance", expect=(200, 201))


def kinds(f: dict) -> list[tuple[str, int]]:
    return [(e["kind"], e["amount_fen"]) for e in f["entries"]]


def test_example_1_city_in_task_year_below_award(driver):
    p = approved_project(driver, target_level="city", approved_on=date(2025, 1, 10))
    accept(driver, p, "city", 9_000_000, date(2025, 11, 1))
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] > 0, "payment")
    assert f["award_fen"] == 10_000_000 * CNY
    assert f["entitlement_fen"] == 9_500_000 * CNY
    assert f["paid_fen"] == 9_500_000 * CNY and f["recovery_due_fen"] == 0
    assert any("F7" in e["rules"] for e in f["entries"])
    wait_state(driver, p["id"], "accepted")

    def paid_2025() -> float:
        text = driver.client.get(driver.urls["funding"] + "/metrics").text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith('fc_paid_fen{year="2025"}'))
    wait_until(lambda: paid_2025() >= 9_500_000 * CNY, 30, message="the paid-per-year gauge counts the payment")

    def accepted_projects() -> float:
        text = driver.client.get(driver.urls["registry"] + "/metrics").text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith('fc_projects{state="accepted"}'))
    wait_until(lambda: accepted_projects() >= 1, 30, message="the projects-by-state gauge counts the accepted one")


def test_example_2_expenditure_above_award_is_borne_by_the_street(driver):
    p = approved_project(driver, target_level="city", approved_on=date(2025, 1, 10))
    accept(driver, p, "city", 11_000_000, date(2025, 11, 1))
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] > 0, "payment")
    assert f["entitlement_fen"] == f["paid_fen"] == 10_000_000 * CNY
    assert any("F5" in e["rules"] for e in f["entries"])


def test_example_3_interim_then_province_next_year(driver):
    p = approved_project(driver, target_level="province", approved_on=date(2021, 3, 1))  # task year 2022
    close_year(driver, 2022, p["id"])
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] > 0, "interim")
    assert f["paid_fen"] == 7_000_000 * CNY
    assert ("interim", 7_000_000 * CNY) in kinds(f)
    accept(driver, p, "province", 12_000_000, date(2023, 6, 1))
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] > 7_000_000 * CNY, "payment after acceptance")
    assert f["entitlement_fen"] == 12_000_000 * CNY
    assert f["paid_fen"] == 12_000_000 * CNY
    assert ("disbursement", 5_000_000 * CNY) in kinds(f)


def test_example_4_city_then_province_top_up(driver):
    p = approved_project(driver, target_level="province", approved_on=date(2025, 1, 10))
    accept(driver, p, "city", 8_000_000, date(2025, 6, 1))
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] > 0, "city payment")
    assert f["paid_fen"] == 9_000_000 * CNY
    wait_state(driver, p["id"], "accepted")
    accept(driver, p, "province", 11_000_000, date(2025, 10, 1))
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] > 9_000_000 * CNY, "province top-up")
    assert f["award_fen"] == 12_000_000 * CNY
    assert f["entitlement_fen"] == 11_500_000 * CNY
    assert f["paid_fen"] == 11_500_000 * CNY
    assert ("disbursement", 2_500_000 * CNY) in kinds(f)
    wait_until(lambda: driver.project_state(p["id"])["accepted_level"] == "province", 60, message="province level")


def test_example_5_interim_covers_a_small_city_acceptance(driver):
    p = approved_project(driver, target_level="city", approved_on=date(2022, 3, 1))  # task year 2023
    close_year(driver, 2023, p["id"])
    funding_when(driver, p["id"], lambda f: f["paid_fen"] == 7_000_000 * CNY, "interim")
    accept(driver, p, "city", 4_000_000, date(2024, 5, 1))
    f = funding_when(driver, p["id"], lambda f: f["entitlement_fen"] > 0, "settlement")
    assert f["entitlement_fen"] == 7_000_000 * CNY
    assert f["paid_fen"] == 7_000_000 * CNY and f["recovery_due_fen"] == 0


def test_example_6_interim_above_entitlement_is_recovered(driver):
    p = approved_project(driver, target_level="city", approved_on=date(2020, 3, 1))  # task year 2021
    close_year(driver, 2021, p["id"])
    funding_when(driver, p["id"], lambda f: f["paid_fen"] == 7_000_000 * CNY, "interim")
    accept(driver, p, "city", 2_000_000, date(2022, 5, 1))
    f = funding_when(driver, p["id"], lambda f: f["recovery_due_fen"] > 0, "recovery")
    assert f["entitlement_fen"] == 6_000_000 * CNY
    assert f["recovery_due_fen"] == 1_000_000 * CNY
    assert f["paid_fen"] - f["recovery_due_fen"] == f["entitlement_fen"]
    assert ("recovery", 1_000_000 * CNY) in kinds(f)

    # Finance records the street's repayment: more than is owed is refused and writes nothing; then it is settled.
    url = f"/api/v1/projects/{p['id']}/repayments"
    over = driver.call("POST", "funding", url, "finance", expect=(422,),
                       json={"amount_fen": 1_000_000 * CNY + 1, "repaid_on": "2022-08-01", "reference": "JK-1"})
    assert over.json()["type"].endswith("over-repayment")
    driver.call("POST", "funding", url, "street", claims={"street_code": p["street"]}, expect=(403,),
                json={"amount_fen": 1, "repaid_on": "2022-08-01", "reference": "JK-1"})
    driver.call("POST", "funding", url, "finance", expect=(201,),
                json={"amount_fen": 1_000_000 * CNY, "repaid_on": "2022-08-01", "reference": "JK-1"})
    f = driver.funding(p["id"])
    assert (f["paid_fen"], f["repaid_fen"], f["recovery_due_fen"]) == (7_000_000 * CNY, 1_000_000 * CNY, 0)
    assert f["paid_fen"] - f["repaid_fen"] - f["recovery_due_fen"] == f["entitlement_fen"]
    assert (f["final_expenditure_fen"], f["street_borne_fen"]) == (2_000_000 * CNY, 0)


def test_example_7_the_same_result_twice_and_concurrently_pays_once(driver):
    p = approved_project(driver, target_level="city", approved_on=date(2025, 1, 10))
    acceptance = driver.apply_acceptance(p["id"], p["street"], "city", expenditure(9_000_000 * CNY))
    driver.review_all(acceptance)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: driver.post_result(acceptance["id"], "city", date(2025, 11, 1),
                                                           expect=(200, 201, 409)).status_code, range(4)))
    assert any(c in (200, 201) for c in codes)
    again = driver.post_result(acceptance["id"], "city", date(2025, 11, 1), expect=(200, 201, 409))
    assert again.status_code in (200, 201, 409)
    f = funding_when(driver, p["id"], lambda f: f["paid_fen"] > 0, "payment")
    wait_state(driver, p["id"], "accepted")
    f = driver.funding(p["id"])
    assert f["paid_fen"] == 9_500_000 * CNY
    assert [k for k, _ in kinds(f)].count("disbursement") == 1


def test_every_event_the_producers_published_is_on_the_contract(driver, platform):
    """Every outbox row of every service (this module's flows, plus one of its own) validates against its model
    as the producer's emit checks it, unknown fields refused (fc_shared.event_models, issue 12)."""
    import asyncio

    from fc_devtools.contract import outbox_contract_violations

    p = approved_project(driver, target_level="city", approved_on=date(2025, 1, 10))
    accept(driver, p, "city", 9_000_000, date(2025, 11, 1))
    funding_when(driver, p["id"], lambda f: f["paid_fen"] > 0, "payment")
    wait_state(driver, p["id"], "accepted")
    seen: dict[str, dict[str, int]] = {}
    for service, url in platform.db_urls.items():
        counts, problems = asyncio.run(outbox_contract_violations(url))
        assert not problems, "\n".join(problems)
        seen[service] = counts
    assert {"fc.street.created", "fc.community.created", "fc.project.created", "fc.project.approved",
            "fc.project.state_changed"} <= set(seen["registry"])
    assert {"fc.evaluation.recorded", "fc.acceptance.requested", "fc.acceptance.department_reviewed",
            "fc.acceptance.district_reviewed", "fc.acceptance.passed"} <= set(seen["inspection"])
    assert {"fc.subsidy.approved", "fc.subsidy.disbursed"} <= set(seen["funding"])
