"""Issue 14 across the services, from registry's routes: the district office cancels an approved project whose
interim was paid → funding shows the recovery due (F4, citing the cancellation) → finance records the street's
repayment → nothing is owed; and a reschedule moves an unpaid interim to the new task year (one already paid
stays). Real service processes and the real broker, on SQLite and on PostgreSQL (conftest's ``platform``)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from fc_devtools.testing import TEST_SECRET, TEST_TODAY, wait_until
from tools.flows import Driver

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]  # task years and interims are counted from the district day
CNY = 100  # fen
INTERIM = 7_000_000 * CNY  # F4: min(70% × 10,000,000, 7,000,000) for a city target


@pytest.fixture(scope="module")
def driver(platform):
    d = Driver({s: platform.url(s) for s in ("registry", "funding", "inspection", "notify")}, TEST_SECRET)
    d.codes = d.standard_indicators()
    return d


def funding_when(driver: Driver, project_id: str, predicate, message: str) -> dict:
    return wait_until(lambda: (lambda f: f if predicate(f) else None)(driver.funding(project_id)), 90,
                      interval=0.3, message=message)


def close_year(driver: Driver, year: int) -> dict:
    return driver.call("POST", "funding", f"/api/v1/years/{year}/close", "finance", expect=(200,)).json()


def interims(f: dict) -> list[dict]:
    return [e for e in f["entries"] if e["kind"] == "interim"]


def test_a_cancelled_project_owes_its_paid_interim_back_until_finance_records_the_repayment(driver):
    street = driver.street()
    approved_on = date(TEST_TODAY.year - 3, 3, 1)
    project = driver.project([driver.community(street)], target_level="city",
                             created_on=approved_on - timedelta(days=60))
    p = project["id"]
    driver.approve(p, street, approved_on)
    task_year = driver.project_state(p)["task_year"]
    assert task_year < TEST_TODAY.year  # its task year has ended unaccepted: the interim is due (F4)
    wait_until(lambda: driver.funding(p).get("task_year") == task_year, 90, message="funding knows the approval")
    close_year(driver, task_year)  # registry's year-end announcement may pay it first: once either way
    f = funding_when(driver, p, lambda f: f["paid_fen"] == INTERIM, "the interim")
    assert [e["amount_fen"] for e in interims(f)] == [INTERIM] and f["recovery_due_fen"] == 0

    note = "居民意愿变化，撤销创建"
    cancelled = driver.transition(p, "cancel", note=note)
    assert cancelled["state"] == "cancelled"
    f = funding_when(driver, p, lambda f: f["recovery_due_fen"] > 0, "the recovery of the interim")
    recovery = [e for e in f["entries"] if e["kind"] == "recovery"]
    assert [(e["amount_fen"], e["rules"], e["basis"]) for e in recovery] == [(INTERIM, ["F4"], "cancellation")]
    assert note in recovery[0]["reason"] and recovery[0]["source_event_id"]
    assert (f["state"], f["paid_fen"], f["recovery_due_fen"]) == ("cancelled", INTERIM, INTERIM)
    assert f["paid_fen"] - f["repaid_fen"] - f["recovery_due_fen"] == 0  # a cancelled project is entitled to nothing
    # Finance's close again pays a cancelled project nothing.
    close_year(driver, task_year)
    assert driver.funding(p)["entries"] == f["entries"]

    # The street sees what it owes; only finance records the repayment.
    own = driver.call("GET", "funding", f"/api/v1/projects/{p}/funding", "street", claims={"street_code": street})
    assert own.json()["recovery_due_fen"] == INTERIM
    url = f"/api/v1/projects/{p}/repayments"
    body = {"amount_fen": INTERIM, "repaid_on": TEST_TODAY.isoformat(), "reference": f"JK-{p[:8]}"}
    driver.call("POST", "funding", url, "street", claims={"street_code": street}, expect=(403,), json=body)
    driver.call("POST", "funding", url, "finance", expect=(422,), json={**body, "amount_fen": INTERIM + 1})
    repayment = driver.call("POST", "funding", url, "finance", expect=(201,), json=body).json()
    assert (repayment["kind"], repayment["amount_fen"], repayment["reference"]) == ("repayment", INTERIM,
                                                                                     body["reference"])
    f = driver.funding(p)
    assert (f["paid_fen"], f["repaid_fen"], f["recovery_due_fen"]) == (INTERIM, INTERIM, 0)
    year = driver.call("GET", "funding", f"/api/v1/years/{recovery[0]['year']}/funding", "finance").json()
    assert year["recovered_fen"] >= INTERIM and year["repaid_fen"] >= INTERIM and year["recovery_due_fen"] >= 0
    street_view = driver.call("GET", "funding", f"/api/v1/streets/{street}/funding", "finance").json()
    assert (street_view["repaid_fen"], street_view["recovery_due_fen"]) == (INTERIM, 0)


def test_a_reschedule_moves_the_unpaid_interim_to_the_new_task_year(driver):
    street = driver.street()
    this_year = TEST_TODAY.year
    approved_on = date(this_year - 1, 1, 15)
    project = driver.project([driver.community(street)], target_level="city",
                             created_on=approved_on - timedelta(days=60))
    p = project["id"]
    driver.transition(p, "apply", "street", claims={"street_code": street})
    driver.transition(p, "select")
    driver.transition(p, "submit")
    driver.transition(p, "approve", on=approved_on.isoformat(), level="city", reference=f"测试批复〔{p[:4]}〕号",
                      task_year=this_year)  # due this year: no interim yet
    wait_until(lambda: driver.funding(p).get("task_year") == this_year, 90, message="funding knows the approval")
    closed = close_year(driver, this_year - 1)
    assert p not in {e["project_id"] for e in closed["interims"]}
    assert driver.funding(p)["paid_fen"] == 0

    # Rescheduled into last year, which has ended (and is closed): the unpaid interim follows it.
    moved = driver.transition(p, "reschedule", note="按需调整", creation_deadline=f"{this_year - 1}-12-31")
    assert moved["task_year"] == this_year - 1
    f = funding_when(driver, p, lambda f: f["paid_fen"] > 0, "the interim of the new task year")
    assert f["task_year"] == this_year - 1
    assert [(e["amount_fen"], e["year"], e["rules"]) for e in interims(f)] == [(INTERIM, this_year - 1, ["F1", "F4"])]

    # Rescheduled again, into this year: the interim already paid stays, and nothing is paid twice.
    moved = driver.transition(p, "reschedule", note="再次调整", creation_deadline=f"{this_year}-06-30")
    assert moved["task_year"] == this_year
    f = funding_when(driver, p, lambda f: f["task_year"] == this_year, "funding follows the second reschedule")
    close_year(driver, this_year - 1)
    f = driver.funding(p)
    assert [(e["amount_fen"], e["year"]) for e in interims(f)] == [(INTERIM, this_year - 1)]
    assert (f["paid_fen"], f["recovery_due_fen"]) == (INTERIM, 0)
