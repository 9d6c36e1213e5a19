"""Property test: webhook delivery rules against a model of ARCHITECTURE.md § Webhooks out.

The machine plays one endpoint receiving a stream of events, one delivery at a time, on a simulated clock.
Each attempt draws what the endpoint answers (status, latency, ``Retry-After``); the pure rules decide what
follows, composed the way the dispatcher composes them. The model checks, independently of the code:

- only a 2xx within the timeout delivers, and the first one ends the delivery;
- a 410 Gone (within the timeout) ends the delivery and disables the endpoint;
- the waits follow the schedule: the scheduled wait never falls, jitter stays within its ratio, and only a
  ``Retry-After`` (capped) lengthens a wait; no delivery makes more attempts than the schedule has entries;
- an endpoint is disabled for failing only once it has failed continuously for the configured period;
- during a secret rotation's overlap both secrets sign, the new one first, and only the new one after.
"""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fc_notify.domain.delivery import (Outcome, classify, first_attempt_delay, parse_retry_after, retry_delay,
                                       should_disable, signing_secrets)
from fc_notify.settings import NotifySettings

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TIMEOUT_S = 15.0
STATUSES = [200, 201, 204, 299, 300, 301, 400, 404, 408, 409, 410, 429, 500, 502, 503, None]

schedules = st.lists(st.integers(0, 40000), min_size=1, max_size=8).map(sorted)
retry_after_headers = st.one_of(
    st.none(),
    st.integers(0, 200000).map(lambda s: ("seconds", s)),
    st.integers(-3600, 200000).map(lambda s: ("date", s)),
    st.sampled_from([("junk", "soon"), ("junk", ""), ("junk", "Tue, 99 Foo 2026"), ("junk", "-5")]),
)


def header_value(spec, now: datetime) -> tuple[str | None, float | None]:
    """A Retry-After header as the endpoint sends it, and the seconds RFC 9110 §10.2.3 says it means."""
    if spec is None:
        return None, None
    kind, value = spec
    if kind == "seconds":
        return str(value), float(value)
    if kind == "date":  # HTTP-dates carry whole seconds; a date in the past means "now"
        when = (now + timedelta(seconds=value)).replace(microsecond=0)
        return format_datetime(when, usegmt=True), max(0.0, (when - now).total_seconds())
    return value, None


