"""The money invariant, as a Hypothesis state machine over the service (consumer path and API, real database):

after any sequence of interims, acceptances at either level, repayments, reversals (of any entry, also
after a cancellation or a netting), reschedules, cancellations, year closes and redeliveries (events again,
a reversal's request again), cash at the street (paid − repaid) − recovery still owed = what the rules entitle
the project to (the entitlement of the highest level reached, or the interim while none, or 0 once
cancelled), and nothing is paid twice for one event.

The model below is written from DOMAIN.md § Money, not from funding's code.
"""
from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from fc_devtools.testing import app_client

CNY = 100
WAN = 10_000 * CNY
AWARD = {"city": 1000 * WAN, "province": 1200 * WAN}  # F1, F2
RANK = {"city": 1, "province": 2}


class Model:
    """DOMAIN.md § Money, step by step."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.cancelled = False
        self.reached: set[str] = set()
        self.expenditure = 0
        self.interim = 0
        self.cash = 0  # paid out, less repaid
        self.owed = 0  # recovery still owed

    def entitlement(self) -> int:
        if self.cancelled:
            return 0
        if self.reached:
            a = AWARD[max(self.reached, key=RANK.get)]
            e = self.expenditure
            return min(a, e) + max(0, a - e) // 2
        return self.interim

    def _settle(self) -> None:
        # Pay entitlement − what the street keeps; a later payment first nets what is still owed.
        diff = self.entitlement() - (self.cash - self.owed)
        if diff > 0:
            net = min(diff, self.owed)
            self.owed -= net
            self.cash += diff - net
        else:
            self.owed += -diff

    def year_end(self) -> None:
        # F4: 70 % of the target level's award, at most 700 万元, once, never once accepted or cancelled.
        if self.cancelled or self.reached or self.interim:
            return
        self.interim = min(AWARD[self.target] * 70 // 100, 700 * WAN)
        self._settle()

    def accept(self, level: str, spent: int) -> None:
        if self.cancelled or level in self.reached:
            return
        self.reached.add(level)
        self.expenditure = spent
        self._settle()

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self._settle()

    def repay(self, amount: int) -> bool:
        if amount <= 0 or amount > self.owed:
            return False
        self.cash -= amount
        self.owed -= amount
        return True

    def reverse(self, kind: str, amount: int) -> bool:
        """A reversal (冲销) voids a booked movement and never changes the entitlement. DOMAIN.md is silent on
        reversals; what finance expects (the decision noted in funding's rules.settle_reversal):"""
        if kind == "repayment":  # recorded in error: the recovery it settled is owed again
            self.cash += amount
            self.owed += amount
            return True
        if kind in ("interim", "disbursement", "reward"):  # never reached the street
            if self.owed == 0:
                return False  # it would only be paid again: the rules still entitle the street to it
            if self.cancelled and amount > self.owed:
                return False  # a cancelled project is paid nothing: its repayments are reversed first
            self.cash -= amount
            netted = min(amount, self.owed)  # the street does not repay money it never got
            self.owed -= netted
            self.cash += amount - netted  # what it is still entitled to is paid again
            return True
        if kind == "offset":  # undo a netting: paid out in cash, the recovery owed again
            if self.cancelled:
                return False  # a cancelled project is paid nothing
            self.cash += amount
            self.owed += amount
            return True
        return False  # a recovery is repaid or netted, never reversed; an approval moves no money


def test_cash_at_the_street_less_recovery_owed_is_always_the_entitlement(funding_app, kit):
    app = funding_app(run_workers=False)
    runner = asyncio.Runner()
    client_cm = app_client(app)
    client = runner.run(client_cm.__aenter__())

    def run(coro):
        return runner.run(coro)

    class Money(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.project = kit.new_id("inv")
            self.version = 1
            self.task_year = 2020
            self.state = "approved"
            self.delivered = []
            self.model: Model | None = None
            self.vouchers = 0
            self.reversed: set[int] = set()  # entries this run reversed
            self.reversals: set[int] = set()  # the reversing entries themselves
            self.last_reversal: tuple[str, dict, dict] | None = None  # (idempotency key, body, response)

        def snapshot(self, type_: str, **extra):
            self.version += 1
            return kit.project_event(type_, self.project, target_level=self.model.target, task_year=self.task_year,
                                     state=self.state, version=self.version, **extra)

        def deliver(self, *events) -> None:
            run(kit.handle(app, *events))
            self.delivered.extend(events)

        def year_closed(self, year: int) -> bool:
            r = run(client.get(f"/api/v1/years/{year}/funding", headers=kit.FINANCE))
            return r.json()["closed"]

        def funding(self) -> dict:
            r = run(client.get(f"/api/v1/projects/{self.project}/funding", headers=kit.FINANCE))
            assert r.status_code == 200, r.text
            return r.json()

        @initialize(level=st.sampled_from(("city", "province")))
        def approve(self, level):
            self.model = Model(level)
            self.deliver(kit.approved(self.project, target_level=level, version=1))
            if self.year_closed(self.task_year):  # an earlier example closed it: the close covers this one too
                self.model.year_end()

        @precondition(lambda self: self.model is not None and self.state != "cancelled" and not self.model.interim)
        @rule()
        def year_end_announced(self):
            self.deliver(self.snapshot("fc.project.year_end_incomplete", year=self.task_year))
            self.model.year_end()

        @precondition(lambda self: self.model is not None)
        @rule()
        def finance_closes_the_task_year(self):
            r = run(client.post(f"/api/v1/years/{self.task_year}/close", headers=kit.FINANCE))
            assert r.status_code == 200, r.text
            self.model.year_end()  # no-op when cancelled, accepted or already paid

        @precondition(lambda self: self.model is not None and self.state != "cancelled")
        @rule(year=st.integers(2020, 2023))
        def rescheduled(self, year):
            previous, self.task_year = self.task_year, year
            self.deliver(self.snapshot("fc.project.rescheduled", previous_task_year=previous, note="按需调整",
                                       creation_deadline=f"{year}-12-31"))
            if self.year_closed(year):  # moved into a task year already closed: its interim is due now
                self.model.year_end()

        @precondition(lambda self: self.model is not None)
        @rule(level=st.sampled_from(("city", "province")), spent=st.integers(0, 1500 * WAN))
        def acceptance_passed(self, level, spent):
            self.deliver(kit.passed(self.project, level, spent // CNY, decided_on="2024-06-01"))
            self.model.accept(level, (spent // CNY) * CNY)

        @precondition(lambda self: self.model is not None and self.state != "cancelled")
        @rule()
        def cancelled(self):
            self.state = "cancelled"
            self.deliver(self.snapshot("fc.project.cancelled", from_state="approved", to_state="cancelled",
                                       note="撤销创建"))
            self.model.cancel()

        @precondition(lambda self: self.delivered)
        @rule(data=st.data())
        def redelivered(self, data):
            event = data.draw(st.sampled_from(self.delivered))
            before = self.funding()
            run(kit.handle(app, event))  # the same event id again: the inbox makes it a duplicate
            if event.type == "fc.acceptance.passed":
                # The same acceptance as another event (a second post of the result): paid once.
                from fc_shared.events import Event

                run(kit.handle(app, Event(type=event.type, source=event.source, subject=event.subject,
                                          data=event.data)))
            assert self.funding() == before

        @precondition(lambda self: self.model is not None and (self.model.owed > 0 or self.vouchers == 0))
        @rule(share=st.sampled_from((0.25, 0.5, 1.0, "over")))
        def repaid(self, share):
            owed = self.funding()["recovery_due_fen"]
            amount = owed + 1 if share == "over" else int(owed * share)
            self.vouchers += 1
            before = self.funding()
            r = run(client.post(f"/api/v1/projects/{self.project}/repayments", headers=kit.FINANCE,
                                json={"amount_fen": amount, "repaid_on": "2025-01-10",
                                      "reference": f"V{self.vouchers}"}))
            accepted = self.model.repay(amount)
            assert r.status_code == (201 if accepted else 422), r.text
            if not accepted:
                assert self.funding() == before

        @precondition(lambda self: self.model is not None)
        @rule(data=st.data())
        def reversed_an_entry(self, data):
            entries = self.funding()["entries"]
            if not entries:
                return
            kind = data.draw(st.sampled_from(sorted({e["kind"] for e in entries})))  # every kind as likely
            entry = data.draw(st.sampled_from([e for e in entries if e["kind"] == kind]))
            before = self.funding()
            key = f"rev-{self.project}-{entry['id']}-{len(self.reversed)}-{len(self.reversals)}"
            r = run(client.post(f"/api/v1/entries/{entry['id']}/reversal", json={"reason": "冲销"},
                                headers={**kit.FINANCE, "Idempotency-Key": key}))
            if entry["id"] in self.reversed or entry["id"] in self.reversals:
                accepted = False  # reversed already, or itself a reversal
            else:
                accepted = self.model.reverse(entry["kind"], entry["amount_fen"])
            assert r.status_code == (201 if accepted else 409), (entry, r.text)
            event(f"reversal of {entry['kind']}: {r.status_code}")
            if accepted:
                self.reversed.add(entry["id"])
                self.reversals.add(r.json()["id"])
                self.last_reversal = (key, entry, r.json())
            else:
                assert self.funding() == before

        @precondition(lambda self: self.last_reversal is not None)
        @rule()
        def reversal_requested_again(self):
            key, entry, response = self.last_reversal
            before = self.funding()
            r = run(client.post(f"/api/v1/entries/{entry['id']}/reversal", json={"reason": "冲销"},
                                headers={**kit.FINANCE, "Idempotency-Key": key}))
            assert (r.status_code, r.json()) == (201, response)  # the same answer, nothing booked twice
            again = run(client.post(f"/api/v1/entries/{entry['id']}/reversal", json={"reason": "冲销"},
                                    headers=kit.FINANCE))
            assert again.status_code == 409
            assert self.funding() == before

        @invariant()
        def holds_what_the_rules_entitle(self):
            if self.model is None:
                return
            f = self.funding()
            cash = f["paid_fen"] - f["repaid_fen"]
            assert (cash, f["recovery_due_fen"]) == (self.model.cash, self.model.owed)
            assert cash - f["recovery_due_fen"] == self.model.entitlement()
            if self.model.reached and not self.model.cancelled:
                assert f["entitlement_fen"] == self.model.entitlement()
            interims = [e for e in f["entries"] if e["kind"] == "interim" and e["basis"] == "interim"]
            assert len(interims) <= 1
            assert all(e["amount_fen"] > 0 for e in f["entries"] if e["reverses_entry_id"] is None)

    try:
        run_state_machine_as_test(Money, settings=settings(
            max_examples=60, stateful_step_count=15, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
    finally:
        run(client_cm.__aexit__(None, None, None))
        runner.close()