class DeliveryMachine(RuleBasedStateMachine):
    @initialize(schedule=schedules, jitter=st.sampled_from([0.0, 0.1, 0.5]),
                disable_after_s=st.integers(0, 200000), cap_s=st.sampled_from([3600.0, 86400.0]),
                seed=st.integers(0, 2**32 - 1))
    def an_endpoint(self, schedule, jitter, disable_after_s, cap_s, seed):
        self.schedule, self.jitter, self.cap = schedule, jitter, cap_s
        self.disable_after = timedelta(seconds=disable_after_s)
        self.rng = random.Random(seed)
        self.now = START
        self.endpoint = "active"
        self.failing_since: datetime | None = None
        self.secret, self.previous, self.previous_until = "whsec_a", None, None
        self.delivered = self.gave_up = 0
        self._new_delivery()

    def _new_delivery(self) -> None:
        self.status, self.attempts = "pending", 0
        self.due = self.now + timedelta(seconds=first_attempt_delay(self.schedule))
        assert self.due - self.now == timedelta(seconds=self.schedule[0])
        self.last_wait: float | None = None  # the previous wait, when no Retry-After lengthened it

    @precondition(lambda self: self.endpoint == "active" and self.status != "pending")
    @rule()
    def the_next_event_arrives(self):
        self._new_delivery()

    @precondition(lambda self: self.endpoint == "active" and self.status == "pending")
    @rule(code=st.sampled_from(STATUSES), latency=st.sampled_from([0.01, 1.0, 14.9, 15.0, 15.1, 60.0]),
          header=retry_after_headers, lag_s=st.integers(0, 120))
    def an_attempt(self, code, latency, header, lag_s):
        """The dispatcher sends when due (maybe a little late); the endpoint answers; the rules decide."""
        self.now = max(self.now, self.due) + timedelta(seconds=lag_s)
        self.attempts += 1
        assert self.attempts <= len(self.schedule), "more attempts than the schedule has entries"
        outcome = classify(code, latency, TIMEOUT_S)
        timely = code is not None and latency <= TIMEOUT_S
        if timely and 200 <= code < 300:
            assert outcome is Outcome.SUCCESS
            self.status, self.failing_since = "delivered", None
            self.delivered += 1
            return
        if timely and code == 410:
            assert outcome is Outcome.GONE
            self.status, self.endpoint = "failed", "disabled"
            return
        assert outcome is Outcome.FAILURE, (code, latency, outcome)
        self.failing_since = self.failing_since or self.now
        failing_for = self.now - self.failing_since
        if should_disable(self.failing_since, self.now, self.disable_after):
            assert failing_for >= self.disable_after, "disabled before the failing period"
            self.status, self.endpoint = "failed", "disabled"
            return
        assert failing_for < self.disable_after
        value, meant = header_value(header, self.now)
        retry_after = parse_retry_after(value, self.now)
        assert retry_after == meant, (value, retry_after, meant)
        wait = retry_delay(self.schedule, self.attempts, retry_after_s=retry_after, max_retry_after_s=self.cap,
                           jitter_ratio=self.jitter, rng=self.rng)
        if self.attempts >= len(self.schedule):
            assert wait is None, "a retry beyond the schedule"
            self.status = "failed"
            self.gave_up += 1
            return
        scheduled = self.schedule[self.attempts]
        low, high = scheduled * (1 - self.jitter), scheduled * (1 + self.jitter)
        honoured = min(retry_after, self.cap) if retry_after is not None else 0.0
        assert wait is not None and max(low, honoured) - 1e-6 <= wait <= max(high, honoured) + 1e-6, \
            (scheduled, self.jitter, retry_after, wait)
        lengthened = honoured > high
        if self.last_wait is not None and not lengthened and self.jitter < 1:
            # the scheduled wait never falls: jitter is the only thing that can make one wait shorter
            assert wait >= self.last_wait * (1 - self.jitter) / (1 + self.jitter) - 1e-6
        self.last_wait = None if lengthened else wait
        self.due = self.now + timedelta(seconds=wait)

    @rule(seconds=st.integers(0, 3 * 86400))
    def time_passes(self, seconds):
        self.now += timedelta(seconds=seconds)

    @rule(overlap_s=st.integers(0, 86400))
    def the_secret_is_rotated(self, overlap_s):
        self.previous, self.previous_until = self.secret, self.now + timedelta(seconds=overlap_s)
        self.secret = f"whsec_{self.rng.getrandbits(32):x}"

    @invariant()
    def both_secrets_sign_only_during_the_overlap(self):
        secrets = signing_secrets(self.secret, self.previous, self.previous_until, self.now)
        if self.previous is not None and self.now < self.previous_until:
            assert secrets == [self.secret, self.previous]
        else:
            assert secrets == [self.secret]

    @invariant()
    def a_disabled_endpoint_has_no_pending_delivery(self):
        if self.endpoint == "disabled":
            assert self.status == "failed"


def test_the_default_schedule_never_shortens_and_lasts_a_day():
    schedule = NotifySettings().retry_schedule_s
    assert schedule == sorted(schedule) and sum(schedule) >= 86400


@given(schedule=schedules, attempts=st.integers(0, 10), jitter=st.floats(0, 0.5),
       retry_after=st.one_of(st.none(), st.floats(0, 10**7)), cap=st.floats(0, 86400))
def test_a_wait_is_the_schedule_with_jitter_or_a_longer_capped_retry_after(schedule, attempts, jitter,
                                                                           retry_after, cap):
    wait = retry_delay(schedule, attempts, retry_after_s=retry_after, max_retry_after_s=cap, jitter_ratio=jitter,
                       rng=random.Random(attempts))
    if attempts >= len(schedule):
        assert wait is None
        return
    honoured = min(retry_after, cap) if retry_after is not None else 0.0
    base = schedule[attempts]
    assert max(base * (1 - jitter), honoured) - 1e-6 <= wait <= max(base * (1 + jitter), honoured) + 1e-6


@given(failing_for_s=st.integers(-10, 10**6), period_s=st.integers(0, 10**6))
def test_disabling_waits_for_the_whole_failing_period(failing_for_s, period_s):
    since = START - timedelta(seconds=failing_for_s)
    assert should_disable(since, START, timedelta(seconds=period_s)) == (failing_for_s >= period_s)
    assert not should_disable(None, START, timedelta(seconds=period_s))


DeliveryMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None,
                                             suppress_health_check=[HealthCheck.too_slow])
TestDelivery = DeliveryMachine.TestCase
